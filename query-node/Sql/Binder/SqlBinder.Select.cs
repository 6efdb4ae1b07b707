using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

internal sealed partial class SqlBinder
{
    public BoundSelect BindSelect(SelectStmt select)
    {
        BoundExpression? where = null;
        if (select.Where is not null)
        {
            _aggregateCalls = null;
            _aggregateForbiddenIn = "WHERE";
            where = CoerceToBoolean(Bind(select.Where), select.Where, "WHERE");
        }

        // The select list, with * expanded.
        var targets = new List<BoundExpression>();
        var targetSources = new List<Expression?>();
        var columns = new List<ResultColumn>();
        _aggregateCalls = [];
        foreach (ResTarget target in select.TargetList)
        {
            if (target.Value is ColumnRef { Star: true } star)
            {
                ExpandStar(star, targets, targetSources, columns);
                continue;
            }
            BoundExpression bound = Bind(target.Value);
            if (bound.Type.Kind == TypeKind.Unknown) bound = CoerceUnknown(bound, SqlType.Text, target.Value.Location);
            targets.Add(bound);
            targetSources.Add(target.Value);
            columns.Add(ResultColumnOf(target.Name ?? ColumnNaming.FigureName(target.Value), bound));
        }

        // GROUP BY: an input column name wins over an output name; an integer is a select-list position.
        var groupKeys = new List<BoundExpression>();
        List<BoundAggregateCall> selectAggregates = _aggregateCalls;
        _aggregateCalls = null;
        _aggregateForbiddenIn = "GROUP BY";
        foreach (Expression item in select.GroupBy)
        {
            if (item is A_Const { Kind: ConstantKind.Integer } position)
            {
                groupKeys.Add(TargetAtPosition(position, targets, "GROUP BY"));
            }
            else if (item is ColumnRef { Fields.Count: 1, Star: false } name && (_table is null || _table.OrdinalOf(name.Fields[0]) < 0)
                && FindOutputColumn(name.Fields[0], columns, "GROUP BY", name.Location) is int outputIndex and >= 0)
            {
                groupKeys.Add(targets[outputIndex]);
            }
            else
            {
                groupKeys.Add(Bind(item));
            }
        }

        _aggregateCalls = selectAggregates;
        BoundExpression? having = null;
        if (select.Having is not null)
        {
            having = CoerceToBoolean(Bind(select.Having), select.Having, "HAVING");
        }

        // ORDER BY: an output column name or position, else an expression over the input (a hidden column).
        var sortKeys = new List<BoundSortKey>();
        int visibleCount = targets.Count;
        foreach (SortBy sortBy in select.SortClause)
        {
            int index;
            if (sortBy.Expression is A_Const { Kind: ConstantKind.Integer } position)
            {
                index = PositionIndex(position, visibleCount, "ORDER BY");
            }
            else if (sortBy.Expression is ColumnRef { Fields.Count: 1, Star: false } name && FindOutputColumn(name.Fields[0], columns, "ORDER BY", name.Location) is int outputIndex and >= 0)
            {
                index = outputIndex;
            }
            else
            {
                BoundExpression bound = Bind(sortBy.Expression);
                if (bound.Type.Kind == TypeKind.Unknown) bound = CoerceUnknown(bound, SqlType.Text, sortBy.Expression.Location);
                index = targets.IndexOf(bound);
                if (index < 0)
                {
                    if (select.Distinct)
                    {
                        throw new SqlException(SqlState.InvalidColumnReference, "for SELECT DISTINCT, ORDER BY expressions must appear in select list", sortBy.Expression.Location + 1);
                    }
                    targets.Add(bound);
                    targetSources.Add(sortBy.Expression);
                    index = targets.Count - 1;
                }
            }
            bool descending = sortBy.Direction == SortByDirection.Descending;
            bool nullsFirst = sortBy.Nulls switch { SortByNulls.First => true, SortByNulls.Last => false, _ => descending };
            sortKeys.Add(new BoundSortKey(index, descending, nullsFirst));
        }

        bool isAggregate = groupKeys.Count > 0 || _aggregateCalls.Count > 0 || having is not null;
        var aggregates = new List<BoundAggregate>();
        var aggregateCalls = new List<BoundAggregateCall>();
        if (isAggregate)
        {
            for (int index = 0; index < targets.Count; index++) targets[index] = RewriteForAggregation(targets[index], groupKeys, aggregateCalls);
            if (having is not null) having = RewriteForAggregation(having, groupKeys, aggregateCalls);
            foreach (BoundAggregateCall call in aggregateCalls)
            {
                aggregates.Add(new BoundAggregate(call.Function, call.Argument, call.Distinct, call.Type));
            }
        }
        _aggregateCalls = null;

        _aggregateForbiddenIn = "LIMIT";
        BoundExpression? limit = BindLimit(select.Limit, "LIMIT");
        _aggregateForbiddenIn = "OFFSET";
        BoundExpression? offset = BindLimit(select.Offset, "OFFSET");

        return new BoundSelect(_table, where, isAggregate, groupKeys, aggregates, having, targets, columns, sortKeys,
            select.Distinct, limit, offset, select.ForUpdate);
    }

