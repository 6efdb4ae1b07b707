using System.Globalization;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// CREATE/ALTER/DROP ROLE, GRANT/REVOKE of roles and DSQL's AWS IAM GRANT/REVOKE, with PostgreSQL's checks and words.
/// admin (the bootstrap superuser) is built in: it cannot be created, altered or dropped. Only a superuser or a role
/// with CREATEROLE manages roles, and only a superuser manages superusers.
/// </summary>
internal static class RoleExecutor
{
    private const string ObjectInUse = "55006";
    private const string InvalidGrantOperation = "0LP01";

    public static async ValueTask<StatementResult> CreateAsync(CreateRoleStmt create, ITransactionStore store, CatalogSnapshot catalog, Types.DateTimeSettings settings,
        CancellationToken cancellationToken)
    {
        RoleIdentity identity = catalog.Identity;
        CheckCanManageRoles(identity, catalog, "create");
        if (create.Name.StartsWith("pg_", StringComparison.Ordinal))
        {
            throw new SqlException(SqlState.ReservedName, $"role name \"{create.Name}\" is reserved", detail: "Role names starting with \"pg_\" are reserved.");
        }
        if (catalog.RoleOid(create.Name) is not null) throw new SqlException(SqlState.DuplicateObject, $"role \"{create.Name}\" already exists");
        long oid = ObjectIds.Relation(await SqlCatalog.AllocateTableIdAsync(store, cancellationToken));
        RoleDescriptor role = Apply(new RoleDescriptor(oid, create.Name), create.Options, identity, creating: true, settings);
        SqlCatalog.WriteRole(store, role);
        foreach (RoleOption option in create.Options)
        {
            if (option.Value is not List<string> names) continue;
            foreach (string name in names)
            {
                long other = ResolveRole(name, catalog);
                RoleMembership membership = option.Name switch
                {
                    "addroleto" => new RoleMembership(other, oid, identity.Oid, false),
                    "rolemembers" => new RoleMembership(oid, other, identity.Oid, false),
                    _ => new RoleMembership(oid, other, identity.Oid, true),
                };
                SqlCatalog.WriteRoleMembership(store, membership);
            }
        }
        return new StatementResult(null, null, "CREATE ROLE");
    }

    public static async ValueTask<StatementResult> AlterAsync(AlterRoleStmt alter, ITransactionStore store, CatalogSnapshot catalog, Types.DateTimeSettings settings,
        CancellationToken cancellationToken)
    {
        RoleDescriptor role = await StoredRoleAsync(alter.Name, store, catalog, "alter", cancellationToken);
        if (alter.NewName is { } newName)
        {
            CheckCanManageRoles(catalog.Identity, catalog, "rename", role);
            if (role.Oid == catalog.Identity.Oid) throw new SqlException(SqlState.FeatureNotSupported, "session user cannot be renamed");
            if (catalog.RoleOid(newName) is not null) throw new SqlException(SqlState.DuplicateObject, $"role \"{newName}\" already exists");
            if (newName.StartsWith("pg_", StringComparison.Ordinal))
            {
                throw new SqlException(SqlState.ReservedName, $"role name \"{newName}\" is reserved", detail: "Role names starting with \"pg_\" are reserved.");
            }
            SqlCatalog.DeleteRole(store, role);
            SqlCatalog.WriteRole(store, role with { Name = newName });
            return new StatementResult(null, null, "ALTER ROLE");
        }
        CheckCanManageRoles(catalog.Identity, catalog, "alter", role);
        SqlCatalog.WriteRole(store, Apply(role, alter.Options, catalog.Identity, creating: false, settings));
        return new StatementResult(null, null, "ALTER ROLE");
    }

