using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog.System;
using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>regtype: a type's oid that reads as a type name (the SQL spelling or pg_type.typname) and prints as
/// format_type does. The types are the built-in ones, so no catalog read is needed.</summary>
internal sealed class RegTypeHandler : TypeHandler
{
    public override TypeKind Kind => TypeKind.RegType;

    public override Type ValueType => typeof(RegType);

    public override IReadOnlyList<string> Names { get; } = ["regtype"];

    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings)
    {
        string trimmed = text.Trim();
        if (trimmed.Length > 0 && trimmed.All(char.IsAsciiDigit)) return FromOid((long)new OidHandler().Parse(trimmed, type, position, settings));
        string name = trimmed.StartsWith("pg_catalog.", StringComparison.Ordinal) ? trimmed["pg_catalog.".Length..] : trimmed;
        long oid = TypeNames.FindOid(name) ?? throw new SqlException(SqlState.UndefinedObject, $"type \"{trimmed}\" does not exist", position);
        return FromOid(oid);
    }

    public static RegType FromOid(long oid) => new(oid, TypeNames.Format(oid, -1) ?? oid.ToString(global::System.Globalization.CultureInfo.InvariantCulture));

    public override string Format(object value, DateTimeSettings settings) => ((RegType)value).Name;

    public override int Compare(object left, object right) => ((RegType)left).Oid.CompareTo(((RegType)right).Oid);

    public override void WriteStored(ref MessagePackWriter writer, object value) => writer.Write(((RegType)value).Oid);

    public override object ReadStored(ref MessagePackReader reader, SqlType type) => FromOid(reader.ReadInt64());

    public override bool? CanCastFrom(SqlType from, SqlType to, ValueCast.Context context) =>
        from.Kind == TypeKind.Oid || from.IsInteger ? true : null;

    public override object ConvertFrom(object value, SqlType from, SqlType to, ValueCast.Context context) =>
        FromOid(value is long oid ? ObjectIdentifierComparison.FromInteger(oid) : ObjectIdentifierComparison.ToOid(value));
}