    private void ExpandStar(ColumnRef star, List<BoundExpression> targets, List<Expression?> sources, List<ResultColumn> columns)
    {
        if (star.Fields.Count > 0)
        {
            string qualifier = star.Fields[^1];
            if (_table is null || qualifier != _referenceName)
            {
                throw new SqlException(SqlState.UndefinedTable, $"missing FROM-clause entry for table \"{qualifier}\"", star.Location + 1);
            }
        }
        else if (_table is null)
        {
            throw new SqlException(SqlState.SyntaxError, "SELECT * with no tables specified is not valid", star.Location + 1);
        }
        for (int ordinal = 0; ordinal < _table.Columns.Count; ordinal++)
        {
            BoundColumn column = ColumnOf(ordinal, star.Location);
            targets.Add(column);
            sources.Add(null);
            columns.Add(ResultColumnOf(_table.Columns[ordinal].Name, column));
        }
    }

    /// <summary>An output column; a plain table column (not an expression over it) carries its table OID and
    /// attribute number, as PostgreSQL's markTargetListOrigins marks a target that is a Var. This runs on the bound
    /// select list before aggregation rewrites it, so a grouped column keeps its origin as in PostgreSQL.</summary>
    private ResultColumn ResultColumnOf(string name, BoundExpression bound) =>
        bound is BoundColumn column && _table is not null
            ? ResultColumn.ForTableColumn(name, bound.Type, _table, column.Ordinal)
            : ResultColumn.For(name, bound.Type);

    private static int FindOutputColumn(string name, List<ResultColumn> columns, string clause, int location)
    {
        int found = -1;
        for (int index = 0; index < columns.Count; index++)
        {
            if (columns[index].Name != name) continue;
            if (found >= 0)
            {
                throw new SqlException(SqlState.AmbiguousColumn, $"{clause} \"{name}\" is ambiguous", location + 1);
            }
            found = index;
        }
        return found;
    }

    private static int PositionIndex(A_Const position, int count, string clause)
    {
        if (!int.TryParse(position.Text, out int value) || value < 1 || value > count)
        {
            throw new SqlException(SqlState.InvalidColumnReference, $"{clause} position {position.Text} is not in select list", position.Location + 1);
        }
        return value - 1;
    }

    private static BoundExpression TargetAtPosition(A_Const position, List<BoundExpression> targets, string clause) =>
        targets[PositionIndex(position, targets.Count, clause)];

    private BoundExpression? BindLimit(Expression? expression, string clause)
    {
        if (expression is null) return null;
        if (expression is A_Const { Kind: ConstantKind.Null }) return null;
        var scopeless = new SqlBinder(null, null, _parameters) { _aggregateForbiddenIn = clause };
        BoundExpression bound;
        try
        {
            bound = scopeless.Bind(expression);
        }
        catch (SqlException exception) when (exception.SqlState == SqlState.UndefinedColumn && _table is not null)
        {
            throw new SqlException(SqlState.InvalidColumnReference, $"argument of {clause} must not contain variables", exception.Position);
        }
        if (!(bound.Type.IsNumber || bound.Type.Kind == TypeKind.Unknown))
        {
            throw new SqlException(SqlState.DatatypeMismatch, $"argument of {clause} must be type bigint, not type {bound.Type.DisplayName}", expression.Location + 1);
        }
        return CastTo(bound, SqlType.Int8, ValueCast.Context.Assignment, expression.Location);
    }

