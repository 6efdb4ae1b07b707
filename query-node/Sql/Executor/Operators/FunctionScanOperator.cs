using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>A set-returning function in FROM; its arguments are evaluated against the outer row (lateral). Several
/// functions (ROWS FROM, unnest of several arrays, a select list's set-returning functions) run side by side: row n
/// holds each function's n-th row, NULLs for a function that has none, until every function is done.</summary>
internal sealed class FunctionScanOperator(IReadOnlyList<TableFunctionCall> calls, bool withOrdinality) : PhysicalOperator
{
    private readonly CompiledExpression[][] _arguments =
        calls.Select(call => call.Arguments.Select(argument => new CompiledExpression(argument)).ToArray()).ToArray();

    public override string Name => "Function Scan";

    /// <summary>For EXPLAIN.</summary>
    public string FunctionName => calls[0].Name;

    public override async IAsyncEnumerable<object?[]> ExecuteAsync(ExecutionContext context)
    {
        var results = new IEnumerable<object?[]>[calls.Count];
        for (int call = 0; call < calls.Count; call++)
        {
            var values = new object?[_arguments[call].Length];
            for (int index = 0; index < values.Length; index++) values[index] = await _arguments[call][index].EvaluateAsync(context.OuterRow, context);
            results[call] = Rows(calls[call], values);
        }
        long ordinality = 0;
        foreach (object?[] row in calls.Count == 1 ? results[0] : SideBySide(results))
        {
            if ((ordinality & 1023) == 0) context.CancellationToken.ThrowIfCancellationRequested();
            ordinality++;
            yield return withOrdinality ? [.. row, ordinality] : row;
        }
    }

    /// <summary>Each function's rows in turn, padded with NULLs for the functions that are done.</summary>
    private IEnumerable<object?[]> SideBySide(IEnumerable<object?[]>[] results)
    {
        var enumerators = results.Select(result => result.GetEnumerator()).ToArray();
        int width = calls.Sum(call => call.Width);
        try
        {
            while (true)
            {
                var row = new object?[width];
                bool any = false;
                int at = 0;
                for (int call = 0; call < calls.Count; call++)
                {
                    if (enumerators[call].MoveNext())
                    {
                        any = true;
                        enumerators[call].Current.CopyTo(row, at);
                    }
                    at += calls[call].Width;
                }
                if (!any) yield break;
                yield return row;
            }
        }
        finally
        {
            foreach (var enumerator in enumerators) enumerator.Dispose();
        }
    }

    private static IEnumerable<object?[]> Rows(TableFunctionCall call, object?[] values)
    {
        if (JsonTableFunctions.Handles(call.Function))
        {
            if (values.Any(value => value is null)) return [];
            return call.Function == TableFunction.JsonPathQuery
                ? JsonTableFunctions.QueryPath(values[0]!, values[1]!)
                : JsonTableFunctions.Generate(call.Function, values[0]!, call.Name);
        }
        return Generate(call.Function, call.Name, values).Select(value => new[] { value });
    }

    private static IEnumerable<object?> Generate(TableFunction function, string functionName, object?[] values)
    {
        if (values.Any(value => value is null)) yield break;
        switch (function)
        {
            case TableFunction.GenerateSeriesInteger:
            {
                bool isInt4 = values[0] is int;
                long start = Convert.ToInt64(values[0]);
                long stop = Convert.ToInt64(values[1]);
                long step = values.Length > 2 ? Convert.ToInt64(values[2]) : 1;
                if (step == 0) throw new SqlException(SqlState.InvalidParameterValue, "step size cannot equal zero");
                for (long current = start; step > 0 ? current <= stop : current >= stop;)
                {
                    yield return isInt4 ? (object)(int)current : current;
                    long next = current + step;
                    if ((step > 0 && next < current) || (step < 0 && next > current)) yield break; // past the type's end
                    if (isInt4 && (next > int.MaxValue || next < int.MinValue)) yield break;
                    current = next;
                }
                yield break;
            }
            case TableFunction.GenerateSeriesNumeric:
            {
                PgNumeric start = SeriesBound((PgNumeric)values[0]!, "start value");
                PgNumeric stop = SeriesBound((PgNumeric)values[1]!, "stop value");
                PgNumeric step = values.Length > 2 ? SeriesBound((PgNumeric)values[2]!, "step size") : PgNumeric.One;
                if (step.IsZero) throw new SqlException(SqlState.InvalidParameterValue, "step size cannot equal zero");
                for (PgNumeric current = start; step.Sign > 0 ? current <= stop : current >= stop; current = NumericOperations.Add(current, step))
                {
                    yield return current;
                }
                yield break;
            }
            case TableFunction.GenerateSeriesTimestamp:
            {
                var start = (DateTime)values[0]!;
                var stop = (DateTime)values[1]!;
                var step = (Log.Wire.Types.PgInterval)values[2]!;
                int direction = Types.IntervalMath.Compare(step, Types.IntervalMath.Zero);
                if (direction == 0) throw new SqlException(SqlState.InvalidParameterValue, "step size cannot equal zero");
                // timestamptz steps by days and months on the session zone's wall clock, as timestamptz + interval does.
                bool instant = start.Kind == DateTimeKind.Utc;
                Types.DateTimeSettings settings = Types.DateTimeSettings.Current;
                for (DateTime current = start; direction > 0 ? current <= stop : current >= stop;)
                {
                    yield return current;
                    current = instant ? Types.IntervalMath.AddToInstant(current, step, settings) : Types.IntervalMath.AddToWallClock(current, step);
                }
                yield break;
            }
            case TableFunction.Unnest:
                foreach (object? element in (Log.Wire.Types.PgArray)values[0]!) yield return element;
                yield break;
            case TableFunction.GenerateSubscripts:
            {
                // generate_subscripts(array, dimension [, reverse]): nothing for a dimension the array does not have.
                var array = (PgArray)values[0]!;
                int dimension = (int)values[1]! - 1;
                if (dimension < 0 || dimension >= array.Dimensions) yield break;
                int lower = array.LowerBounds[dimension];
                int length = array.Lengths[dimension];
                bool reverse = values.Length > 2 && (bool)values[2]!;
                for (int index = 0; index < length; index++) yield return reverse ? lower + length - 1 - index : lower + index;
                yield break;
            }
            case TableFunction.RegexpSplitToTable:
                foreach (object? field in Functions.BuiltinFunctions.RegexSplit((string)values[0]!, (string)values[1]!, values.Length > 2 ? (string)values[2]! : "")) yield return field;
                yield break;
            case TableFunction.PartitionAncestors:
                // PostgreSQL lists nothing for a relation that is not a partition, and no Log relation is one.
                yield break;
            case TableFunction.StringToTable:
                foreach (object? field in Functions.BuiltinFunctions.StringToArray((string)values[0]!, (string)values[1]!, values.Length > 2 ? (string)values[2]! : null)!) yield return field;
                yield break;
            default:
                throw new SqlException(SqlState.FeatureNotSupported, $"function {functionName} in FROM is not supported");
        }
    }

    /// <summary>generate_series over numeric refuses NaN and the infinities for its start, stop and step.</summary>
    private static PgNumeric SeriesBound(PgNumeric value, string what) =>
        value.IsNaN ? throw new SqlException(SqlState.InvalidParameterValue, $"{what} cannot be NaN")
        : value.IsInfinity ? throw new SqlException(SqlState.InvalidParameterValue, $"{what} cannot be infinity")
        : value;
}
