using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// Aggregate calls: bound against the input row and collected, so the query's aggregation step computes them (or,
/// with OVER, a window node). Covers FILTER, DISTINCT, ORDER BY inside the call and the ordered-set aggregates
/// (WITHIN GROUP). GROUPING(...) is bound here too: it is rewritten with the aggregation step's grouping flags.
/// </summary>
internal sealed partial class SqlBinder
{
    /// <summary>Aggregates this engine computes.</summary>
    private static readonly HashSet<string> AggregateNames =
    [
        "count", "sum", "min", "max", "avg", "string_agg", "bool_and", "bool_or", "every", "bit_and", "bit_or",
        "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop", "percentile_cont", "percentile_disc", "mode",
        "array_agg",
        "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg",
    ];

    /// <summary>Aggregates PostgreSQL has whose result types (arrays, json) do not exist here yet.</summary>
    private static readonly HashSet<string> UnsupportedAggregateNames =
    [
        "xmlagg", "bit_xor", "range_agg", "range_intersect_agg",
    ];

    private static bool IsOrderedSetAggregate(string name) => name is "percentile_cont" or "percentile_disc" or "mode";

    /// <summary>Whether a call of this name is an aggregate (so FILTER, DISTINCT, ORDER BY and OVER apply to it).</summary>
    internal static bool IsAggregateName(string name) => AggregateNames.Contains(name) || UnsupportedAggregateNames.Contains(name);

    /// <summary>An aggregate call without OVER: registered with this level's aggregation step.</summary>
    private BoundExpression BindAggregate(FuncCall call)
    {
        if (_aggregateCalls is null)
        {
            throw new SqlException(SqlState.GroupingError, $"aggregate functions are not allowed in {_aggregateForbiddenIn}", call.Location + 1);
        }
        if (_insideAggregate)
        {
            throw new SqlException(SqlState.GroupingError, "aggregate function calls cannot be nested", call.Location + 1);
        }
        BoundAggregate aggregate = BindAggregateBody(call, overWindow: false);
        var bound = new BoundAggregateCall(aggregate, call.Location);
        _aggregateCalls.Add(bound);
        return bound;
    }

