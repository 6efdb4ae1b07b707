using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>A set-returning function in FROM; its arguments are evaluated against the outer row (lateral).</summary>
internal sealed class FunctionScanOperator(TableFunction function, IReadOnlyList<BoundExpression> arguments, bool withOrdinality, string functionName) : PhysicalOperator
{
    private readonly CompiledExpression[] _arguments = arguments.Select(argument => new CompiledExpression(argument)).ToArray();

    public override string Name => "Function Scan";

    /// <summary>For EXPLAIN.</summary>
    public string FunctionName => functionName;

    /// <summary>The column definition list of a function returning record (jsonb_to_record); null for the others.</summary>
    public IReadOnlyList<(string Name, SqlType Type)>? RecordColumns { get; init; }

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        var values = new object?[_arguments.Length];
        for (int index = 0; index < values.Length; index++) values[index] = await _arguments[index].EvaluateAsync(context.OuterRow, context);
        long ordinality = 0;
        if (function == TableFunction.SequenceRelation)
        {
            yield return await SequenceRowAsync((long)values[0]!, context);
            yield break;
        }
        IEnumerable<object?[]> rows = RecordColumns is { } columns
            ? JsonRecordFunctions.Rows(function, values[0], columns, functionName, context.Statement.Statement.DateTimeSettings)
            : Rows(function, values, functionName, context.Statement.Statement.DateTimeSettings);
        foreach (object?[] row in rows)
        {
            if ((ordinality & 1023) == 0) context.CancellationToken.ThrowIfCancellationRequested();
            ordinality++;
            yield return withOrdinality ? [.. row, ordinality] : row;
        }
    }

    /// <summary>The rows a set-returning function gives for its argument values (one value each for a function of one
    /// column), lazily. Shared with the select list's <see cref="ProjectSetOperator"/>.</summary>
    public static IEnumerable<object?[]> Rows(TableFunction function, object?[] values, string functionName, Types.DateTimeSettings settings)
    {
        if (function == TableFunction.UnnestSeveral) return UnnestSeveral(values);
        if (function == TableFunction.Keywords)
        {
            return Parser.KeywordList.All.Select(keyword => new object?[]
            {
                keyword.Word, keyword.Category.ToString(), keyword.BareLabel, keyword.CategoryDescription, keyword.BareLabelDescription,
            });
        }
        if (function == TableFunction.ExpandArray) return ExpandArray(values[0]);
        if (values.Any(value => value is null)) return [];
        if (JsonTableFunctions.Handles(function))
        {
            return function == TableFunction.JsonPathQuery
                ? JsonTableFunctions.QueryPath(values[0]!, values[1]!)
                : JsonTableFunctions.Generate(function, values[0]!, functionName);
        }
        return Generate(function, values, functionName, settings).Select(value => new[] { value });
    }

    /// <summary>information_schema._pg_expandarray(array): each element with its position from 1, (x, n).</summary>
    private static IEnumerable<object?[]> ExpandArray(object? value)
    {
        if (value is not PgArray array) yield break;
        int position = 0;
        foreach (object? element in array) yield return [element, ++position];
    }

    /// <summary>unnest(a, b, ...): row n holds each array's element n, NULL past an array's end (a NULL array is empty).</summary>
    private static IEnumerable<object?[]> UnnestSeveral(object?[] arrays)
    {
        int length = arrays.Max(array => array is PgArray elements ? elements.Count : 0);
        for (int index = 0; index < length; index++)
        {
            var row = new object?[arrays.Length];
            for (int column = 0; column < row.Length; column++)
            {
                row[column] = arrays[column] is PgArray elements && index < elements.Count ? elements[index] : null;
            }
            yield return row;
        }
    }

    private static IEnumerable<object?> Generate(TableFunction function, object?[] values, string functionName, Types.DateTimeSettings settings)
    {
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
            case TableFunction.RegexpSplitToTable:
                foreach (object? field in Functions.BuiltinFunctions.RegexSplit((string)values[0]!, (string)values[1]!, values.Length > 2 ? (string)values[2]! : "")) yield return field;
                yield break;
            case TableFunction.PartitionAncestors:
                // PostgreSQL lists nothing for a relation that is not a partition, and no Log relation is one.
                yield break;
            case TableFunction.RegexpMatches:
                foreach (PgArray match in Functions.BuiltinFunctions.RegexMatches((string)values[0]!, (string)values[1]!, values.Length > 2 ? (string)values[2]! : "")) yield return match;
                yield break;
            case TableFunction.GenerateSubscripts:
            {
                var array = (PgArray)values[0]!;
                int dimension = (int)values[1]!;
                if (dimension < 1 || dimension > array.Dimensions) yield break;
                int lower = array.LowerBounds[dimension - 1];
                int upper = lower + array.Lengths[dimension - 1] - 1;
                bool reverse = values.Length > 2 && (bool)values[2]!;
                for (int index = 0; index <= upper - lower; index++) yield return reverse ? upper - index : lower + index;
                yield break;
            }
            case TableFunction.StringToTable:
                foreach (object? field in Functions.BuiltinFunctions.StringToArray((string)values[0]!, (string)values[1]!, values.Length > 2 ? (string)values[2]! : null)!) yield return field;
                yield break;
            default:
                throw new SqlException(SqlState.FeatureNotSupported, $"function {functionName} in FROM is not supported");
        }
    }

    /// <summary>A sequence's one row as a relation: its state as this transaction sees it. log_cnt counts the values
    /// PostgreSQL has written ahead to its WAL; Log writes none ahead (each block of values is its own commit), so 0.</summary>
    private async ValueTask<object?[]> SequenceRowAsync(long sequenceId, ExecutionContext context)
    {
        byte[]? state = await context.Store.GetAsync(Catalog.CatalogKeys.SequenceState(sequenceId), context.CancellationToken);
        if (state is null) throw new SqlException(SqlState.UndefinedTable, $"relation \"{functionName}\" does not exist");
        Catalog.SequenceState decoded = Catalog.SequenceCodec.DecodeState(state);
        return [decoded.LastValue, 0L, decoded.IsCalled];
    }

    /// <summary>generate_series over numeric refuses NaN and the infinities for its start, stop and step.</summary>
    private static PgNumeric SeriesBound(PgNumeric value, string what) =>
        value.IsNaN ? throw new SqlException(SqlState.InvalidParameterValue, $"{what} cannot be NaN")
        : value.IsInfinity ? throw new SqlException(SqlState.InvalidParameterValue, $"{what} cannot be infinity")
        : value;
}
