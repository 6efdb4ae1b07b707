using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog.System;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>regrole: a role's oid that reads as the role's name and prints as it. Log's roles are the ones pg_roles
/// lists: the session's user (the bootstrap superuser's oid) and pg_database_owner. As regroleout, 0 prints as "-"
/// and an oid no role has as its number.</summary>
internal sealed class RegRoleHandler : NamedObjectIdentifierHandler<RegRole>
{
    public override TypeKind Kind => TypeKind.RegRole;

    public override IReadOnlyList<string> Names { get; } = ["regrole"];

    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings)
    {
        string trimmed = text.Trim();
        if (trimmed.Length > 0 && trimmed.All(char.IsAsciiDigit)) return FromOid((long)new OidHandler().Parse(trimmed, type, position, settings), settings.Names);
        return Find(trimmed, position, settings.Names) ?? throw new SqlException(SqlState.UndefinedObject, $"role \"{trimmed}\" does not exist", position);
    }

    /// <summary>The role a name (an identifier: unquoted folds to lower case) names, or null when there is none.</summary>
    public static RegRole? Find(string text, int? position, IObjectNames? statement)
    {
        (string? schema, string name) = QualifiedNames.Parse(text.Trim(), position);
        if (schema is not null) throw new SqlException(SqlState.InvalidNameSyntax, "invalid name syntax", position);
        return Named(name, statement);
    }

    /// <summary>The role with exactly this name (a name-typed argument, which is not an identifier to fold).</summary>
    public static RegRole? Named(string name, IObjectNames? statement)
    {
        if (statement?.CatalogSnapshot is { } catalog) return catalog.RoleOid(name) is long oid ? new RegRole(oid, name) : null;
        if (name == (statement?.UserName ?? "postgres")) return new RegRole(ObjectIds.SuperuserRole, name);
        if (name == DatabaseOwner) return new RegRole(ObjectIds.DatabaseOwnerRole, name);
        return null;
    }

    private const string DatabaseOwner = "pg_database_owner";

    /// <summary>The role of an oid, named from the statement's catalog (the session's user for the bootstrap superuser
    /// when there is none).</summary>
    public static RegRole FromOid(long oid, IObjectNames? names) => oid != 0 && names?.CatalogSnapshot?.RoleName(oid) is { } name ? new RegRole(oid, name) : oid switch
    {
        0 => new RegRole(0, "-"),
        ObjectIds.SuperuserRole => new RegRole(oid, names?.UserName ?? "postgres"),
        ObjectIds.DatabaseOwnerRole => new RegRole(oid, DatabaseOwner),
        _ => new RegRole(oid, oid.ToString(global::System.Globalization.CultureInfo.InvariantCulture)),
    };

    protected override RegRole OfOid(long oid, IObjectNames? names) => FromOid(oid, names);

    protected override long OidOf(RegRole value) => value.Oid;

    protected override string NameOf(RegRole value) => value.Name;
}
