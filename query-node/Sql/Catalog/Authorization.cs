using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Executor;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>Who a statement runs as: the current role (SET ROLE's, else the session user), whether it is a superuser,
/// and every role whose privileges it uses (itself, PUBLIC's are added by the checks, and the roles it is a member of
/// through INHERIT memberships). A session user that is no stored role is admin, the bootstrap superuser, under the name
/// the client gave (which keeps local password-less development as it was).</summary>
internal sealed record RoleIdentity(long Oid, string Name, bool IsSuperuser, IReadOnlySet<long> Roles)
{
    public static readonly RoleIdentity Superuser = new(ObjectIds.SuperuserRole, Authorization.AdminRoleName, true, new HashSet<long> { ObjectIds.SuperuserRole });
}

/// <summary>
/// Privilege checks, PostgreSQL's way: the owner of an object holds every privilege on it, others what its ACL (or the
/// default ACL) grants them or PUBLIC; superusers pass every check. A statement that needs a privilege it does not hold
/// fails with 42501 and PostgreSQL's words ("permission denied for table t", "must be owner of table t") before it
/// changes anything.
/// </summary>
internal static class Authorization
{
    /// <summary>DSQL's built-in role: the bootstrap superuser (OID 10), never stored, never altered or dropped.</summary>
    public const string AdminRoleName = "admin";

    /// <summary>The name the bootstrap superuser shows under: the session user's when that is no stored role (so a
    /// local "postgres" session sees itself as PostgreSQL's would), else admin.</summary>
    public static string SuperuserName(ISessionEnvironment? session, IReadOnlyList<RoleDescriptor> roles)
    {
        string user = session?.LoginUserName ?? "postgres";
        return roles.Any(role => role.Name == user) ? AdminRoleName : user;
    }

    /// <summary>Names that always mean the bootstrap superuser.</summary>
    public static bool IsSuperuserAlias(string name) => name is AdminRoleName or "postgres";

    /// <summary>The current role named in a session: SET ROLE's, or the session user.</summary>
    public static string CurrentRoleName(ISessionEnvironment? session)
    {
        string? role = session?.GetSetting("role");
        return role is null or "" or "none" ? session?.UserName ?? "postgres" : role;
    }

    /// <summary>Reads who the statement runs as (a point read of the role, then its memberships for a stored role). A
    /// SET ROLE to a role the session user is not a member of (and is not a superuser) is 42501, as PostgreSQL refuses it.</summary>
    public static async ValueTask<RoleIdentity> ResolveAsync(ITransactionStore store, ISessionEnvironment? session, CancellationToken cancellationToken)
    {
        if (session is null) return RoleIdentity.Superuser;
        if (session.UserName != session.LoginUserName) await CheckSessionAuthorizationAsync(store, session, cancellationToken);
        string name = CurrentRoleName(session);
        if (name != session.UserName)
        {
            RoleIdentity user = await ResolveRoleAsync(store, session.UserName, session, cancellationToken);
            if (!user.IsSuperuser)
            {
                long target = IsSuperuserAlias(name) ? ObjectIds.SuperuserRole
                    : (await SqlCatalog.GetRoleAsync(store, name, cancellationToken))?.Oid
                    ?? throw new SqlException(SqlState.InvalidParameterValue, $"role \"{name}\" does not exist");
                List<RoleMembership> memberships = await SqlCatalog.GetRoleMembershipsAsync(store, cancellationToken);
                if (!MemberOf(user.Oid, memberships, new Dictionary<long, bool>()).Contains(target))
                {
                    throw new SqlException(SqlState.InsufficientPrivilege, $"permission denied to set role \"{name}\"");
                }
            }
        }
        return await ResolveRoleAsync(store, name, session, cancellationToken);
    }

    /// <summary>SET SESSION AUTHORIZATION to a user other than the login's: only a superuser login may (42501), and only
    /// to a role that exists (22023), as PostgreSQL checks it; here at the statement after the SET.</summary>
    private static async ValueTask CheckSessionAuthorizationAsync(ITransactionStore store, ISessionEnvironment session, CancellationToken cancellationToken)
    {
        string login = session.LoginUserName;
        bool loginIsSuperuser = IsSuperuserAlias(login) || (await SqlCatalog.GetRoleAsync(store, login, cancellationToken) is not { } stored || stored.Superuser);
        if (!loginIsSuperuser) throw new SqlException(SqlState.InsufficientPrivilege, "permission denied to set session authorization");
        string user = session.UserName;
        if (!IsSuperuserAlias(user) && await SqlCatalog.GetRoleAsync(store, user, cancellationToken) is null)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"role \"{user}\" does not exist");
        }
    }

    private static async ValueTask<RoleIdentity> ResolveRoleAsync(ITransactionStore store, string name, ISessionEnvironment session, CancellationToken cancellationToken)
    {
        if (IsSuperuserAlias(name)) return RoleIdentity.Superuser;
        RoleDescriptor? role = await SqlCatalog.GetRoleAsync(store, name, cancellationToken);
        if (role is null)
        {
            // A login user that is no stored role is admin (checked again at each transaction's start).
            if (name == session.LoginUserName) return RoleIdentity.Superuser;
            // SET ROLE to a role dropped since (or never made): PostgreSQL refuses the SET; here the next statement.
            throw new SqlException(SqlState.InvalidParameterValue, $"role \"{name}\" does not exist");
        }
        if (role.Superuser) return new RoleIdentity(role.Oid, role.Name, true, new HashSet<long> { role.Oid });
        List<RoleMembership> memberships = await SqlCatalog.GetRoleMembershipsAsync(store, cancellationToken);
        if (!role.Inherit || memberships.Count == 0) return new RoleIdentity(role.Oid, role.Name, false, new HashSet<long> { role.Oid });
        Dictionary<long, bool> inherits = (await SqlCatalog.GetRolesAsync(store, cancellationToken)).ToDictionary(stored => stored.Oid, stored => stored.Inherit);
        return new RoleIdentity(role.Oid, role.Name, false, MemberOf(role.Oid, memberships, inherits));
    }

    /// <summary>The role and every role it inherits privileges from: those it is a member of, followed while the member
    /// inherits (PostgreSQL's roles_is_member_of with ROLERECURSE_PRIVS).</summary>
    public static HashSet<long> MemberOf(long roleOid, IReadOnlyList<RoleMembership> memberships, IReadOnlyDictionary<long, bool> inherits)
    {
        var roles = new HashSet<long> { roleOid };
        var pending = new Stack<long>();
        pending.Push(roleOid);
        while (pending.TryPop(out long member))
        {
            if (member != roleOid && !inherits.GetValueOrDefault(member, true)) continue;
            foreach (RoleMembership membership in memberships)
            {
                if (membership.MemberOid == member && roles.Add(membership.RoleOid)) pending.Push(membership.RoleOid);
            }
        }
        return roles;
    }

    /// <summary>Whether <paramref name="identity"/> owns an object owned by <paramref name="ownerOid"/> (0: admin).</summary>
    public static bool Owns(RoleIdentity identity, long ownerOid) => identity.IsSuperuser || identity.Roles.Contains(RoleNames.Shown(ownerOid));

    /// <summary>The privileges of <paramref name="all"/> that the identity holds on an object.</summary>
    public static Privileges Held(RoleIdentity identity, long ownerOid, ObjectPrivileges privileges, Privileges all)
    {
        if (Owns(identity, ownerOid)) return all;
        return ObjectPrivileges.HeldBy(privileges.EffectiveItems(RoleNames.Shown(ownerOid), all), identity.Roles) & all;
    }

    /// <summary>The privileges the identity holds on a schema: all of them as its owner (or a member of the owning role),
    /// else what its ACL grants, or by default PUBLIC's USAGE on public and nothing on other schemas, as initdb and
    /// CREATE SCHEMA leave them. A schema that does not exist (or a system schema) passes: the statement reports it.</summary>
    public static async ValueTask<Privileges> SchemaPrivilegesHeldAsync(string schema, RoleIdentity identity, ITransactionStore store, CancellationToken cancellationToken)
    {
        if (identity.IsSuperuser) return ObjectPrivileges.SchemaAll;
        long oid;
        long owner;
        if (schema == SqlCatalog.DefaultSchema)
        {
            (oid, owner) = (ObjectIds.PublicNamespace, ObjectIds.DatabaseOwnerRole);
        }
        else if (await SqlCatalog.GetSchemaAsync(store, schema, cancellationToken) is { } stored)
        {
            if (stored.Owner == identity.Name) return ObjectPrivileges.SchemaAll;
            owner = (await SqlCatalog.GetRoleAsync(store, stored.Owner, cancellationToken))?.Oid ?? RoleNames.OidOf(stored.Owner);
            if (Authorization.Owns(identity, owner)) return ObjectPrivileges.SchemaAll;
            oid = ObjectIds.Relation(stored.Id);
        }
        else
        {
            return ObjectPrivileges.SchemaAll;
        }
        ObjectPrivileges privileges = await SqlCatalog.GetPrivilegesAsync(store, oid, cancellationToken);
        IReadOnlyList<AccessControlItem> items = privileges.Items ?? (oid == ObjectIds.PublicNamespace
            ? [new AccessControlItem(owner, owner, ObjectPrivileges.SchemaAll, Privileges.None), new AccessControlItem(0, owner, Privileges.Usage, Privileges.None)]
            : [new AccessControlItem(owner, owner, ObjectPrivileges.SchemaAll, Privileges.None)]);
        return ObjectPrivileges.HeldBy(items, identity.Roles);
    }

    /// <summary>42501 "permission denied for {kind} {name}".</summary>
    public static SqlException PermissionDenied(string kind, string name) => new(SqlState.InsufficientPrivilege, $"permission denied for {kind} {name}");

    /// <summary>42501 "must be owner of {kind} {name}".</summary>
    public static SqlException MustBeOwner(string kind, string name) => new(SqlState.InsufficientPrivilege, $"must be owner of {kind} {name}");
}