    public static async ValueTask<StatementResult> DropAsync(DropRoleStmt drop, ITransactionStore store, CatalogSnapshot catalog, CancellationToken cancellationToken)
    {
        var notices = new List<string>();
        foreach (string name in drop.Names)
        {
            string resolved = SpecialName(name, catalog) ?? name;
            if (Authorization.IsSuperuserAlias(resolved) || resolved == catalog.SuperuserName)
            {
                throw new SqlException(SqlState.DependentObjectsStillExist, $"cannot drop role {resolved} because it is required by the database system");
            }
            RoleDescriptor? role = catalog.Roles.FirstOrDefault(candidate => candidate.Name == resolved);
            if (role is null)
            {
                if (SystemRelations.PredefinedRoles.Any(predefined => predefined.Name == resolved))
                {
                    throw new SqlException(SqlState.DependentObjectsStillExist, $"cannot drop role {resolved} because it is required by the database system");
                }
                if (!drop.MissingOk) throw new SqlException(SqlState.UndefinedObject, $"role \"{resolved}\" does not exist");
                notices.Add($"role \"{resolved}\" does not exist, skipping");
                continue;
            }
            if (role.Oid == catalog.Identity.Oid) throw new SqlException(ObjectInUse, "current user cannot be dropped");
            if (role.Name == catalog.Session?.UserName) throw new SqlException(ObjectInUse, "session user cannot be dropped");
            CheckCanManageRoles(catalog.Identity, catalog, "drop", role);
            List<string> dependents = Dependents(role.Oid, role.Name, catalog);
            if (dependents.Count > 0)
            {
                throw new SqlException(SqlState.DependentObjectsStillExist, $"role \"{role.Name}\" cannot be dropped because some objects depend on it",
                    detail: string.Join('\n', dependents));
            }
            SqlCatalog.DeleteRole(store, role);
            foreach (RoleMembership membership in catalog.RoleMemberships.Where(membership => membership.RoleOid == role.Oid || membership.MemberOid == role.Oid))
            {
                SqlCatalog.DeleteRoleMembership(store, membership.RoleOid, membership.MemberOid);
            }
            foreach (IamMapping mapping in catalog.IamMappings.Where(mapping => mapping.RoleOid == role.Oid)) SqlCatalog.DeleteIamMapping(store, mapping.RoleOid, mapping.Principal);
        }
        return new StatementResult(null, null, "DROP ROLE") { Notices = notices };
    }

    public static StatementResult GrantRole(GrantRoleStmt grant, ITransactionStore store, CatalogSnapshot catalog)
    {
        var notices = new List<string>();
        foreach (string roleName in grant.Roles)
        {
            long roleOid = ResolveRole(roleName, catalog);
            string shownRole = catalog.RoleName(roleOid)!;
            CheckCanGrantRole(catalog, roleOid, shownRole);
            foreach (string memberName in grant.Members)
            {
                long memberOid = ResolveRole(memberName, catalog);
                string shownMember = catalog.RoleName(memberOid)!;
                RoleMembership? existing = catalog.RoleMemberships.FirstOrDefault(membership => membership.RoleOid == roleOid && membership.MemberOid == memberOid);
                if (!grant.IsGrant)
                {
                    if (existing is null)
                    {
                        notices.Add($"role \"{shownMember}\" is not a member of role \"{shownRole}\"");
                        continue;
                    }
                    if (grant.AdminOption) SqlCatalog.WriteRoleMembership(store, existing with { AdminOption = false });
                    else SqlCatalog.DeleteRoleMembership(store, roleOid, memberOid);
                    continue;
                }
                if (memberOid == roleOid || catalog.IdentityOf(roleOid).Roles.Contains(memberOid) && roleOid != ObjectIds.SuperuserRole)
                {
                    throw new SqlException(InvalidGrantOperation, memberOid == roleOid
                        ? $"role \"{shownRole}\" is a member of role \"{shownMember}\""
                        : $"role \"{shownMember}\" is a member of role \"{shownRole}\"");
                }
                if (existing is not null && (existing.AdminOption || !grant.AdminOption))
                {
                    notices.Add($"role \"{shownMember}\" is already a member of role \"{shownRole}\"");
                    continue;
                }
                SqlCatalog.WriteRoleMembership(store, new RoleMembership(roleOid, memberOid, Grantor(catalog), grant.AdminOption));
            }
        }
        return new StatementResult(null, null, grant.IsGrant ? "GRANT ROLE" : "REVOKE ROLE") { Notices = notices };
    }

