using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Executor;

namespace Log.QueryNode.Sql.Functions;

/// <summary>What has_table_privilege, has_any_column_privilege, has_column_privilege, has_sequence_privilege and
/// has_schema_privilege answer once their arguments are checked: whether the role (the current one when none is given)
/// holds any of the privileges named, as the owner, a superuser, through its ACL or PUBLIC's, or through a role it
/// inherits from. pg_catalog's relations grant SELECT to PUBLIC (pg_authid excepted), as initdb's do.</summary>
internal static partial class BuiltinFunctions
{
    /// <summary>PostgreSQL's FirstNormalObjectId: OIDs below it are the built-in catalogs', at or above it the user's.</summary>
    private const long FirstNormalObjectId = 16384;

    private static bool? Holds(string function, object? role, object target, string privilegeText, EvaluationContext context)
    {
        if (function is not ("has_table_privilege" or "has_any_column_privilege" or "has_sequence_privilege" or "has_schema_privilege")) return null;
        CatalogSnapshot catalog = CatalogOf(context);
        if (IdentityOf(role, catalog) is not { } identity) return null;
        if (identity.IsSuperuser) return true;
        Privileges requested = RequestedPrivileges(privilegeText);
        if (function == "has_schema_privilege")
        {
            GrantExecutor.GrantTarget schema = target is string schemaName
                ? GrantExecutor.SchemaTarget(schemaName, catalog)
                : catalog.Schemas.FirstOrDefault(candidate => ObjectIds.Relation(candidate.Id) == (long)target) is { } found
                    ? GrantExecutor.SchemaTarget(found.Name, catalog)
                    : (long)target is ObjectIds.PublicNamespace ? GrantExecutor.SchemaTarget(SqlCatalog.DefaultSchema, catalog)
                    : GrantExecutor.SchemaTarget(SqlCatalog.CatalogSchema, catalog);
            if (Authorization.Owns(identity, schema.OwnerOid)) return true;
            return (ObjectPrivileges.HeldBy(GrantExecutor.ItemsOf(schema, catalog.PrivilegesOf(schema.Oid)), identity.Roles) & requested) != 0;
        }
        long? oid = target is long given ? given : RelationOidOf((string)target, context);
        if (oid is not long relationOid) return null;
        if (relationOid < FirstNormalObjectId)
        {
            return (requested & Privileges.Select) != 0 && catalog.RelationName(relationOid) is not "pg_authid";
        }
        Privileges all = function == "has_sequence_privilege" ? ObjectPrivileges.SequenceAll : ObjectPrivileges.TableAll;
        ObjectPrivileges privileges = catalog.PrivilegesOf(relationOid);
        if ((Authorization.Held(identity, catalog.OwnerOfRelation(relationOid), privileges, all) & requested) != 0) return true;
        return function == "has_any_column_privilege"
            && privileges.Columns.Values.Any(items => (ObjectPrivileges.HeldBy(items, identity.Roles) & requested) != 0);
    }

    /// <summary>has_column_privilege: the table's privilege, or the column's own.</summary>
    private static bool? HoldsOnColumn(object? role, long tableOid, int columnNumber, string privilegeText, EvaluationContext context)
    {
        CatalogSnapshot catalog = CatalogOf(context);
        if (IdentityOf(role, catalog) is not { } identity) return null;
        if (identity.IsSuperuser) return true;
        Privileges requested = RequestedPrivileges(privilegeText);
        if (tableOid < FirstNormalObjectId) return (requested & Privileges.Select) != 0;
        ObjectPrivileges privileges = catalog.PrivilegesOf(tableOid);
        if ((Authorization.Held(identity, catalog.OwnerOfRelation(tableOid), privileges, ObjectPrivileges.TableAll) & requested) != 0) return true;
        return privileges.Columns.TryGetValue(columnNumber, out IReadOnlyList<AccessControlItem>? items) && (ObjectPrivileges.HeldBy(items, identity.Roles) & requested) != 0;
    }

    private static RoleIdentity? IdentityOf(object? role, CatalogSnapshot catalog) => role switch
    {
        null => catalog.Identity,
        string name => catalog.RoleOid(name) is long oid ? catalog.IdentityOf(oid) : null,
        long oid => catalog.RoleName(oid) is null ? null : catalog.IdentityOf(oid),
        _ => null,
    };

    private static Privileges RequestedPrivileges(string text)
    {
        Privileges requested = Privileges.None;
        foreach (string part in text.Split(','))
        {
            string word = string.Join(' ', part.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToUpperInvariant();
            foreach (string suffix in new[] { " WITH GRANT OPTION", " WITH ADMIN OPTION" })
            {
                if (word.EndsWith(suffix, StringComparison.Ordinal)) word = word[..^suffix.Length];
            }
            requested |= ObjectPrivileges.Parse(word);
        }
        return requested;
    }

    private static long? RelationOidOf(string name, EvaluationContext context)
    {
        (string? schema, string relation) = QualifiedNames.Parse(name.Trim(), null);
        return CatalogOf(context).FindRelationOid(schema, relation);
    }
}
