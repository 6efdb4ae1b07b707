namespace Log.QueryNode.Sql.Catalog;

/// <summary>A role made with CREATE ROLE (a pg_authid row). Its OID comes from the table id counter, so it is unique
/// among relations, schemas and roles and the same on every node. The built-in admin (the bootstrap superuser, OID 10)
/// is not stored: it cannot be altered or dropped.</summary>
public sealed record RoleDescriptor(long Oid, string Name)
{
    public bool Superuser { get; init; }
    public bool Inherit { get; init; } = true;
    public bool CreateRole { get; init; }
    public bool CreateDatabase { get; init; }
    public bool CanLogin { get; init; }
    public bool Replication { get; init; }
    public bool BypassRowLevelSecurity { get; init; }

    /// <summary>rolconnlimit: -1 for no limit.</summary>
    public int ConnectionLimit { get; init; } = -1;

    /// <summary>rolvaliduntil, in UTC; null for no end.</summary>
    public DateTime? ValidUntilUtc { get; init; }
}

/// <summary>GRANT role TO member (a pg_auth_members row).</summary>
public sealed record RoleMembership(long RoleOid, long MemberOid, long GrantorOid, bool AdminOption);

/// <summary>AWS IAM GRANT role TO 'principal' (a sys.iam_pg_role_mappings row).</summary>
public sealed record IamMapping(long IamOid, long RoleOid, string Principal, long GrantorOid);
