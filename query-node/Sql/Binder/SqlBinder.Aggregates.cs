using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>Aggregate calls: bound against the input row and collected, so the query's aggregation step computes them.</summary>
internal sealed partial class SqlBinder
{
    private BoundExpression BindAggregate(FuncCall call)
    {
        if (call.Filter is not null)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "FILTER in aggregates is not supported", call.Location + 1);
        }
        if (call.AggregateOrder is not null)
        {
            throw new SqlException(SqlState.FeatureNotSupported, call.WithinGroup ? "WITHIN GROUP is not supported" : "ORDER BY in aggregates is not supported", call.Location + 1);
        }
        if (_aggregateCalls is null)
        {
            throw new SqlException(SqlState.GroupingError, $"aggregate functions are not allowed in {_aggregateForbiddenIn}", call.Location + 1);
        }
        if (_insideAggregate)
        {
            throw new SqlException(SqlState.GroupingError, "aggregate function calls cannot be nested", call.Location + 1);
        }
        if (call.Star)
        {
            if (call.Name != "count") throw FunctionDoesNotExist(call.Name + "(*)", [], call.Location);
            var countStar = new BoundAggregateCall(AggregateFunction.CountStar, null, false, SqlType.Int8, call.Location);
            _aggregateCalls.Add(countStar);
            return countStar;
        }
        if (call.Arguments.Count != 1)
        {
            var boundArguments = call.Arguments.Select(Bind).ToArray();
            throw FunctionDoesNotExist(call.Name, boundArguments, call.Location);
        }
        _insideAggregate = true;
        BoundExpression argument;
        try
        {
            argument = Bind(call.Arguments[0]);
        }
        finally
        {
            _insideAggregate = false;
        }
        if (argument.Type.Kind == TypeKind.Unknown)
        {
            argument = call.Name is "count" or "min" or "max"
                ? CoerceUnknown(argument, SqlType.Text, call.Arguments[0].Location)
                : throw new SqlException(EngineSqlState.AmbiguousFunction, $"function {call.Name}(unknown) is not unique", call.Location + 1,
                    hint: "Could not choose a best candidate function. You might need to add explicit type casts.");
        }
        SqlType argumentType = argument.Type.WithoutModifier;
        (AggregateFunction function, SqlType resultType) = call.Name switch
        {
            "count" => (AggregateFunction.Count, SqlType.Int8),
            "min" => (AggregateFunction.Min, argumentType),
            "max" => (AggregateFunction.Max, argumentType),
            "sum" when argumentType.Kind is TypeKind.Int2 or TypeKind.Int4 => (AggregateFunction.Sum, SqlType.Int8),
            "sum" when argumentType.Kind is TypeKind.Int8 or TypeKind.Numeric => (AggregateFunction.Sum, SqlType.Numeric),
            "sum" when argumentType.Kind is TypeKind.Float8 => (AggregateFunction.Sum, SqlType.Float8),
            "avg" when argumentType.Kind is TypeKind.Float8 => (AggregateFunction.Avg, SqlType.Float8),
            "avg" when argumentType.IsNumber => (AggregateFunction.Avg, SqlType.Numeric),
            _ => throw FunctionDoesNotExist(call.Name, [argument], call.Location),
        };
        if (function is AggregateFunction.Min or AggregateFunction.Max && argumentType.Kind == TypeKind.Bool)
        {
            throw FunctionDoesNotExist(call.Name, [argument], call.Location);
        }
        var aggregate = new BoundAggregateCall(function, argument, call.Distinct, resultType, call.Location);
        _aggregateCalls.Add(aggregate);
        return aggregate;
    }
}
