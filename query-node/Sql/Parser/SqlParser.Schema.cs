using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    private CreateSchemaStmt ParseCreateSchema(int location)
    {
        bool ifNotExists = false;
        if (TryKeyword("if"))
        {
            ExpectKeyword("not");
            ExpectKeyword("exists");
            ifNotExists = true;
        }
        if (IsKeyword("authorization")) throw NotSupported("CREATE SCHEMA AUTHORIZATION without a schema name", Current.Position);
        string name = ExpectColumnIdentifier().Name;
        string? owner = TryKeyword("authorization") ? ExpectColumnIdentifier().Name : null;
        if (IsKeyword("create") || IsKeyword("grant")) throw NotSupported("schema elements in CREATE SCHEMA", Current.Position);
        return new CreateSchemaStmt(name, ifNotExists, location) { Owner = owner };
    }

    private DropSchemaStmt ParseDropSchema(int location)
    {
        bool missingOk = false;
        if (TryKeyword("if"))
        {
            ExpectKeyword("exists");
            missingOk = true;
        }
        var names = new List<string>();
        do names.Add(ExpectColumnIdentifier().Name);
        while (TryOperator(","));
        bool cascade = TryKeyword("cascade");
        if (!cascade) TryKeyword("restrict");
        return new DropSchemaStmt(names, missingOk, cascade, location);
    }

    /// <summary>ALTER SCHEMA name RENAME TO new_name | OWNER TO role.</summary>
    private AlterSchemaStmt ParseAlterSchema(int location)
    {
        string name = ExpectColumnIdentifier().Name;
        if (TryKeyword("owner"))
        {
            ExpectKeyword("to");
            return new AlterSchemaStmt(name, null, ParseRoleSpecification(), location);
        }
        ExpectKeyword("rename");
        ExpectKeyword("to");
        return new AlterSchemaStmt(name, ExpectColumnIdentifier().Name, null, location);
    }
}
