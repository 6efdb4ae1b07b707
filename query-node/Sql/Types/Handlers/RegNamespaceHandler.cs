using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog.System;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>regnamespace: a schema's oid that reads as the schema's name and prints as it. Log's schemas are fixed
/// (pg_catalog, public, information_schema), so no catalog read is needed.</summary>
internal sealed class RegNamespaceHandler : NamedObjectIdentifierHandler<RegNamespace>
{
    private static readonly (long Oid, string Name)[] Schemas =
    [
        (ObjectIds.PgCatalogNamespace, "pg_catalog"),
        (ObjectIds.PublicNamespace, "public"),
        (ObjectIds.InformationSchemaNamespace, "information_schema"),
    ];

    public override TypeKind Kind => TypeKind.RegNamespace;

    public override IReadOnlyList<string> Names { get; } = ["regnamespace"];

    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings)
    {
        string trimmed = text.Trim();
        if (trimmed.Length > 0 && trimmed.All(char.IsAsciiDigit)) return FromOid((long)new OidHandler().Parse(trimmed, type, position, settings));
        return Named(trimmed) ?? throw new SqlException("3F000", $"schema \"{trimmed}\" does not exist", position);
    }

    /// <summary>The schema with exactly this name, or null.</summary>
    public static RegNamespace? Named(string name)
    {
        foreach ((long oid, string known) in Schemas)
        {
            if (known == name) return new RegNamespace(oid, known);
        }
        return null;
    }

    public static RegNamespace FromOid(long oid)
    {
        foreach ((long known, string name) in Schemas)
        {
            if (known == oid) return new RegNamespace(oid, name);
        }
        return new RegNamespace(oid, oid.ToString(global::System.Globalization.CultureInfo.InvariantCulture));
    }

    protected override RegNamespace OfOid(long oid, IObjectNames? names) => FromOid(oid);

    protected override long OidOf(RegNamespace value) => value.Oid;

    protected override string NameOf(RegNamespace value) => value.Name;
}
