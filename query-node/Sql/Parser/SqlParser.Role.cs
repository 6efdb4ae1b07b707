using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

/// <summary>CREATE/ALTER/DROP ROLE, GRANT and REVOKE (of roles and of privileges), ALTER DEFAULT PRIVILEGES and DSQL's
/// AWS IAM GRANT/REVOKE, with PostgreSQL's grammar (gram.y's CreateRoleStmt, GrantStmt, GrantRoleStmt).</summary>
internal sealed partial class SqlParser
{
    /// <summary>After CREATE: ROLE, USER or GROUP, then the name and options.</summary>
    private CreateRoleStmt ParseCreateRole(int location, bool isUser)
    {
        string name = ParseRoleName();
        List<RoleOption> options = ParseRoleOptions(create: true);
        if (isUser) options.Insert(0, new RoleOption("canlogin", true, location));
        return new CreateRoleStmt(name, options, location);
    }

    private AlterRoleStmt ParseAlterRole(int location)
    {
        string name = ParseRoleSpecification();
        if (TryKeyword("rename"))
        {
            ExpectKeyword("to");
            return new AlterRoleStmt(name, [], ParseRoleName(), location);
        }
        if (IsKeyword("set") || IsKeyword("reset") || IsKeyword("in"))
        {
            throw NotSupported("ALTER ROLE ... " + Current.Text.ToUpperInvariant(), Current.Position);
        }
        return new AlterRoleStmt(name, ParseRoleOptions(create: false), null, location);
    }

    private DropRoleStmt ParseDropRole(int location)
    {
        bool missingOk = false;
        if (TryKeyword("if"))
        {
            ExpectKeyword("exists");
            missingOk = true;
        }
        var names = new List<string>();
        do names.Add(ParseRoleSpecification());
        while (TryOperator(","));
        return new DropRoleStmt(names, missingOk, location);
    }

    /// <summary>A role name a statement creates: PUBLIC and NONE are reserved words there (42939), as in gram.y.</summary>
    private string ParseRoleName()
    {
        Token token = Current;
        if (token.Kind == TokenKind.Identifier && token.Text is "public" or "none" or "current_user" or "session_user" or "current_role")
        {
            if (token.Text is "public" or "none") throw new SqlException(SqlState.ReservedName, $"role name \"{token.Text}\" is reserved", token.Position + 1);
            throw SyntaxError();
        }
        return ExpectColumnIdentifier().Name;
    }

    /// <summary>The role options that are a word and its NO-prefixed negation (SUPERUSER / NOSUPERUSER ...), with the
    /// option each sets and to what.</summary>
    private static readonly Dictionary<string, (string Option, bool Value)> RoleFlags = new[]
    {
        ("superuser", "superuser"), ("createdb", "createdb"), ("createrole", "createrole"), ("inherit", "inherit"),
        ("login", "canlogin"), ("replication", "isreplication"), ("bypassrls", "bypassrls"),
    }.SelectMany(flag => new[] { KeyValuePair.Create(flag.Item1, (flag.Item2, true)), KeyValuePair.Create("no" + flag.Item1, (flag.Item2, false)) })
        .ToDictionary();

    private List<RoleOption> ParseRoleOptions(bool create)
    {
        TryKeyword("with");
        var options = new List<RoleOption>();
        while (Current.Kind == TokenKind.Identifier)
        {
            Token token = Current;
            string word = token.Text;
            _index++;
            switch (word)
            {
                case var flag when RoleFlags.TryGetValue(flag, out (string Option, bool Value) set):
                    options.Add(new RoleOption(set.Option, set.Value, token.Position));
                    break;
                case "connection":
                    ExpectKeyword("limit");
                    bool negative = TryOperator("-");
                    if (Current.Kind != TokenKind.Integer) throw SyntaxError();
                    int limit = int.Parse(Advance().Text, global::System.Globalization.CultureInfo.InvariantCulture);
                    options.Add(new RoleOption("connectionlimit", negative ? -limit : limit, token.Position));
                    break;
                case "valid":
                    ExpectKeyword("until");
                    if (Current.Kind != TokenKind.String) throw SyntaxError();
                    options.Add(new RoleOption("validUntil", Advance().Text, token.Position));
                    break;
                case "encrypted" or "unencrypted" or "password":
                    if (word != "password") ExpectKeyword("password");
                    if (TryKeyword("null"))
                    {
                        options.Add(new RoleOption("password", null, token.Position));
                        break;
                    }
                    // Roles log in with signed IAM tokens, as in Aurora DSQL: there is no password to keep.
                    throw NotSupported("PASSWORD", token.Position);
                case "sysid" when create:
                    if (Current.Kind != TokenKind.Integer) throw SyntaxError();
                    _index++;
                    break;
                case "in" when create:
                    if (!TryKeyword("role")) ExpectKeyword("group");
                    options.Add(new RoleOption("addroleto", ParseRoleList(), token.Position));
                    break;
                case "role" or "user" when create:
                    options.Add(new RoleOption("rolemembers", ParseRoleList(), token.Position));
                    break;
                case "admin" when create:
                    options.Add(new RoleOption("adminmembers", ParseRoleList(), token.Position));
                    break;
                default:
                    _index--;
                    throw new SqlException(SqlState.SyntaxError, $"unrecognized role option \"{word}\"", token.Position + 1);
            }
        }
        return options;
    }

