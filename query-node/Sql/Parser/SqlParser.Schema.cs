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
        if (TryKeyword("authorization")) ExpectColumnIdentifier();
        if (IsKeyword("create") || IsKeyword("grant")) throw NotSupported("schema elements in CREATE SCHEMA", Current.Position);
        return new CreateSchemaStmt(name, ifNotExists, location);
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
}
