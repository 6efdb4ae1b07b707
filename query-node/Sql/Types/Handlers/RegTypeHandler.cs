using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog.System;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>regtype: a type's oid that reads as a type name (the SQL spelling or pg_type.typname) and prints as
/// format_type does. The types are the built-in ones, so no catalog read is needed.</summary>
internal sealed class RegTypeHandler : NamedObjectIdentifierHandler<RegType>
{
    public override TypeKind Kind => TypeKind.RegType;

    public override IReadOnlyList<string> Names { get; } = ["regtype"];

    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings)
    {
        string trimmed = text.Trim();
        if (trimmed.Length > 0 && trimmed.All(char.IsAsciiDigit)) return FromOid((long)new OidHandler().Parse(trimmed, type, position, settings));
        string name = trimmed.StartsWith("pg_catalog.", StringComparison.Ordinal) ? trimmed["pg_catalog.".Length..] : trimmed;
        long oid = TypeNames.FindOid(name) ?? throw new SqlException(SqlState.UndefinedObject, $"type \"{trimmed}\" does not exist", position);
        return FromOid(oid);
    }

    /// <summary>As regtypeout: the type's name, "-" for 0 (no type: pg_type.typelem of a type that is not an array),
    /// the number for an oid no type has.</summary>
    public static RegType FromOid(long oid) =>
        new(oid, oid == 0 ? "-" : TypeNames.Format(oid, -1) ?? oid.ToString(global::System.Globalization.CultureInfo.InvariantCulture));

    protected override RegType OfOid(long oid, IObjectNames? names) => FromOid(oid);

    protected override long OidOf(RegType value) => value.Oid;

    protected override string NameOf(RegType value) => value.Name;
}
