using Log.QueryNode.Execution;
using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>json: the text as written, whitespace and duplicate keys included, checked against the JSON grammar on
/// input (22P02). It has no ordering or equality (PostgreSQL has no btree or hash opclass for json): comparisons,
/// GROUP BY and DISTINCT on json are refused by the binder, keys by the default <see cref="TypeHandler.WriteKey"/>.</summary>
internal sealed class JsonHandler : TypeHandler
{
    public override TypeKind Kind => TypeKind.Json;

    public override Type ValueType => typeof(JsonText);

    public override IReadOnlyList<string> Names { get; } = ["json"];

    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings)
    {
        JsonParser.Parse(text, position);
        return new JsonText(text);
    }

    public override string Format(object value, DateTimeSettings settings) => ((JsonText)value).Text;

    /// <summary>Reached only through internal sorts of rows (never a SQL comparison): by text, to be deterministic.</summary>
    public override int Compare(object left, object right) => string.CompareOrdinal(((JsonText)left).Text, ((JsonText)right).Text);

    public override int Hash(object value) => StringComparer.Ordinal.GetHashCode(((JsonText)value).Text);

    public override void WriteStored(ref MessagePackWriter writer, object value) => writer.Write(((JsonText)value).Text);

    public override object ReadStored(ref MessagePackReader reader, SqlType type) =>
        new JsonText(reader.ReadString() ?? throw new InvalidDataException("json stored as nil"));

    /// <summary>json to jsonb (assignment, pg_cast's I/O method): parsed and normalised.</summary>
    public override bool? CanCastTo(SqlType from, SqlType to, ValueCast.Context context) =>
        to.Kind == TypeKind.Jsonb ? context != ValueCast.Context.Implicit : null;

    public override object ConvertTo(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings) =>
        JsonParser.ParseJsonb(((JsonText)value).Text);
}
