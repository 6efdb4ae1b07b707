using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// Row constructors and row comparisons (PostgreSQL's parse_expr.c transformRowExpr, make_row_comparison_op and the
/// ROWCOMPARE sublink): ROW(a, b) and (a, b) are values of type record; (a, b) op (c, d) compares field by field, each
/// pair brought to a common type as a scalar comparison would be; a row against a subquery compares with the one row
/// it returns; (a, b) IN ((1, 2), ...) is an OR of row equalities. A table's name used as a value is its whole row.
/// </summary>
internal sealed partial class SqlBinder
{
    private static bool IsComparisonOperator(string op) => op is "=" or "<>" or "!=" or "<" or "<=" or ">" or ">=" or "IS DISTINCT FROM" or "IS NOT DISTINCT FROM";

    /// <summary>Whether a binary operator compares rows: a row constructor on the left, and a row constructor or a
    /// scalar subquery (then a row subquery) on the right (gram.y takes a subquery on the left as a scalar one).</summary>
    private static bool IsRowComparison(A_Expr expression) =>
        expression.Left is RowExpr && IsComparisonOperator(expression.Operator) && expression.Right is RowExpr or SubLink { Type: SubLinkType.Expr };

    /// <summary>ROW(a, b) or (a, b) as a value: untyped literals become text, as in a select list.</summary>
    private BoundExpression BindRowConstructor(RowExpr row)
    {
        var fields = new List<BoundExpression>(row.Arguments.Count);
        foreach (Expression argument in row.Arguments)
        {
            if (argument is FieldIndirection { Star: true } star)
            {
                // ROW((t).*) takes the fields one by one, as PostgreSQL expands * in a row constructor.
                fields.AddRange(ExpandFieldStar(star).Select(field => field.Field));
                continue;
            }
            BoundExpression field = Bind(argument);
            fields.Add(field.Type.Kind == TypeKind.Unknown ? CoerceUnknown(field, SqlType.Text, argument.Location) : field);
        }
        return new BoundRow(fields);
    }

    private BoundExpression BindRowComparison(A_Expr expression)
    {
        string op = expression.Operator == "!=" ? "<>" : expression.Operator;
        if (op is "IS DISTINCT FROM" or "IS NOT DISTINCT FROM")
        {
            if (expression.Left is not RowExpr || expression.Right is not RowExpr)
            {
                throw new SqlException(SqlState.FeatureNotSupported, "IS DISTINCT FROM over a row subquery is not supported", expression.Location + 1);
            }
            (BoundRow leftRow, BoundRow rightRow, _) = BindRowPairs("=", expression, (RowExpr)expression.Left, (RowExpr)expression.Right);
            return new BoundIsDistinct(leftRow, rightRow, op == "IS NOT DISTINCT FROM");
        }
        ComparisonOperator comparison = KnownComparisonOf(op);
        if (expression.Left is RowExpr left && expression.Right is RowExpr right)
        {
            (BoundRow leftRow, BoundRow rightRow, SqlType[] operandTypes) = BindRowPairs(op, expression, left, right);
            if (comparison is ComparisonOperator.Equal or ComparisonOperator.NotEqual)
            {
                // As make_row_comparison_op does: = is an AND of the pairs' equalities and <> an OR of their
                // inequalities, which the planner can read key ranges from.
                var pairs = new BoundExpression[leftRow.Fields.Count];
                for (int index = 0; index < pairs.Length; index++)
                {
                    pairs[index] = new BoundComparison(comparison, leftRow.Fields[index], rightRow.Fields[index], operandTypes[index]);
                }
                return pairs.Length == 1 ? pairs[0] : new BoundBoolean(comparison == ComparisonOperator.Equal ? BoolExprKind.And : BoolExprKind.Or, pairs);
            }
            return new BoundComparison(comparison, leftRow, rightRow, SqlType.Record);
        }
        // A row against a row subquery.
        (BoundRow rowValue, BoundSubquery subquery) = BindRowSubquery(op, (RowExpr)expression.Left!, (SubLink)expression.Right, SubLinkType.Expr);
        return new BoundComparison(comparison, rowValue, subquery, SqlType.Record);
    }

    /// <summary>Two row constructors compared field by field: each pair is resolved as a scalar comparison would be.</summary>
    private (BoundRow Left, BoundRow Right, SqlType[] OperandTypes) BindRowPairs(string op, A_Expr expression, RowExpr left, RowExpr right)
    {
        if (left.Arguments.Count != right.Arguments.Count)
        {
            throw new SqlException(SqlState.SyntaxError, "unequal number of entries in row expressions", expression.Location + 1);
        }
        var lefts = new BoundExpression[left.Arguments.Count];
        var rights = new BoundExpression[lefts.Length];
        var operandTypes = new SqlType[lefts.Length];
        for (int index = 0; index < lefts.Length; index++)
        {
            var pair = new A_Expr(op, left.Arguments[index], right.Arguments[index], expression.Location);
            (lefts[index], rights[index], operandTypes[index]) = ResolveComparisonOperands(op, pair, Bind(left.Arguments[index]), Bind(right.Arguments[index]));
        }
        return (new BoundRow(lefts), new BoundRow(rights), operandTypes);
    }