    /// <summary>AWS IAM GRANT/REVOKE: maps (or unmaps) an IAM principal to a role, which a token signed by that principal
    /// may then log in as. Only a role that may manage roles may do it; admin cannot be mapped (its logins are DSQL's
    /// DbConnectAdmin). A revoked mapping stops the next transaction of the sessions it let in.</summary>
    public static async ValueTask<StatementResult> IamGrantAsync(IamGrantStmt grant, ITransactionStore store, CatalogSnapshot catalog, CancellationToken cancellationToken)
    {
        RoleDescriptor role = await StoredRoleAsync(grant.Role, store, catalog, grant.IsGrant ? "grant" : "revoke", cancellationToken);
        CheckCanManageRoles(catalog.Identity, catalog, grant.IsGrant ? "grant" : "revoke", role);
        if (grant.Principal.Length == 0) throw new SqlException(SqlState.InvalidParameterValue, "the IAM principal must not be empty");
        IamMapping? existing = await SqlCatalog.GetIamMappingAsync(store, role.Oid, grant.Principal, cancellationToken);
        string tag = grant.IsGrant ? "AWS IAM GRANT" : "AWS IAM REVOKE";
        if (grant.IsGrant)
        {
            if (existing is not null) throw new SqlException(SqlState.DuplicateObject, $"role \"{role.Name}\" is already mapped to \"{grant.Principal}\"");
            long iamOid = ObjectIds.Relation(await SqlCatalog.AllocateTableIdAsync(store, cancellationToken));
            SqlCatalog.WriteIamMapping(store, new IamMapping(iamOid, role.Oid, grant.Principal, Grantor(catalog)));
            return new StatementResult(null, null, tag);
        }
        if (existing is null) throw new SqlException(SqlState.UndefinedObject, $"role \"{role.Name}\" is not mapped to \"{grant.Principal}\"");
        SqlCatalog.DeleteIamMapping(store, role.Oid, grant.Principal);
        return new StatementResult(null, null, tag);
    }

    /// <summary>The grantor recorded for a grant: the current role (admin as 10).</summary>
    private static long Grantor(CatalogSnapshot catalog) => catalog.Identity.Oid;

    /// <summary>A stored role by name: admin and the predefined roles cannot be changed (42501), no role is 42704.</summary>
    private static async ValueTask<RoleDescriptor> StoredRoleAsync(string name, ITransactionStore store, CatalogSnapshot catalog, string action, CancellationToken cancellationToken)
    {
        string resolved = SpecialName(name, catalog) ?? name;
        if (Authorization.IsSuperuserAlias(resolved) || resolved == catalog.SuperuserName)
        {
            throw new SqlException(SqlState.InsufficientPrivilege, $"permission denied to {action} role \"{Authorization.AdminRoleName}\"",
                detail: "The built-in admin role cannot be changed.");
        }
        if (SystemRelations.PredefinedRoles.Any(predefined => predefined.Name == resolved))
        {
            throw new SqlException(SqlState.InsufficientPrivilege, $"permission denied to {action} role \"{resolved}\"",
                detail: $"Only roles with the SUPERUSER attribute may {action} roles with the SUPERUSER attribute.");
        }
        return await SqlCatalog.GetRoleAsync(store, resolved, cancellationToken) ?? throw new SqlException(SqlState.UndefinedObject, $"role \"{resolved}\" does not exist");
    }

    /// <summary>CURRENT_USER, CURRENT_ROLE and SESSION_USER as the names they stand for; null for any other name.</summary>
    public static string? SpecialName(string name, CatalogSnapshot catalog) => name switch
    {
        "current_user" or "current_role" => catalog.RoleName(catalog.Identity.Oid),
        "session_user" => catalog.Session?.UserName ?? catalog.SuperuserName,
        _ => null,
    };

    /// <summary>A role named in a statement, by OID (42704 when none has the name).</summary>
    public static long ResolveRole(string name, CatalogSnapshot catalog)
    {
        string resolved = SpecialName(name, catalog) ?? name;
        return catalog.RoleOid(resolved) ?? throw new SqlException(SqlState.UndefinedObject, $"role \"{resolved}\" does not exist");
    }

    private static void CheckCanManageRoles(RoleIdentity identity, CatalogSnapshot catalog, string action, RoleDescriptor? target = null)
    {
        if (identity.IsSuperuser) return;
        if (target is { Superuser: true }) throw new SqlException(SqlState.InsufficientPrivilege, $"must be superuser to {action} superusers");
        RoleDescriptor? self = catalog.Roles.FirstOrDefault(role => role.Oid == identity.Oid);
        if (self is { CreateRole: true }) return;
        throw new SqlException(SqlState.InsufficientPrivilege, $"permission denied to {action} role");
    }

