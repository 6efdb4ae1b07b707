using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>"char": a single byte, the catalogs' code type (pg_class.relkind, pg_constraint.contype), held as a string
/// of zero or one character. charin keeps the first character of its input; it casts to text implicitly.</summary>
internal sealed class CharHandler : TypeHandler
{
    public override TypeKind Kind => TypeKind.Char;

    public override Type? ValueType => null;

    public override IReadOnlyList<string> Names { get; } = ["char"];

    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings) => text.Length <= 1 ? text : text[..1];

    public override string Format(object value, DateTimeSettings settings) => (string)value;

    public override int Compare(object left, object right) => ValueComparer.CompareText((string)left, (string)right);

    public override void WriteStored(ref MessagePackWriter writer, object value) => writer.Write((string)value);

    public override object ReadStored(ref MessagePackReader reader, SqlType type) => reader.ReadString()!;

    public override bool HasKeyEncoding => true;

    public override void WriteKey(ref Encoding.KeyEncoder encoder, object value) => encoder.WriteText((string)value);

    public override bool? CanCastTo(SqlType from, SqlType to, ValueCast.Context context) => to.Kind == TypeKind.Text ? true : null;

    public override object ConvertTo(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings) => value;
}