    private List<string> ParseRoleList()
    {
        var roles = new List<string>();
        do roles.Add(ParseRoleSpecification());
        while (TryOperator(","));
        return roles;
    }

    /// <summary>GRANT or REVOKE: of privileges when the list is followed by ON, else of roles.</summary>
    private Statement ParseGrantOrRevoke()
    {
        Token start = Advance();
        bool isGrant = start.Text == "grant";
        bool option = false;
        if (!isGrant && (IsKeyword("grant") || IsKeyword("admin")) && Peek().IsKeyword("option") && Peek(2).IsKeyword("for"))
        {
            _index += 3;
            option = true;
        }
        int listStart = _index;
        while (Current.Kind != TokenKind.EndOfInput && !IsKeyword("on") && !IsKeyword("to") && !IsKeyword("from") && !Current.IsOperator(";")) _index++;
        bool isPrivileges = IsKeyword("on");
        _index = listStart;
        if (!isPrivileges)
        {
            List<string> roles = ParseRoleList();
            ExpectKeyword(isGrant ? "to" : "from");
            List<string> members = ParseRoleList();
            if (isGrant && TryKeyword("with"))
            {
                ExpectKeyword("admin");
                ExpectKeyword("option");
                option = true;
            }
            ParseGrantedBy();
            if (!isGrant && !TryKeyword("cascade")) TryKeyword("restrict");
            return new GrantRoleStmt(roles, members, isGrant, option, start.Position);
        }
        return ParseGrantPrivileges(start.Position, isGrant, option);
    }

    private GrantStmt ParseGrantPrivileges(int location, bool isGrant, bool grantOptionFor)
    {
        var privileges = new List<AccessPrivilege>();
        if (IsKeyword("all"))
        {
            Token all = Advance();
            TryKeyword("privileges");
            privileges.Add(new AccessPrivilege(null, Current.IsOperator("(") ? ParseColumnNameList().Select(column => column.Item1).ToList() : null, all.Position));
        }
        else
        {
            do
            {
                Token word = Current;
                if (word.Kind != TokenKind.Identifier) throw SyntaxError();
                _index++;
                string name = word.Text.ToUpperInvariant();
                if (name == "ALTER" && TryKeyword("system")) name = "ALTER SYSTEM";
                privileges.Add(new AccessPrivilege(name, Current.IsOperator("(") ? ParseColumnNameList().Select(column => column.Item1).ToList() : null, word.Position));
            }
            while (TryOperator(","));
        }
        ExpectKeyword("on");
        PrivilegeTarget target = PrivilegeTarget.Table;
        var relations = new List<RangeVar>();
        var schemas = new List<string>();
        if (TryKeyword("all"))
        {
            if (TryKeyword("sequences"))
            {
                target = PrivilegeTarget.AllSequencesInSchema;
            }
            else
            {
                ExpectKeyword("tables");
                target = PrivilegeTarget.AllTablesInSchema;
            }
            ExpectKeyword("in");
            ExpectKeyword("schema");
            do schemas.Add(ExpectColumnIdentifier().Name);
            while (TryOperator(","));
        }
        else if (TryKeyword("schema"))
        {
            target = PrivilegeTarget.Schema;
            do schemas.Add(ExpectColumnIdentifier().Name);
            while (TryOperator(","));
        }
        else
        {
            if (TryKeyword("sequence")) target = PrivilegeTarget.Sequence;
            else if (Current.Kind == TokenKind.Identifier && Current.Text is "database" or "domain" or "function" or "procedure" or "routine" or "language"
                or "large" or "foreign" or "tablespace" or "type" or "parameter" or "functions" or "procedures" or "routines")
            {
                throw NotSupported($"{(isGrant ? "GRANT" : "REVOKE")} ON {Current.Text.ToUpperInvariant()}", Current.Position);
            }
            else TryKeyword("table");
            do relations.Add(ParseRangeVar(allowAlias: false));
            while (TryOperator(","));
        }
        (List<string> grantees, bool grantOption, bool cascade, string? grantedBy) = ParseGrantees(isGrant, grantOptionFor, allowGrantedBy: true);
        return new GrantStmt(isGrant, privileges, target, relations, schemas, grantees, grantOption, cascade, location) { GrantedBy = grantedBy };
    }