    /// <summary>Who may GRANT or REVOKE membership in a role: a superuser, a role with CREATEROLE (not for superusers),
    /// or a member WITH ADMIN OPTION.</summary>
    private static void CheckCanGrantRole(CatalogSnapshot catalog, long roleOid, string roleName)
    {
        RoleIdentity identity = catalog.Identity;
        if (identity.IsSuperuser) return;
        RoleDescriptor? target = catalog.Roles.FirstOrDefault(role => role.Oid == roleOid);
        RoleDescriptor? self = catalog.Roles.FirstOrDefault(role => role.Oid == identity.Oid);
        if (self is { CreateRole: true } && target is { Superuser: false }) return;
        if (catalog.RoleMemberships.Any(membership => membership.RoleOid == roleOid && membership.MemberOid == identity.Oid && membership.AdminOption)) return;
        throw new SqlException(SqlState.InsufficientPrivilege, $"must have admin option on role \"{roleName}\"");
    }

    private static RoleDescriptor Apply(RoleDescriptor role, IReadOnlyList<RoleOption> options, RoleIdentity identity, bool creating, Types.DateTimeSettings settings)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (RoleOption option in options)
        {
            if (!seen.Add(option.Name))
            {
                throw new SqlException(SqlState.SyntaxError, "conflicting or redundant options", option.Location + 1);
            }
            role = option.Name switch
            {
                "superuser" => (bool)option.Value! && !identity.IsSuperuser
                    ? throw new SqlException(SqlState.InsufficientPrivilege, creating ? "must be superuser to create superusers" : "must be superuser to alter superuser roles or change superuser attribute")
                    : role with { Superuser = (bool)option.Value! },
                "createdb" => role with { CreateDatabase = (bool)option.Value! },
                "createrole" => role with { CreateRole = (bool)option.Value! },
                "inherit" => role with { Inherit = (bool)option.Value! },
                "canlogin" => role with { CanLogin = (bool)option.Value! },
                "isreplication" => role with { Replication = (bool)option.Value! },
                "bypassrls" => role with { BypassRowLevelSecurity = (bool)option.Value! },
                "connectionlimit" => (int)option.Value! < -1
                    ? throw new SqlException(SqlState.InvalidParameterValue, $"invalid connection limit: {(int)option.Value!}")
                    : role with { ConnectionLimit = (int)option.Value! },
                "validUntil" => role with { ValidUntilUtc = ParseValidUntil((string)option.Value!, settings) },
                _ => role,
            };
        }
        return role;
    }

    /// <summary>VALID UNTIL's timestamp, read in the session's TimeZone as timestamptz input reads it.</summary>
    private static DateTime? ParseValidUntil(string text, Types.DateTimeSettings settings)
    {
        if (text.Equals("infinity", StringComparison.OrdinalIgnoreCase)) return DateTime.MaxValue;
        object value = Types.ValueInput.Parse(text, Types.SqlType.TimestampTz, settings);
        return value is DateTime utc ? DateTime.SpecifyKind(utc, DateTimeKind.Utc) : null;
    }

    /// <summary>What keeps a role from being dropped, in PostgreSQL's words: the objects it owns and the privileges it
    /// holds or granted.</summary>
    private static List<string> Dependents(long roleOid, string roleName, CatalogSnapshot catalog)
    {
        var owned = new List<(long Oid, string Text)>();
        var privileges = new List<(long Oid, string Text)>();
        foreach ((long oid, string kind, string name, long ownerOid, IReadOnlyList<string> columns) in Relations(catalog))
        {
            if (ownerOid == roleOid) owned.Add((oid, $"owner of {kind} {name}"));
            ObjectPrivileges acl = catalog.PrivilegesOf(oid);
            if (acl.Items?.Any(item => item.GranteeOid == roleOid || item.GrantorOid == roleOid) == true) privileges.Add((oid, $"privileges for {kind} {name}"));
            foreach ((int column, IReadOnlyList<AccessControlItem> items) in acl.Columns.OrderBy(column => column.Key))
            {
                if (!items.Any(item => item.GranteeOid == roleOid || item.GrantorOid == roleOid)) continue;
                string columnName = column - 1 < columns.Count && column >= 1 ? columns[column - 1] : column.ToString(CultureInfo.InvariantCulture);
                privileges.Add((oid, $"privileges for column {columnName} of {kind} {name}"));
            }
        }
        foreach (SchemaDescriptor schema in catalog.Schemas)
        {
            if (schema.Owner == roleName) owned.Add((ObjectIds.Relation(schema.Id), $"owner of schema {schema.Name}"));
            if (catalog.PrivilegesOf(ObjectIds.Relation(schema.Id)).Items?.Any(item => item.GranteeOid == roleOid || item.GrantorOid == roleOid) == true)
            {
                privileges.Add((ObjectIds.Relation(schema.Id), $"privileges for schema {schema.Name}"));
            }
        }
        if (catalog.PrivilegesOf(ObjectIds.PublicNamespace).Items?.Any(item => item.GranteeOid == roleOid || item.GrantorOid == roleOid) == true)
        {
            privileges.Add((ObjectIds.PublicNamespace, "privileges for schema public"));
        }
        foreach (DefaultPrivileges entry in catalog.DefaultPrivileges)
        {
            string objects = entry.ObjectType switch { 'r' => "relations", 'S' => "sequences", 'n' => "schemas", 'T' => "types", _ => "functions" };
            string owner = catalog.RoleName(entry.RoleOid) ?? "";
            string schema = entry.NamespaceOid == 0 ? ""
                : " in schema " + (entry.NamespaceOid == ObjectIds.PublicNamespace ? SqlCatalog.DefaultSchema
                    : catalog.Schemas.FirstOrDefault(stored => ObjectIds.Relation(stored.Id) == entry.NamespaceOid)?.Name);
            string described = $"default privileges on new {objects} belonging to role {owner}{schema}";
            if (entry.RoleOid == roleOid) owned.Add((entry.Oid, "owner of " + described));
            else if (entry.Items.Any(item => item.GranteeOid == roleOid)) privileges.Add((entry.Oid, "privileges for " + described));
        }
        // In the order the objects were made (their OIDs come from one counter), as PostgreSQL lists its dependencies.
        return [.. owned.OrderBy(entry => entry.Oid).Select(entry => entry.Text), .. privileges.OrderBy(entry => entry.Oid).Select(entry => entry.Text)];
    }

    /// <summary>Every user relation: OID, kind word, name as PostgreSQL's object descriptions print it, owner, and column
    /// names by attribute number.</summary>
    internal static IEnumerable<(long Oid, string Kind, string Name, long OwnerOid, IReadOnlyList<string> Columns)> Relations(CatalogSnapshot catalog)
    {
        foreach (TableDescriptor table in catalog.Tables)
        {
            var columns = new string[table.Columns.Count == 0 ? 0 : table.Columns.Max(column => column.Id)];
            foreach (ColumnDescriptor column in table.Columns) columns[column.Id - 1] = column.Name;
            yield return (ObjectIds.Relation(table.Id), "table", DescribedName(table.Name), table.OwnerOid, columns);
        }
        foreach (ViewDescriptor view in catalog.Views)
        {
            long oid = ObjectIds.Relation(view.Id);
            yield return (oid, "view", DescribedName(view.Name), catalog.PrivilegesOf(oid).OwnerOid, view.ColumnNames);
        }
        foreach (SequenceDescriptor sequence in catalog.Sequences)
        {
            long oid = ObjectIds.Relation(sequence.Id);
            long owner = sequence.OwnedByTable is { } table ? catalog.FindTableByCatalogName(table)?.OwnerOid ?? 0 : catalog.PrivilegesOf(oid).OwnerOid;
            yield return (oid, "sequence", DescribedName(sequence.Name), owner, []);
        }
    }

    /// <summary>A relation's name as getObjectDescription prints it: bare in public, else qualified.</summary>
    private static string DescribedName(string catalogName) =>
        RelationNames.SchemaOf(catalogName) == SqlCatalog.DefaultSchema ? RelationNames.NameOf(catalogName) : $"{RelationNames.SchemaOf(catalogName)}.{RelationNames.NameOf(catalogName)}";
}