    /// <summary>Binds an aggregate's arguments, FILTER and ordering (inside the aggregate: no nested aggregates) and
    /// picks the implementation and result type from the argument types, as PostgreSQL's pg_aggregate entries do.</summary>
    private BoundAggregate BindAggregateBody(FuncCall call, bool overWindow)
    {
        if (UnsupportedAggregateNames.Contains(call.Name))
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"aggregate {call.Name} is not supported (its result type does not exist yet)", call.Location + 1);
        }
        bool orderedSet = IsOrderedSetAggregate(call.Name);
        if (call.WithinGroup != orderedSet || (orderedSet && call.AggregateOrder is null))
        {
            // PostgreSQL looks for a function whose arguments are the direct ones followed by the ordering ones.
            var all = call.Arguments.Concat(call.AggregateOrder?.Select(item => item.Expression) ?? []).Select(BindWithoutAggregates).ToArray();
            throw FunctionDoesNotExist(call.Name, all, call.Location);
        }
        // A window aggregate's arguments are over the aggregated row: they may hold the query's own aggregates.
        bool wasInside = _insideAggregate;
        _insideAggregate = !overWindow;
        try
        {
            if (orderedSet) return BindOrderedSetAggregate(call, overWindow);
            BoundExpression[] arguments = call.Arguments.Select(argument => Bind(argument)).ToArray();
            BoundExpression? filter = call.Filter is null ? null : CoerceToBoolean(Bind(call.Filter), call.Filter, "FILTER");
            (AggregateFunction function, BoundExpression[] typed, SqlType resultType) = ResolveAggregate(call, arguments);
            var orderBy = new List<BoundSortItem>();
            foreach (SortBy sortBy in call.AggregateOrder ?? [])
            {
                BoundExpression key = Bind(sortBy.Expression);
                if (key.Type.Kind == TypeKind.Unknown) key = CoerceUnknown(key, SqlType.Text, sortBy.Expression.Location);
                if (call.Distinct && !typed.Contains(key) && !arguments.Contains(key))
                {
                    throw new SqlException(SqlState.InvalidColumnReference, "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list",
                        sortBy.Expression.Location + 1);
                }
                orderBy.Add(SortItem(key, sortBy));
            }
            if (overWindow)
            {
                if (call.Distinct) throw new SqlException(SqlState.FeatureNotSupported, "DISTINCT is not implemented for window functions", call.Location + 1);
                if (orderBy.Count > 0) throw new SqlException(SqlState.FeatureNotSupported, "aggregate ORDER BY is not implemented for window functions", call.Location + 1);
            }
            return new BoundAggregate(function, typed, call.Distinct, filter, orderBy, resultType);
        }
        finally
        {
            _insideAggregate = wasInside;
        }
    }

    private static BoundSortItem SortItem(BoundExpression key, SortBy sortBy)
    {
        bool descending = sortBy.Direction == SortByDirection.Descending;
        bool nullsFirst = sortBy.Nulls switch { SortByNulls.First => true, SortByNulls.Last => false, _ => descending };
        return new BoundSortItem(key, descending, nullsFirst);
    }

    /// <summary>Binds an expression only to name its type in an error message.</summary>
    private BoundExpression BindWithoutAggregates(Expression expression)
    {
        bool wasInside = _insideAggregate;
        _insideAggregate = true;
        try
        {
            return Bind(expression);
        }
        finally
        {
            _insideAggregate = wasInside;
        }
    }

    private (AggregateFunction Function, BoundExpression[] Arguments, SqlType Type) ResolveAggregate(FuncCall call, BoundExpression[] arguments)
    {
        string name = call.Name;
        if (call.Star)
        {
            if (name != "count") throw FunctionDoesNotExist(name + "(*)", [], call.Location);
            return (AggregateFunction.CountStar, [], SqlType.Int8);
        }
        if (name == "string_agg")
        {
            if (arguments.Length != 2 || !arguments.All(argument => argument.Type.IsString || argument.Type.Kind == TypeKind.Unknown)) throw FunctionDoesNotExist(name, arguments, call.Location);
            BoundExpression[] text = arguments.Select((argument, index) => CastTo(argument, SqlType.Text, ValueCast.Context.Implicit, call.Arguments[index].Location)).ToArray();
            return (AggregateFunction.StringAgg, text, SqlType.Text);
        }
        if (ResolveJsonAggregate(call, arguments) is { } json) return json;
        if (arguments.Length != 1) throw FunctionDoesNotExist(name, arguments, call.Location);
        BoundExpression argument = arguments[0];
        if (name == "array_agg")
        {
            if (argument.Type.Kind == TypeKind.Unknown) argument = CoerceUnknown(argument, SqlType.Text, call.Arguments[0].Location);
            return (AggregateFunction.ArrayAgg, [argument], argument.Type.IsArray ? argument.Type.WithoutModifier : SqlType.ArrayOf(argument.Type.WithoutModifier));
        }
        if (argument.Type.Kind == TypeKind.Unknown)
        {
            argument = name switch
            {
                "count" or "min" or "max" => CoerceUnknown(argument, SqlType.Text, call.Arguments[0].Location),
                "bool_and" or "bool_or" or "every" => CoerceUnknown(argument, SqlType.Bool, call.Arguments[0].Location),
                // Every candidate is numeric, so the category's preferred type wins (func_select_candidate).
                "stddev" or "stddev_samp" or "stddev_pop" or "variance" or "var_samp" or "var_pop" => CoerceUnknown(argument, SqlType.Float8, call.Arguments[0].Location),
                _ => throw new SqlException(EngineSqlState.AmbiguousFunction, $"function {name}(unknown) is not unique", call.Location + 1,
                    hint: "Could not choose a best candidate function. You might need to add explicit type casts."),
            };
        }
        SqlType type = argument.Type.WithoutModifier;
        bool real = type.Kind == TypeKind.Float4 && name is "sum" or "avg" or "stddev" or "stddev_samp" or "stddev_pop" or "variance" or "var_samp" or "var_pop";
        if (real)
        {
            // float4's sum, avg and dispersion accumulate in float8 (float4_accum); only sum gives a real back.
            argument = CastTo(argument, SqlType.Float8, ValueCast.Context.Implicit, call.Arguments[0].Location);
            type = SqlType.Float8;
        }
        (AggregateFunction function, SqlType resultType) = name switch
        {
            "sum" when real => (AggregateFunction.Sum, SqlType.Float4),
            "count" => (AggregateFunction.Count, SqlType.Int8),
            "min" when type.Kind != TypeKind.Bool => (AggregateFunction.Min, type),
            "max" when type.Kind != TypeKind.Bool => (AggregateFunction.Max, type),
            "sum" when type.Kind is TypeKind.Int2 or TypeKind.Int4 => (AggregateFunction.Sum, SqlType.Int8),
            "sum" when type.Kind is TypeKind.Int8 or TypeKind.Numeric => (AggregateFunction.Sum, SqlType.Numeric),
            "sum" when type.Kind is TypeKind.Float8 => (AggregateFunction.Sum, SqlType.Float8),
            "avg" when type.Kind is TypeKind.Float8 => (AggregateFunction.Avg, SqlType.Float8),
            "sum" or "avg" when type.Kind is TypeKind.Interval => (name == "sum" ? AggregateFunction.Sum : AggregateFunction.Avg, SqlType.Interval),
            "avg" when type.IsNumber => (AggregateFunction.Avg, SqlType.Numeric),
            "bool_and" or "every" when type.Kind == TypeKind.Bool => (AggregateFunction.BoolAnd, SqlType.Bool),
            "bool_or" when type.Kind == TypeKind.Bool => (AggregateFunction.BoolOr, SqlType.Bool),
            "bit_and" when type.IsInteger => (AggregateFunction.BitAnd, type),
            "bit_or" when type.IsInteger => (AggregateFunction.BitOr, type),
            "stddev" or "stddev_samp" or "stddev_pop" or "variance" or "var_samp" or "var_pop" when type.IsNumber =>
                (name switch
                {
                    "stddev" or "stddev_samp" => AggregateFunction.StddevSample,
                    "stddev_pop" => AggregateFunction.StddevPopulation,
                    "variance" or "var_samp" => AggregateFunction.VarianceSample,
                    _ => AggregateFunction.VariancePopulation,
                }, type.Kind == TypeKind.Float8 ? SqlType.Float8 : SqlType.Numeric),
            _ => throw FunctionDoesNotExist(name, [argument], call.Location),
        };
        return (function, [argument], resultType);
    }

    /// <summary>percentile_cont(fraction) / percentile_disc(fraction) / mode() WITHIN GROUP (ORDER BY x): the direct
    /// argument is over the aggregated row (a constant or group keys), the ordering value is aggregated.</summary>
    private BoundAggregate BindOrderedSetAggregate(FuncCall call, bool overWindow)
    {
        BoundExpression[] direct = call.Arguments.Select(argument => Bind(argument)).ToArray();
        IReadOnlyList<SortBy> order = call.AggregateOrder!;
        BoundExpression[] ordered = order.Select(item => Bind(item.Expression)).ToArray();
        int expectedDirect = call.Name == "mode" ? 0 : 1;
        if (direct.Length != expectedDirect || ordered.Length != 1)
        {
            throw FunctionDoesNotExist(call.Name, [.. direct, .. ordered], call.Location);
        }
        if (overWindow)
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"OVER is not supported for ordered-set aggregate {call.Name}", call.Location + 1);
        }
        BoundExpression? filter = call.Filter is null ? null : CoerceToBoolean(Bind(call.Filter), call.Filter, "FILTER");
        BoundExpression value = ordered[0];
        var arguments = new List<BoundExpression>();
        if (expectedDirect == 1)
        {
            if (!(direct[0].Type.IsNumber || direct[0].Type.Kind == TypeKind.Unknown)) throw FunctionDoesNotExist(call.Name, [direct[0], value], call.Location);
            arguments.Add(CastTo(direct[0], SqlType.Float8, ValueCast.Context.Implicit, call.Arguments[0].Location));
        }
        AggregateFunction function;
        SqlType resultType;
        switch (call.Name)
        {
            case "percentile_cont":
                if (!(value.Type.IsNumber || value.Type.Kind == TypeKind.Unknown)) throw FunctionDoesNotExist(call.Name, [direct[0], value], call.Location);
                value = CastTo(value, SqlType.Float8, ValueCast.Context.Implicit, order[0].Expression.Location);
                (function, resultType) = (AggregateFunction.PercentileContinuous, SqlType.Float8);
                break;
            default:
                if (value.Type.Kind == TypeKind.Unknown)
                {
                    throw new SqlException(SqlState.DatatypeMismatch, "could not determine polymorphic type because input has type unknown");
                }
                (function, resultType) = (call.Name == "mode" ? AggregateFunction.Mode : AggregateFunction.PercentileDiscrete, value.Type.WithoutModifier);
                break;
        }
        return new BoundAggregate(function, arguments, Distinct: false, filter, [SortItem(value, order[0])], resultType);
    }

    /// <summary>GROUPING(a, b, ...): allowed where aggregates are; its arguments must be grouping expressions, which
    /// the aggregation rewrite checks.</summary>
    private BoundExpression BindGrouping(FuncCall call)
    {
        if (_aggregateCalls is null)
        {
            throw new SqlException(SqlState.GroupingError, $"grouping operations are not allowed in {_aggregateForbiddenIn}", call.Location + 1);
        }
        if (call.Arguments.Count == 0 || call.Star || call.Distinct || call.Filter is not null || call.AggregateOrder is not null)
        {
            throw new SqlException(SqlState.SyntaxError, "syntax error at or near \"grouping\"", call.Location + 1);
        }
        bool wasInside = _insideAggregate;
        _insideAggregate = true;
        try
        {
            BoundExpression[] arguments = call.Arguments.Select(argument => Bind(argument)).ToArray();
            _groupingCallSeen = true;
            return new BoundGroupingCall(arguments, call.Arguments.Select(argument => argument.Location).ToArray());
        }
        finally
        {
            _insideAggregate = wasInside;
        }
    }
}
