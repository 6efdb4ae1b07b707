using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// Window function calls (PostgreSQL's parse_func.c / transformWindowFuncCall and parse_clause.c's window clause):
/// each call is bound with its window (a named one from the WINDOW clause, copied or refined per PostgreSQL's rules)
/// and collected; after aggregation the select step gives each distinct window a <see cref="LogicalWindow"/> node
/// and the calls become columns of it.
/// </summary>
internal sealed partial class SqlBinder
{
    private static readonly HashSet<string> WindowOnlyFunctionNames =
        ["row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value", "last_value", "nth_value"];

    /// <summary>The WINDOW clause of the SELECT being bound, by name.</summary>
    private Dictionary<string, WindowDef>? _windowDefinitions;

    /// <summary>Set while binding a window's PARTITION BY / ORDER BY (where window functions are not allowed).</summary>
    private bool _insideWindowDefinition;

    /// <summary>Set while binding a window function's arguments (window calls cannot be nested).</summary>
    private bool _insideWindowFunction;

    /// <summary>The ordering column's type while a RANGE frame's offsets are bound (for error messages).</summary>
    private SqlType _rangeColumnType;

    /// <summary>Whether a GROUPING(...) call was bound (it makes the query an aggregate one).</summary>
    private bool _groupingCallSeen;

    internal static bool IsWindowOnlyFunctionName(string name) => WindowOnlyFunctionNames.Contains(name);

    /// <summary>The WINDOW clause: names must be unique; a definition may refer to an earlier one.</summary>
    private void DeclareWindows(IReadOnlyList<WindowDef> windowClause)
    {
        _windowDefinitions = null;
        if (windowClause.Count == 0) return;
        var definitions = new Dictionary<string, WindowDef>();
        foreach (WindowDef definition in windowClause)
        {
            if (definitions.ContainsKey(definition.Name!))
            {
                throw new SqlException(EngineSqlState.WindowingError, $"window \"{definition.Name}\" is already defined", definition.Location + 1);
            }
            // A definition built on an earlier one is stored whole, so references to it need no further lookup.
            WindowDef complete = definition.RefName is null ? definition : Merge(definition, CheckReference(definition, definitions)) with { Name = definition.Name };
            definitions.Add(definition.Name!, complete);
        }
        _windowDefinitions = definitions;
    }

    /// <summary>A call with OVER (or of a window-only function, which then lacks its OVER clause).</summary>
    private BoundExpression BindWindowCall(FuncCall call)
    {
        if (call.Over is null)
        {
            throw new SqlException(EngineSqlState.WrongObjectType, $"window function {call.Name} requires an OVER clause", call.Location + 1);
        }
        if (_insideAggregate)
        {
            throw new SqlException(SqlState.GroupingError, "aggregate function calls cannot contain window function calls", call.Location + 1);
        }
        if (_insideWindowFunction)
        {
            throw new SqlException(EngineSqlState.WindowingError, "window function calls cannot be nested", call.Location + 1);
        }
        if (_insideWindowDefinition)
        {
            throw new SqlException(EngineSqlState.WindowingError, "window functions are not allowed in window definitions", call.Location + 1);
        }
        if (_windowCalls is null)
        {
            throw new SqlException(EngineSqlState.WindowingError, $"window functions are not allowed in {_aggregateForbiddenIn}", call.Location + 1);
        }
        BoundWindowFunction function;
        _insideWindowFunction = true;
        try
        {
            function = BindWindowFunction(call);
        }
        finally
        {
            _insideWindowFunction = false;
        }
        BoundWindow window = BindWindowDefinition(call.Over);
        var bound = new BoundWindowCall(function, window, call.Location);
        _windowCalls.Add(bound);
        return bound;
    }

