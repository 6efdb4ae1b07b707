using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    private InsertStmt ParseInsert()
    {
        int location = ExpectKeyword("insert").Position;
        ExpectKeyword("into");
        RangeVar relation = ParseRangeVar(allowAlias: false);
        if (TryKeyword("as")) relation = relation with { Alias = ExpectColumnIdentifier().Name };
        List<ResTarget>? columns = null;
        if (Current.IsOperator("(") && !IsParenthesizedQueryAhead())
        {
            _index++;
            columns = [];
            do
            {
                (string name, int columnLocation) = ExpectColumnIdentifier();
                if (Current.IsOperator(".") || Current.IsOperator("[")) throw NotSupported("assignment to a field or subscript", Current.Position);
                columns.Add(new ResTarget(new ColumnRef([name], false, columnLocation), name, columnLocation));
            }
            while (TryOperator(","));
            ExpectOperator(")");
        }
        OverridingKind overriding = OverridingKind.NotSet;
        if (TryKeyword("overriding"))
        {
            if (TryKeyword("system"))
            {
                overriding = OverridingKind.SystemValue;
            }
            else
            {
                ExpectKeyword("user");
                overriding = OverridingKind.UserValue;
            }
            ExpectKeyword("value");
        }
        IReadOnlyList<IReadOnlyList<Expression>> valuesLists = [];
        SelectStmt? select = null;
        if (TryKeyword("default"))
        {
            ExpectKeyword("values");
        }
        else
        {
            if (!StartsQuery(Current) && !Current.IsOperator("(")) throw SyntaxError();
            select = ParseSelectStatement();
            // A bare VALUES list stays the statement's own rows; with ORDER BY, LIMIT or WITH it is a query.
            if (select is { ValuesLists: { } rows, Op: SetOperation.None, SortClause.Count: 0, Limit: null, Offset: null, With: null, ForUpdate: false })
            {
                valuesLists = rows;
                select = null;
            }
        }
        OnConflictClause? onConflict = IsKeyword("on") ? ParseOnConflict() : null;
        List<ResTarget>? returning = ParseOptionalReturning();
        return new InsertStmt(relation, columns, valuesLists, select, returning, location) { OnConflict = onConflict, Override = overriding };
    }

    /// <summary>ON CONFLICT [(column, ...) [WHERE ...] | ON CONSTRAINT name] DO NOTHING | DO UPDATE SET ... [WHERE ...].</summary>
    private OnConflictClause ParseOnConflict()
    {
        Token on = ExpectKeyword("on");
        ExpectKeyword("conflict");
        List<(string Name, int Location)>? inferenceColumns = null;
        Expression? inferenceWhere = null;
        string? constraintName = null;
        if (TryOperator("("))
        {
            inferenceColumns = [];
            do
            {
                if (Current.IsOperator("(")) throw NotSupported("an expression in ON CONFLICT", Current.Position);
                inferenceColumns.Add(ExpectColumnIdentifier());
                if (!Current.IsOperator(",") && !Current.IsOperator(")")) throw NotSupported("an expression, collation or operator class in ON CONFLICT", Current.Position);
            }
            while (TryOperator(","));
            ExpectOperator(")");
            if (TryKeyword("where")) inferenceWhere = ParseExpression();
        }
        else if (TryKeyword("on"))
        {
            ExpectKeyword("constraint");
            constraintName = ExpectColumnIdentifier().Name;
        }
        ExpectKeyword("do");
        if (TryKeyword("nothing"))
        {
            return new OnConflictClause(OnConflictAction.DoNothing, inferenceColumns, inferenceWhere, constraintName, [], null, on.Position);
        }
        ExpectKeyword("update");
        ExpectKeyword("set");
        List<ResTarget> targets = ParseSetClauseList();
        Expression? where = TryKeyword("where") ? ParseExpression() : null;
        if (inferenceColumns is null && constraintName is null)
        {
            throw new SqlException(SqlState.SyntaxError, "ON CONFLICT DO UPDATE requires inference specification or constraint name", on.Position + 1,
                hint: "For example, ON CONFLICT (column_name).");
        }
        return new OnConflictClause(OnConflictAction.DoUpdate, inferenceColumns, inferenceWhere, constraintName, targets, where, on.Position);
    }
}