    /// <summary>The end of a GRANT or REVOKE of privileges: TO/FROM the grantees, WITH GRANT OPTION (GRANT), GRANTED BY
    /// where the statement allows it (not in ALTER DEFAULT PRIVILEGES), and CASCADE/RESTRICT (REVOKE).</summary>
    private (List<string> Grantees, bool GrantOption, bool Cascade, string? GrantedBy) ParseGrantees(bool isGrant, bool grantOptionFor, bool allowGrantedBy)
    {
        ExpectKeyword(isGrant ? "to" : "from");
        var grantees = new List<string>();
        do
        {
            TryKeyword("group");
            grantees.Add(ParseRoleSpecification());
        }
        while (TryOperator(","));
        bool grantOption = grantOptionFor;
        if (isGrant && TryKeyword("with"))
        {
            ExpectKeyword("grant");
            ExpectKeyword("option");
            grantOption = true;
        }
        string? grantedBy = allowGrantedBy ? ParseGrantedBy() : null;
        bool cascade = !isGrant && TryKeyword("cascade");
        if (!isGrant && !cascade) TryKeyword("restrict");
        return (grantees, grantOption, cascade, grantedBy);
    }

    /// <summary>GRANTED BY role: the role a grant is made in the name of, or null when not written.</summary>
    private string? ParseGrantedBy()
    {
        if (!TryKeyword("granted")) return null;
        ExpectKeyword("by");
        return ParseRoleSpecification();
    }

    /// <summary>AWS IAM GRANT role TO 'principal' | AWS IAM REVOKE role FROM 'principal'.</summary>
    private IamGrantStmt ParseIamGrant()
    {
        int location = ExpectKeyword("aws").Position;
        ExpectKeyword("iam");
        bool isGrant = TryKeyword("grant");
        if (!isGrant) ExpectKeyword("revoke");
        string role = ParseRoleSpecification();
        ExpectKeyword(isGrant ? "to" : "from");
        if (Current.Kind != TokenKind.String) throw SyntaxError();
        return new IamGrantStmt(role, Advance().Text, isGrant, location);
    }

    /// <summary>ALTER DEFAULT PRIVILEGES [FOR ROLE|USER r, ...] [IN SCHEMA s, ...] GRANT|REVOKE ... ON TABLES|SEQUENCES|FUNCTIONS|ROUTINES|TYPES|SCHEMAS ...</summary>
    private AlterDefaultPrivilegesStmt ParseAlterDefaultPrivileges(int location)
    {
        var roles = new List<string>();
        var schemas = new List<string>();
        while (true)
        {
            if (TryKeyword("for"))
            {
                if (!TryKeyword("role")) ExpectKeyword("user");
                roles.AddRange(ParseRoleList());
            }
            else if (TryKeyword("in"))
            {
                ExpectKeyword("schema");
                do schemas.Add(ExpectColumnIdentifier().Name);
                while (TryOperator(","));
            }
            else break;
        }
        if (!IsKeyword("grant") && !IsKeyword("revoke")) throw SyntaxError();
        Token start = Advance();
        bool isGrant = start.Text == "grant";
        bool grantOptionFor = false;
        if (!isGrant && IsKeyword("grant") && Peek().IsKeyword("option"))
        {
            _index += 2;
            ExpectKeyword("for");
            grantOptionFor = true;
        }
        // The object kind replaces the object list: ON TABLES | SEQUENCES | SCHEMAS.
        int listStart = _index;
        while (Current.Kind != TokenKind.EndOfInput && !IsKeyword("on")) _index++;
        ExpectKeyword("on");
        PrivilegeTarget target = TryKeyword("tables") ? PrivilegeTarget.Table : TryKeyword("sequences") ? PrivilegeTarget.Sequence
            : TryKeyword("schemas") ? PrivilegeTarget.Schema
            : TryKeyword("functions") || TryKeyword("routines") ? PrivilegeTarget.Function
            : TryKeyword("types") ? PrivilegeTarget.Type
            : throw NotSupported("ALTER DEFAULT PRIVILEGES ON " + Current.Text.ToUpperInvariant(), Current.Position);
        int afterTarget = _index;
        _index = listStart;
        var privileges = new List<AccessPrivilege>();
        if (TryKeyword("all"))
        {
            TryKeyword("privileges");
            privileges.Add(new AccessPrivilege(null, null, start.Position));
        }
        else
        {
            do
            {
                Token word = Current;
                if (word.Kind != TokenKind.Identifier) throw SyntaxError();
                _index++;
                privileges.Add(new AccessPrivilege(word.Text.ToUpperInvariant(), null, word.Position));
            }
            while (TryOperator(","));
        }
        _index = afterTarget;
        (List<string> grantees, bool grantOption, bool cascade, _) = ParseGrantees(isGrant, grantOptionFor, allowGrantedBy: false);
        var action = new GrantStmt(isGrant, privileges, target, [], [], grantees, grantOption, cascade, start.Position);
        return new AlterDefaultPrivilegesStmt(roles, schemas, action, location);
    }
}