    /// <summary>A row compared with a subquery's rows (ROWCOMPARE, or ANY/ALL for IN): the subquery's columns, each brought
    /// to the type its pair compares at, become one record column; the row's fields likewise.</summary>
    private (BoundRow Row, BoundSubquery Subquery) BindRowSubquery(string op, RowExpr row, SubLink link, SubLinkType kind)
    {
        var levelScope = new BindScope(_scope);
        var child = new SqlBinder(_context, levelScope);
        BoundQuery query = child.BindQuery(link.Subselect);
        int id = _context.NextSubqueryId();
        IReadOnlyList<BoundExpression> arguments = levelScope.Captures.ToArray();
        if (query.Columns.Count != row.Arguments.Count)
        {
            throw new SqlException(SqlState.SyntaxError, query.Columns.Count > row.Arguments.Count ? "subquery has too many columns" : "subquery has too few columns",
                link.Location + 1);
        }
        var fields = new BoundExpression[row.Arguments.Count];
        var columns = new BoundExpression[fields.Length];
        for (int index = 0; index < fields.Length; index++)
        {
            BoundExpression column = new BoundColumn(index, query.Types[index], "subquery", link.Location);
            if (query.Types[index].Kind == TypeKind.Unknown) column = new BoundCast(column, SqlType.Text, ValueCast.Context.Explicit);
            var pair = new A_Expr(op, row.Arguments[index], row.Arguments[index], link.Location);
            (fields[index], columns[index], _) = ResolveComparisonOperands(op, pair, Bind(row.Arguments[index]), column);
        }
        LogicalPlan plan = new LogicalProject(query.Plan, [new BoundRow(columns)]);
        return (new BoundRow(fields), new BoundSubquery(id, kind, plan, arguments, null, null, SqlType.Record));
    }

    /// <summary>(a, b) [NOT] IN (subquery) and (a, b) op ANY/ALL (subquery): the test row against each record.</summary>
    private BoundExpression BindRowSubLink(SubLink link)
    {
        string op = link.OperatorName ?? "=";
        if (!IsComparisonOperator(op) || op.StartsWith("IS", StringComparison.Ordinal))
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"operator {op} over a row and a subquery is not supported", link.Location + 1);
        }
        var row = (RowExpr)link.TestExpression!;
        (BoundRow test, BoundSubquery subquery) = BindRowSubquery(op, row, link, link.Type);
        var comparison = new BoundComparison(KnownComparisonOf(op), new BoundColumn(0, SqlType.Record, "test", link.Location),
            new BoundColumn(1, SqlType.Record, "subquery", link.Location), SqlType.Record);
        return subquery with { Test = test, Comparison = comparison, Type = SqlType.Bool };
    }

    /// <summary>(a, b) [NOT] IN ((1, 2), (3, 4)): row equalities joined by OR (NOT IN negates it, as PostgreSQL does).</summary>
    private BoundExpression BindRowIn(InExpr inExpr)
    {
        var equalities = inExpr.List.Select(item => (Expression)new A_Expr("=", inExpr.Argument, item, inExpr.Location)).ToArray();
        Expression any = equalities.Length == 1 ? equalities[0] : new BoolExpr(BoolExprKind.Or, equalities, inExpr.Location);
        return Bind(inExpr.IsNot ? new BoolExpr(BoolExprKind.Not, [any], inExpr.Location) : any);
    }

    /// <summary>A FROM item's name used as a value (SELECT t FROM t, count(t.*)): its columns as one record, NULL when
    /// every field is NULL (an outer join's missing row; a stored row always has its primary key).</summary>
    private BoundExpression? BindWholeRow(string name)
    {
        ScopeItem? item = _scope.FindItem(name);
        if (item is null) return null;
        // A stored table's rows are of its row type, named after it; any other item's are anonymous records.
        string? typeName = item.Columns.Count > 0 && item.Columns[0].Table is { } table && item.Columns.All(column => column.Table == table) ? table.Name : null;
        var shape = new RecordShape(item.Columns.Select(column => column.Name).ToArray(), item.Columns.Select(column => column.Expression.Type).ToArray(),
            typeName, name);
        return new BoundRow(item.Columns.Select(column => column.Expression).ToArray()) { NullWhenAllNull = true, Shape = shape };
    }

    /// <summary>The comparison an operator name stands for, or null for another operator.</summary>
    private static ComparisonOperator? ComparisonOf(string op) => op switch
    {
        "=" => ComparisonOperator.Equal,
        "<>" or "!=" => ComparisonOperator.NotEqual,
        "<" => ComparisonOperator.Less,
        "<=" => ComparisonOperator.LessOrEqual,
        ">" => ComparisonOperator.Greater,
        ">=" => ComparisonOperator.GreaterOrEqual,
        _ => null,
    };

    /// <summary>The comparison of an operator already known to be one (<see cref="IsComparisonOperator"/>).</summary>
    private static ComparisonOperator KnownComparisonOf(string op) =>
        ComparisonOf(op) ?? throw new InvalidOperationException($"{op} is not a comparison operator");
}
