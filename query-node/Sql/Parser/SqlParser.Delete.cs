using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    private DeleteStmt ParseDelete()
    {
        int location = ExpectKeyword("delete").Position;
        ExpectKeyword("from");
        TryKeyword("only");
        RangeVar relation = ParseRangeVar(allowAlias: true);
        List<FromItem> usingClause = TryKeyword("using") ? ParseFromList() : [];
        Expression? where = null;
        if (TryKeyword("where"))
        {
            if (IsKeyword("current")) throw NotSupported("WHERE CURRENT OF", Current.Position);
            where = ParseExpression();
        }
        return new DeleteStmt(relation, where, ParseOptionalReturning(), location) { UsingClause = usingClause };
    }
}