    private BoundWindowFunction BindWindowFunction(FuncCall call)
    {
        if (IsAggregateName(call.Name))
        {
            BoundAggregate aggregate = BindAggregateBody(call, overWindow: true);
            return new BoundWindowFunction(WindowFunctionKind.Aggregate, [], aggregate, aggregate.Type);
        }
        if (!IsWindowOnlyFunctionName(call.Name))
        {
            // A scalar function: bound without OVER, so an unknown name or bad arguments report as PostgreSQL does.
            BindFunction(call with { Over = null });
            throw new SqlException(EngineSqlState.WrongObjectType, $"OVER specified, but {call.Name} is not a window function nor an aggregate function", call.Location + 1);
        }
        if (call.Star || call.Distinct || call.AggregateOrder is not null)
        {
            string what = call.Star ? $"{call.Name}(*)" : call.Distinct ? "DISTINCT" : call.WithinGroup ? "WITHIN GROUP" : "ORDER BY";
            throw new SqlException(EngineSqlState.WrongObjectType, $"{what} specified, but {call.Name} is not an aggregate function", call.Location + 1);
        }
        if (call.Filter is not null)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "FILTER is not implemented for non-aggregate window functions", call.Location + 1);
        }
        BoundExpression[] arguments = call.Arguments.Select(argument => Bind(argument)).ToArray();
        int Location(int index) => call.Arguments[index].Location;
        BoundExpression Integer(int index) => arguments[index].Type.Kind == TypeKind.Unknown || ValueCast.CanCast(arguments[index].Type, SqlType.Int4, ValueCast.Context.Implicit)
            ? CastTo(arguments[index], SqlType.Int4, ValueCast.Context.Implicit, Location(index))
            : throw FunctionDoesNotExist(call.Name, arguments, call.Location);
        BoundExpression Value(int index) => arguments[index].Type.Kind == TypeKind.Unknown ? CoerceUnknown(arguments[index], SqlType.Text, Location(index)) : arguments[index];

        switch (call.Name)
        {
            case "row_number" or "rank" or "dense_rank" or "percent_rank" or "cume_dist" when arguments.Length == 0:
                (WindowFunctionKind ranking, SqlType type) = call.Name switch
                {
                    "row_number" => (WindowFunctionKind.RowNumber, SqlType.Int8),
                    "rank" => (WindowFunctionKind.Rank, SqlType.Int8),
                    "dense_rank" => (WindowFunctionKind.DenseRank, SqlType.Int8),
                    "percent_rank" => (WindowFunctionKind.PercentRank, SqlType.Float8),
                    _ => (WindowFunctionKind.CumeDist, SqlType.Float8),
                };
                return new BoundWindowFunction(ranking, [], null, type);
            case "ntile" when arguments.Length == 1:
                return new BoundWindowFunction(WindowFunctionKind.Ntile, [Integer(0)], null, SqlType.Int4);
            case "first_value" or "last_value" when arguments.Length == 1:
            {
                BoundExpression value = Value(0);
                return new BoundWindowFunction(call.Name == "first_value" ? WindowFunctionKind.FirstValue : WindowFunctionKind.LastValue, [value], null, value.Type.WithoutModifier);
            }
            case "nth_value" when arguments.Length == 2:
            {
                BoundExpression value = Value(0);
                return new BoundWindowFunction(WindowFunctionKind.NthValue, [value, Integer(1)], null, value.Type.WithoutModifier);
            }
            case "lag" or "lead" when arguments.Length is >= 1 and <= 3:
            {
                WindowFunctionKind kind = call.Name == "lag" ? WindowFunctionKind.Lag : WindowFunctionKind.Lead;
                if (arguments.Length < 3)
                {
                    BoundExpression value = Value(0);
                    BoundExpression offset = arguments.Length == 2 ? Integer(1) : new BoundConstant(1, SqlType.Int4);
                    return new BoundWindowFunction(kind, [value, offset, new BoundConstant(null, value.Type.WithoutModifier)], null, value.Type.WithoutModifier);
                }
                // lag(anycompatible, integer, anycompatible): the value and the default meet at a common type.
                BoundExpression[] pair = [arguments[0], arguments[2]];
                Expression[] sources = [call.Arguments[0], call.Arguments[2]];
                SqlType common;
                try
                {
                    common = CommonType(pair, sources, call.Name);
                }
                catch (SqlException exception) when (exception.SqlState == SqlState.DatatypeMismatch)
                {
                    throw FunctionDoesNotExist(call.Name, arguments, call.Location);
                }
                BoundExpression[] coerced = CoerceAll(pair, sources, common);
                BoundExpression typedValue = coerced[0].Type == common ? coerced[0] : CastTo(coerced[0], common, ValueCast.Context.Implicit, Location(0));
                BoundExpression typedDefault = coerced[1].Type == common ? coerced[1] : CastTo(coerced[1], common, ValueCast.Context.Implicit, Location(2));
                return new BoundWindowFunction(kind, [typedValue, Integer(1), typedDefault], null, common);
            }
        }
        throw FunctionDoesNotExist(call.Name, arguments, call.Location);
    }

    /// <summary>Resolves OVER name / OVER ([name] ...) against the WINDOW clause and binds the result.</summary>
    private BoundWindow BindWindowDefinition(WindowDef over)
    {
        WindowDef definition = over.RefName is null ? over : Resolve(over);
        _insideWindowDefinition = true;
        try
        {
            return BindResolvedWindow(definition);
        }
        finally
        {
            _insideWindowDefinition = false;
        }
    }

    /// <summary>PostgreSQL's rules for a window built on a named one: OVER name copies it whole; OVER (name ...) may
    /// add ORDER BY when the named one has none and a frame, but never PARTITION BY, and the named one must not have a
    /// frame.</summary>
    private WindowDef Resolve(WindowDef over)
    {
        Dictionary<string, WindowDef> definitions = _windowDefinitions ?? [];
        WindowDef named = CheckReference(over, definitions);
        return over.IsBareReference ? named : Merge(over, named);
    }

    private static WindowDef Merge(WindowDef over, WindowDef named) => named with
    {
        Name = null,
        RefName = null,
        OrderBy = over.OrderBy.Count > 0 ? over.OrderBy : named.OrderBy,
        Frame = over.Frame,
        Location = over.Location,
    };

    private static WindowDef CheckReference(WindowDef over, Dictionary<string, WindowDef> definitions)
    {
        if (!definitions.TryGetValue(over.RefName!, out WindowDef? named))
        {
            throw new SqlException(SqlState.UndefinedObject, $"window \"{over.RefName}\" does not exist", over.Location + 1);
        }
        if (over.IsBareReference) return named;
        if (over.PartitionBy.Count > 0)
        {
            throw new SqlException(EngineSqlState.WindowingError, $"cannot override PARTITION BY clause of window \"{over.RefName}\"", over.Location + 1);
        }
        if (over.OrderBy.Count > 0 && named.OrderBy.Count > 0)
        {
            throw new SqlException(EngineSqlState.WindowingError, $"cannot override ORDER BY clause of window \"{over.RefName}\"", over.Location + 1);
        }
        if (named.Frame is not null)
        {
            throw new SqlException(EngineSqlState.WindowingError, $"cannot copy window \"{over.RefName}\" because it has a frame clause", over.Location + 1,
                hint: over.OrderBy.Count == 0 && over.Frame is null ? "Omit the parentheses in this OVER clause." : null);
        }
        return named;
    }

    private BoundWindow BindResolvedWindow(WindowDef definition)
    {
        var partitionBy = new List<BoundExpression>();
        foreach (Expression expression in definition.PartitionBy)
        {
            BoundExpression key = Bind(expression);
            if (key.Type.Kind == TypeKind.Unknown) key = CoerceUnknown(key, SqlType.Text, expression.Location);
            partitionBy.Add(key);
        }
        var orderBy = new List<BoundSortItem>();
        foreach (SortBy sortBy in definition.OrderBy)
        {
            BoundExpression key = Bind(sortBy.Expression);
            if (key.Type.Kind == TypeKind.Unknown) key = CoerceUnknown(key, SqlType.Text, sortBy.Expression.Location);
            orderBy.Add(SortItem(key, sortBy));
        }
        BoundWindowFrame frame = definition.Frame is null ? BoundWindowFrame.Default : BindFrame(definition, definition.Frame, orderBy);
        return new BoundWindow(partitionBy, orderBy, frame);
    }

    private BoundWindowFrame BindFrame(WindowDef definition, WindowFrame frame, List<BoundSortItem> orderBy)
    {
        bool hasOffset = frame.Start.Offset is not null || frame.End.Offset is not null;
        if (frame.Mode == WindowFrameMode.Range && hasOffset && orderBy.Count != 1)
        {
            throw new SqlException(EngineSqlState.WindowingError, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column", definition.Location + 1);
        }
        if (frame.Mode == WindowFrameMode.Groups && orderBy.Count == 0)
        {
            throw new SqlException(EngineSqlState.WindowingError, "GROUPS mode requires an ORDER BY clause", definition.Location + 1);
        }
        SqlType? rangeType = null;
        if (frame.Mode == WindowFrameMode.Range && hasOffset)
        {
            SqlType keyType = orderBy[0].Expression.Type;
            if (!keyType.IsNumber)
            {
                throw new SqlException(SqlState.FeatureNotSupported, $"RANGE with offset PRECEDING/FOLLOWING is not supported for column type {keyType.DisplayName}",
                    (frame.Start.Offset ?? frame.End.Offset)!.Location + 1);
            }
            rangeType = keyType.IsInteger ? SqlType.Int8 : keyType.WithoutModifier;
            _rangeColumnType = keyType.WithoutModifier;
        }
        return new BoundWindowFrame(frame.Mode == WindowFrameMode.Default ? WindowFrameMode.Range : frame.Mode,
            frame.Start.Kind, BindFrameOffset(frame.Start.Offset, frame.Mode, rangeType),
            frame.End.Kind, BindFrameOffset(frame.End.Offset, frame.Mode, rangeType), frame.Exclusion);
    }

    /// <summary>A frame offset: no column references (it is computed once per execution); ROWS and GROUPS take a
    /// bigint, RANGE a value of the ordering column's kind.</summary>
    private BoundExpression? BindFrameOffset(Expression? offset, WindowFrameMode mode, SqlType? rangeType)
    {
        if (offset is null) return null;
        string clause = mode.ToString().ToUpperInvariant();
        var scopeless = new SqlBinder(_context, new BindScope(parent: null)) { _aggregateForbiddenIn = "window definitions" };
        BoundExpression bound;
        try
        {
            bound = scopeless.Bind(offset);
        }
        catch (SqlException exception) when (exception.SqlState == SqlState.UndefinedColumn && _scope.Items.Count > 0)
        {
            throw new SqlException(SqlState.InvalidColumnReference, $"argument of {clause} must not contain variables", exception.Position);
        }
        SqlType target = rangeType ?? SqlType.Int8;
        if (rangeType is null && !ValueCast.CanCast(bound.Type, SqlType.Int8, ValueCast.Context.Assignment))
        {
            throw new SqlException(SqlState.DatatypeMismatch, $"argument of {clause} must be type bigint, not type {bound.Type.DisplayName}", offset.Location + 1);
        }
        // in_range exists for an integer column with an integer offset, numeric with numeric, float8 with float8,
        // the offset reaching the column's kind by an implicit cast.
        bool supported = bound.Type.Kind == TypeKind.Unknown || rangeType is null
            || (rangeType.Value.IsInteger ? bound.Type.IsInteger : bound.Type.IsNumber && ValueCast.CanCast(bound.Type, rangeType.Value, ValueCast.Context.Implicit));
        if (!supported)
        {
            throw new SqlException(SqlState.FeatureNotSupported,
                $"RANGE with offset PRECEDING/FOLLOWING is not supported for column type {_rangeColumnType.DisplayName} and offset type {bound.Type.DisplayName}",
                offset.Location + 1, hint: "Cast the offset value to an appropriate type.");
        }
        return CastTo(bound, target, ValueCast.Context.Assignment, offset.Location);
    }

    /// <summary>After aggregation: one window node per distinct window over the plan, and each window call in the
    /// expressions replaced by its node's output column.</summary>
    private static LogicalPlan PlanWindows(LogicalPlan plan, List<BoundExpression> targets)
    {
        var windows = new List<(BoundWindow Window, List<BoundWindowFunction> Functions)>();
        var calls = new List<BoundWindowCall>();
        foreach (BoundExpression target in targets) CollectWindowCalls(target, calls);
        if (calls.Count == 0) return plan;
        var columnOf = new Dictionary<BoundWindowCall, (int Window, int Function)>();
        foreach (BoundWindowCall call in calls)
        {
            if (columnOf.ContainsKey(call)) continue;
            int windowIndex = windows.FindIndex(entry => entry.Window.Equals(call.Window));
            if (windowIndex < 0)
            {
                windows.Add((call.Window, []));
                windowIndex = windows.Count - 1;
            }
            List<BoundWindowFunction> functions = windows[windowIndex].Functions;
            functions.Add(call.Function);
            columnOf[call] = (windowIndex, functions.Count - 1);
        }
        var firstColumn = new int[windows.Count];
        for (int index = 0; index < windows.Count; index++)
        {
            firstColumn[index] = plan.Width;
            plan = new LogicalWindow(plan, windows[index].Window, windows[index].Functions);
        }
        BoundExpression Replace(BoundExpression expression)
        {
            if (expression is BoundWindowCall call)
            {
                (int window, int function) = columnOf[call];
                return new BoundColumn(firstColumn[window] + function, call.Type, "window function", call.Location);
            }
            return BoundExpressionTree.MapChildren(expression, Replace);
        }
        for (int index = 0; index < targets.Count; index++) targets[index] = Replace(targets[index]);
        return plan;
    }

    private static void CollectWindowCalls(BoundExpression expression, List<BoundWindowCall> calls)
    {
        if (expression is BoundWindowCall call)
        {
            calls.Add(call);
            return;
        }
        foreach (BoundExpression child in BoundExpressionTree.Children(expression)) CollectWindowCalls(child, calls);
    }
}