    /// <summary>Turns an expression over input rows into one over aggregated rows: group keys and aggregate calls become
    /// columns of the aggregated row; any other column reference is an error (42803).</summary>
    private BoundExpression RewriteForAggregation(BoundExpression expression, List<BoundExpression> groupKeys, List<BoundAggregateCall> aggregateCalls)
    {
        for (int index = 0; index < groupKeys.Count; index++)
        {
            if (groupKeys[index].Equals(expression)) return new BoundColumn(index, expression.Type, "group key", -1);
        }
        BoundExpression Rewrite(BoundExpression inner) => RewriteForAggregation(inner, groupKeys, aggregateCalls);
        switch (expression)
        {
            case BoundAggregateCall call:
                int aggregateIndex = aggregateCalls.IndexOf(call);
                if (aggregateIndex < 0)
                {
                    aggregateCalls.Add(call);
                    aggregateIndex = aggregateCalls.Count - 1;
                }
                return new BoundColumn(groupKeys.Count + aggregateIndex, call.Type, "aggregate", -1);
            case BoundColumn column:
                throw new SqlException(SqlState.GroupingError,
                    $"column \"{column.DisplayName}\" must appear in the GROUP BY clause or be used in an aggregate function", column.Location + 1);
            case BoundConstant:
                return expression;
            case BoundCast cast:
                return cast with { Operand = Rewrite(cast.Operand) };
            case BoundArithmetic arithmetic:
                return arithmetic with { Left = Rewrite(arithmetic.Left), Right = Rewrite(arithmetic.Right) };
            case BoundNegate negate:
                return negate with { Operand = Rewrite(negate.Operand) };
            case BoundComparison comparison:
                return comparison with { Left = Rewrite(comparison.Left), Right = Rewrite(comparison.Right) };
            case BoundIsDistinct distinct:
                return distinct with { Left = Rewrite(distinct.Left), Right = Rewrite(distinct.Right) };
            case BoundConcat concat:
                return concat with { Left = Rewrite(concat.Left), Right = Rewrite(concat.Right) };
            case BoundBoolean boolean:
                return boolean with { Arguments = boolean.Arguments.Select(Rewrite).ToArray() };
            case BoundNullTest nullTest:
                return nullTest with { Operand = Rewrite(nullTest.Operand) };
            case BoundBooleanTest booleanTest:
                return booleanTest with { Operand = Rewrite(booleanTest.Operand) };
            case BoundIn inExpression:
                return inExpression with { Operand = Rewrite(inExpression.Operand), List = inExpression.List.Select(Rewrite).ToArray() };
            case BoundLike like:
                return like with { Operand = Rewrite(like.Operand), Pattern = Rewrite(like.Pattern) };
            case BoundCase caseExpression:
                return caseExpression with
                {
                    Whens = caseExpression.Whens.Select(when => (Rewrite(when.Condition), Rewrite(when.Result))).ToArray(),
                    Else = caseExpression.Else is null ? null : Rewrite(caseExpression.Else),
                };
            case BoundFunction function:
                return function with { Arguments = function.Arguments.Select(Rewrite).ToArray() };
            default:
                throw new InvalidOperationException($"cannot rewrite {expression.GetType().Name} for aggregation");
        }
    }

    /// <summary>RETURNING: a projection over the written rows.</summary>
    public BoundReturning? BindReturning(IReadOnlyList<ResTarget>? returning)
    {
        if (returning is null) return null;
        var targets = new List<BoundExpression>();
        var sources = new List<Expression?>();
        var columns = new List<ResultColumn>();
        _aggregateCalls = null;
        _aggregateForbiddenIn = "RETURNING";
        foreach (ResTarget target in returning)
        {
            if (target.Value is ColumnRef { Star: true } star)
            {
                ExpandStar(star, targets, sources, columns);
                continue;
            }
            BoundExpression bound = Bind(target.Value);
            if (bound.Type.Kind == TypeKind.Unknown) bound = CoerceUnknown(bound, SqlType.Text, target.Value.Location);
            targets.Add(bound);
            columns.Add(ResultColumnOf(target.Name ?? ColumnNaming.FigureName(target.Value), bound));
        }
        return new BoundReturning(targets, columns);
    }
}
