using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Executor;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>The roles an OWNER TO may name: the login role (by its name, postgres, or CURRENT_USER and its kin), which
/// owns everything it creates, and PostgreSQL's predefined roles; any other is 42704, as PostgreSQL answers for a role
/// that does not exist.</summary>
internal static class RoleNames
{
    /// <summary>The role's OID (<see cref="ObjectIds.SuperuserRole"/> for the login role); the statement's catalog
    /// snapshot, once read, knows the stored roles.</summary>
    public static long Resolve(string role, string loginRole, StatementContext? statement)
    {
        if (statement?.CatalogSnapshot is { } catalog)
        {
            if (role is "current_user" or "current_role") return catalog.Identity.Oid;
            if (catalog.RoleOid(role == "session_user" ? loginRole : role) is long stored) return stored;
        }
        if (role == loginRole || role is "postgres" or "current_user" or "session_user" or "current_role") return ObjectIds.SuperuserRole;
        foreach ((long oid, string name) in SystemRelations.PredefinedRoles)
        {
            if (name == role) return oid;
        }
        throw new SqlException(SqlState.UndefinedObject, $"role \"{role}\" does not exist");
    }

    /// <summary>The OID of a stored owner name (a schema's), the login role's for any name that is not a predefined role.</summary>
    public static long OidOf(string owner)
    {
        foreach ((long oid, string name) in SystemRelations.PredefinedRoles)
        {
            if (name == owner) return oid;
        }
        return ObjectIds.SuperuserRole;
    }

    /// <summary>A stored owner OID as pg_class shows it (0 is the login role).</summary>
    public static long Shown(long ownerOid) => ownerOid == 0 ? ObjectIds.SuperuserRole : ownerOid;
}
