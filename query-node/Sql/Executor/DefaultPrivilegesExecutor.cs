using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// ALTER DEFAULT PRIVILEGES [FOR ROLE r, ...] [IN SCHEMA s, ...] GRANT|REVOKE ... ON TABLES|SEQUENCES|FUNCTIONS|TYPES|SCHEMAS, as
/// PostgreSQL's SetDefaultACLsInSchemas does: an entry for all schemas starts from the built-in default (owner holds
/// everything) and is removed when changed back to it; an entry for one schema starts empty, only adds to the global one
/// and is removed when empty. The grantor is the role whose objects get them. Changing another role's defaults needs
/// membership in it (42501 "must be member of role r"). Objects created afterwards start with them
/// (<see cref="DefaultPrivileges.ForNewObject"/>).
/// </summary>
internal static class DefaultPrivilegesExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(AlterDefaultPrivilegesStmt statement, ITransactionStore store, CatalogSnapshot catalog,
        CancellationToken cancellationToken)
    {
        GrantStmt action = statement.Action;
        char objectType = action.Target switch
        {
            PrivilegeTarget.Table => 'r',
            PrivilegeTarget.Sequence => 'S',
            PrivilegeTarget.Schema => 'n',
            PrivilegeTarget.Function => 'f',
            PrivilegeTarget.Type => 'T',
            _ => throw new InvalidOperationException($"ALTER DEFAULT PRIVILEGES on {action.Target}"),
        };
        string kind = objectType switch { 'r' => "table", 'S' => "sequence", 'n' => "schema", 'T' => "type", _ => "function" };
        if (objectType == 'n' && statement.Schemas.Count > 0)
        {
            throw new SqlException(GrantExecutor.InvalidGrantOperation, "cannot use IN SCHEMA clause when using GRANT/REVOKE ON SCHEMAS");
        }
        Privileges all = DefaultPrivileges.AllOf(objectType);
        Privileges privileges = Privileges.None;
        foreach (AccessPrivilege privilege in action.Privileges)
        {
            privileges |= privilege.Name is null ? all : GrantExecutor.WordToPrivilege(privilege, all, kind, forColumns: false);
        }
        var roles = new List<long>();
        foreach (string name in statement.Roles.Count == 0 ? ["current_user"] : statement.Roles)
        {
            long role = RoleExecutor.ResolveRole(name, catalog);
            if (!catalog.Identity.IsSuperuser && !catalog.Identity.Roles.Contains(role))
            {
                throw new SqlException(SqlState.InsufficientPrivilege, $"must be member of role \"{catalog.RoleName(role)}\"");
            }
            roles.Add(role);
        }
        var namespaces = statement.Schemas.Count == 0 ? [0L] : statement.Schemas.Select(schema => GrantExecutor.SchemaTarget(schema, catalog).Oid).ToList();
        var grantees = action.Grantees.Select(grantee => grantee == "public" ? 0L : RoleExecutor.ResolveRole(grantee, catalog)).ToList();
        foreach (long role in roles)
        {
            foreach (long namespaceOid in namespaces)
            {
                DefaultPrivileges? existing = catalog.DefaultPrivileges.FirstOrDefault(entry =>
                    entry.RoleOid == role && entry.NamespaceOid == namespaceOid && entry.ObjectType == objectType);
                IReadOnlyList<AccessControlItem> builtIn = DefaultPrivileges.BuiltIn(objectType, role);
                List<AccessControlItem> items = [.. existing?.Items ?? (namespaceOid == 0 ? builtIn : [])];
                foreach (long grantee in grantees)
                {
                    items = ObjectPrivileges.Change(items, grantee, role, privileges, action.GrantOption, !action.IsGrant);
                }
                bool isDefault = namespaceOid == 0 ? DefaultPrivileges.SameItems(items, builtIn) : items.Count == 0;
                if (isDefault)
                {
                    if (existing is not null) SqlCatalog.DeleteDefaultPrivileges(store, existing);
                    continue;
                }
                long oid = existing?.Oid ?? ObjectIds.Relation(await SqlCatalog.AllocateTableIdAsync(store, cancellationToken));
                SqlCatalog.WriteDefaultPrivileges(store, new DefaultPrivileges(oid, role, namespaceOid, objectType, DefaultPrivileges.Sorted(items)));
            }
        }
        return new StatementResult(null, null, "ALTER DEFAULT PRIVILEGES");
    }
}
