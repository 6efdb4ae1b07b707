namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>One option of CREATE ROLE / ALTER ROLE (PostgreSQL's DefElem): its name ("superuser", "canlogin",
/// "connectionlimit", "validUntil", "addroleto", "rolemembers", "adminmembers" ...) and value.</summary>
public sealed record RoleOption(string Name, object? Value, int Location);

/// <summary>CREATE ROLE | USER | GROUP name [WITH] option ... (USER implies LOGIN).</summary>
public sealed record CreateRoleStmt(string Name, IReadOnlyList<RoleOption> Options, int Location) : Statement(Location);

/// <summary>ALTER ROLE | USER name [WITH] option ..., or RENAME TO new_name (NewName set).</summary>
public sealed record AlterRoleStmt(string Name, IReadOnlyList<RoleOption> Options, string? NewName, int Location) : Statement(Location);

/// <summary>DROP ROLE | USER | GROUP [IF EXISTS] name, ...</summary>
public sealed record DropRoleStmt(IReadOnlyList<string> Names, bool MissingOk, int Location) : Statement(Location);

/// <summary>GRANT role, ... TO role, ... [WITH ADMIN OPTION] and REVOKE [ADMIN OPTION FOR] role, ... FROM role, ...</summary>
public sealed record GrantRoleStmt(IReadOnlyList<string> Roles, IReadOnlyList<string> Members, bool IsGrant, bool AdminOption, int Location) : Statement(Location);

/// <summary>Aurora DSQL's AWS IAM GRANT role TO 'principal' and AWS IAM REVOKE role FROM 'principal'.</summary>
public sealed record IamGrantStmt(string Role, string Principal, bool IsGrant, int Location) : Statement(Location);

/// <summary>What a GRANT or REVOKE of privileges is on (PostgreSQL's ObjectType with ACL_TARGET_OBJECT / ALL_IN_SCHEMA).</summary>
public enum PrivilegeTarget
{
    Table,
    Sequence,
    Schema,
    AllTablesInSchema,
    AllSequencesInSchema,

    /// <summary>FUNCTIONS (or ROUTINES) in ALTER DEFAULT PRIVILEGES.</summary>
    Function,

    /// <summary>TYPES in ALTER DEFAULT PRIVILEGES.</summary>
    Type,
}

/// <summary>One privilege of a GRANT: its word (null for ALL [PRIVILEGES]) and the columns it is limited to.</summary>
public sealed record AccessPrivilege(string? Name, IReadOnlyList<string>? Columns, int Location);

/// <summary>GRANT privileges ON target TO grantees [WITH GRANT OPTION]; REVOKE [GRANT OPTION FOR] privileges ON target FROM
/// grantees [CASCADE | RESTRICT]. A grantee named "public" is PUBLIC. Relations are in <see cref="Relations"/>, schema
/// names in <see cref="Schemas"/>.</summary>
public sealed record GrantStmt(bool IsGrant, IReadOnlyList<AccessPrivilege> Privileges, PrivilegeTarget Target, IReadOnlyList<RangeVar> Relations,
    IReadOnlyList<string> Schemas, IReadOnlyList<string> Grantees, bool GrantOption, bool Cascade, int Location) : Statement(Location)
{
    /// <summary>GRANTED BY's role, or null when not written; PostgreSQL accepts only the current user.</summary>
    public string? GrantedBy { get; init; }
}

/// <summary>ALTER DEFAULT PRIVILEGES [FOR ROLE r] [IN SCHEMA s] GRANT|REVOKE ...: the grant applies to objects made later.</summary>
public sealed record AlterDefaultPrivilegesStmt(IReadOnlyList<string> Roles, IReadOnlyList<string> Schemas, GrantStmt Action, int Location) : Statement(Location);
