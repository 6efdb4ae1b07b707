using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    private UpdateStmt ParseUpdate()
    {
        int location = ExpectKeyword("update").Position;
        TryKeyword("only");
        RangeVar relation = ParseRangeVar(allowAlias: true);
        ExpectKeyword("set");
        var targets = new List<ResTarget>();
        do
        {
            if (Current.IsOperator("(")) throw NotSupported("multiple-column assignment", Current.Position);
            (string name, int columnLocation) = ExpectColumnIdentifier();
            if (Current.IsOperator(".") || Current.IsOperator("[")) throw NotSupported("assignment to a field or subscript", Current.Position);
            ExpectOperator("=");
            Expression value = IsKeyword("default") ? new SetToDefault(Advance().Position) : ParseExpression();
            targets.Add(new ResTarget(value, name, columnLocation));
        }
        while (TryOperator(","));
        if (IsKeyword("from")) throw NotSupported("UPDATE ... FROM", Current.Position);
        Expression? where = null;
        if (TryKeyword("where"))
        {
            if (IsKeyword("current")) throw NotSupported("WHERE CURRENT OF", Current.Position);
            where = ParseExpression();
        }
        return new UpdateStmt(relation, targets, where, ParseOptionalReturning(), location);
    }
}
