using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
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
        List<ResTarget> targets = ParseSetClauseList();
        List<FromItem> from = TryKeyword("from") ? ParseFromList() : [];
        Expression? where = null;
        if (TryKeyword("where"))
        {
            if (IsKeyword("current")) throw NotSupported("WHERE CURRENT OF", Current.Position);
            where = ParseExpression();
        }
        return new UpdateStmt(relation, targets, where, ParseOptionalReturning(), location) { FromClause = from };
    }

    /// <summary>column = value, ... where (a, b) = (x, y) or = ROW(x, y) becomes one target per column, as PostgreSQL's
    /// parse analysis spreads a row source over the columns.</summary>
    private List<ResTarget> ParseSetClauseList()
    {
        var targets = new List<ResTarget>();
        do
        {
            if (Current.IsOperator("("))
            {
                _index++;
                var columns = new List<(string Name, int Location)>();
                do
                {
                    columns.Add(ExpectColumnIdentifier());
                    if (Current.IsOperator(".") || Current.IsOperator("[")) throw NotSupported("assignment to a field or subscript", Current.Position);
                }
                while (TryOperator(","));
                ExpectOperator(")");
                ExpectOperator("=");
                IReadOnlyList<Expression> values = ParseMultipleAssignmentSource(columns.Count);
                for (int index = 0; index < columns.Count; index++)
                {
                    targets.Add(new ResTarget(values[index], columns[index].Name, columns[index].Location));
                }
                continue;
            }
            (string name, int columnLocation) = ExpectColumnIdentifier();
            if (Current.IsOperator(".") || Current.IsOperator("[")) throw NotSupported("assignment to a field or subscript", Current.Position);
            ExpectOperator("=");
            Expression value = IsKeyword("default") ? new SetToDefault(Advance().Position) : ParseExpression();
            targets.Add(new ResTarget(value, name, columnLocation));
        }
        while (TryOperator(","));
        return targets;
    }

    /// <summary>The right side of SET (columns) = ...: (x, y) or ROW(x, y), whose items may be DEFAULT.</summary>
    private IReadOnlyList<Expression> ParseMultipleAssignmentSource(int columnCount)
    {
        Token start = Current;
        if (IsParenthesizedQueryAhead()) throw NotSupported("a multiple-column assignment from a subquery", start.Position);
        bool explicitRow = start.IsKeyword("row") && Peek().IsOperator("(");
        if (explicitRow) _index++;
        if (!Current.IsOperator("("))
        {
            throw new SqlException(SqlState.FeatureNotSupported, "source for a multiple-column UPDATE item must be a sub-SELECT or ROW() expression", start.Position + 1);
        }
        _index++;
        var values = new List<Expression>();
        do values.Add(IsKeyword("default") ? new SetToDefault(Advance().Position) : ParseExpression());
        while (TryOperator(","));
        ExpectOperator(")");
        if (values.Count == 1 && !explicitRow)
        {
            // (a) = (x) is a plain parenthesized expression, not a row.
            throw new SqlException(SqlState.FeatureNotSupported, "source for a multiple-column UPDATE item must be a sub-SELECT or ROW() expression", values[0].Location + 1);
        }
        if (values.Count != columnCount)
        {
            throw new SqlException(SqlState.SyntaxError, "number of columns does not match number of values", start.Position + 1);
        }
        return values;
    }
}
