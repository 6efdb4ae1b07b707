using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>
/// Window functions over one window (PostgreSQL's WindowAgg): reads its whole input, sorts it by the partition keys
/// then the window's ordering (stable), and emits each row followed by one value per function, in that order.
/// Ranking and offset functions look at the partition; value functions and aggregates at the row's frame. An
/// aggregate's state moves with the frame: rows are added as the frame's end advances and, where the aggregate has
/// an inverse (count, integer and numeric sum/avg), removed as its start advances; otherwise a frame whose start
/// moved is recomputed (as PostgreSQL does without moving-aggregate support). A frame equal to the previous row's
/// reuses its value, so the whole-partition and running cases cost one pass.
/// </summary>
internal sealed class WindowOperator(PhysicalOperator input, BoundWindow window, IReadOnlyList<BoundWindowFunction> functions) : PhysicalOperator
{
    private const string NullValueNotAllowed = "22004";
    private const string InvalidPrecedingOrFollowingSize = "22013";
    private const string InvalidArgumentForNtile = "22014";
    private const string InvalidArgumentForNthValue = "22016";

    public BoundWindow Window { get; } = window;

    public IReadOnlyList<BoundWindowFunction> Functions { get; } = functions;

    private IReadOnlyList<BoundSubquery> Subqueries => field ??= Expressions(Window, Functions).SelectMany(SubqueryFinder.Find).ToArray();

    public override string Name => "WindowAgg";

    public override IReadOnlyList<PhysicalOperator> Children => [input];

    /// <summary>Every expression the node evaluates against its input rows (for planning the subqueries they hold).</summary>
    public static IEnumerable<BoundExpression> Expressions(BoundWindow window, IReadOnlyList<BoundWindowFunction> functions)
    {
        foreach (BoundExpression key in window.PartitionBy) yield return key;
        foreach (BoundSortItem item in window.OrderBy) yield return item.Expression;
        if (window.Frame.StartOffset is not null) yield return window.Frame.StartOffset;
        if (window.Frame.EndOffset is not null) yield return window.Frame.EndOffset;
        foreach (BoundWindowFunction function in functions)
        {
            foreach (BoundExpression argument in function.Arguments) yield return argument;
            if (function.Aggregate is not { } aggregate) continue;
            foreach (BoundExpression argument in aggregate.Arguments) yield return argument;
            if (aggregate.Filter is not null) yield return aggregate.Filter;
        }
    }

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        var rows = new List<object?[]>();
        var keys = new List<object?[]>();
        var arguments = new List<object?[]>[Functions.Count];
        for (int index = 0; index < arguments.Length; index++) arguments[index] = [];
        int partitionCount = Window.PartitionBy.Count;
        await foreach (object?[] row in input.ExecuteAsync(context))
        {
            if (Subqueries.Count > 0) await SubqueryRunner.PrepareAsync(Subqueries, row, context);
            var key = new object?[partitionCount + Window.OrderBy.Count];
            for (int index = 0; index < partitionCount; index++) key[index] = ExpressionEvaluator.Evaluate(Window.PartitionBy[index], row, context);
            for (int index = 0; index < Window.OrderBy.Count; index++)
            {
                key[partitionCount + index] = ExpressionEvaluator.Evaluate(Window.OrderBy[index].Expression, row, context);
            }
            for (int index = 0; index < Functions.Count; index++) arguments[index].Add(EvaluateArguments(Functions[index], row, context)!);
            rows.Add(row);
            keys.Add(key);
        }
        context.CancellationToken.ThrowIfCancellationRequested();

        int[] order = SortOrder(keys);
        var results = new object?[Functions.Count][];
        for (int index = 0; index < results.Length; index++) results[index] = new object?[rows.Count];
        var frame = new FrameOffsets(Window.Frame, context);
        if (rows.Count > 0) await frame.ComputeAsync();
        int start = 0;
        while (start < order.Length)
        {
            int end = start + 1;
            while (end < order.Length && SamePartition(keys[order[start]], keys[order[end]])) end++;
            var partition = new Partition(this, order, start, end, keys, frame);
            for (int index = 0; index < Functions.Count; index++) partition.Compute(Functions[index], arguments[index], results[index]);
            start = end;
            context.CancellationToken.ThrowIfCancellationRequested();
        }

        foreach (int rowIndex in order)
        {
            object?[] row = rows[rowIndex];
            var output = new object?[row.Length + Functions.Count];
            row.CopyTo(output, 0);
            for (int index = 0; index < Functions.Count; index++) output[row.Length + index] = results[index][rowIndex];
            yield return output;
        }
    }

    /// <summary>A function's inputs from a row: an aggregate's (null when its FILTER rejects the row), else its arguments.</summary>
    private static object?[]? EvaluateArguments(BoundWindowFunction function, object?[] row, ExecutionContext context)
    {
        if (function.Aggregate is { } aggregate) return Aggregator.EvaluateInput(aggregate, row, context);
        if (function.Arguments.Count == 0) return [];
        var values = new object?[function.Arguments.Count];
        for (int index = 0; index < values.Length; index++) values[index] = ExpressionEvaluator.Evaluate(function.Arguments[index], row, context);
        return values;
    }

    /// <summary>The rows' order: partition keys ascending (NULLs last), then the window's ordering; ties keep input order.</summary>
    private int[] SortOrder(List<object?[]> keys)
    {
        int partitionCount = Window.PartitionBy.Count;
        var items = new BoundSortItem[partitionCount + Window.OrderBy.Count];
        PartitionItems.CopyTo(items, 0);
        for (int index = 0; index < Window.OrderBy.Count; index++) items[partitionCount + index] = Window.OrderBy[index];
        var order = new int[keys.Count];
        for (int index = 0; index < order.Length; index++) order[index] = index;
        if (items.Length == 0) return order;
        Array.Sort(order, (left, right) =>
        {
            object?[] a = keys[left];
            object?[] b = keys[right];
            for (int index = 0; index < items.Length; index++)
            {
                int compared = AggregateState.CompareForSort(a[index], b[index], items[index]);
                if (compared != 0) return compared;
            }
            return left.CompareTo(right);
        });
        return order;
    }

    private bool SamePartition(object?[] left, object?[] right)
    {
        BoundSortItem[] items = PartitionItems;
        for (int index = 0; index < items.Length; index++)
        {
            if (AggregateState.CompareForSort(left[index], right[index], items[index]) != 0) return false;
        }
        return true;
    }

    /// <summary>The partition keys as ascending, NULLS LAST ordering items.</summary>
    private BoundSortItem[] PartitionItems => field ??= Window.PartitionBy.Select(key => new BoundSortItem(key, false, false)).ToArray();

    private bool Peers(object?[] left, object?[] right)
    {
        int partitionCount = Window.PartitionBy.Count;
        for (int index = 0; index < Window.OrderBy.Count; index++)
        {
            if (AggregateState.CompareForSort(left[partitionCount + index], right[partitionCount + index], Window.OrderBy[index]) != 0) return false;
        }
        return true;
    }

    /// <summary>The frame's offsets, computed once (when there are rows) and checked as PostgreSQL checks them.</summary>
    private sealed class FrameOffsets(BoundWindowFrame frame, ExecutionContext context)
    {
        public ExecutionContext Context => context;

        public object? Start { get; private set; }
        public object? End { get; private set; }

        public async ValueTask ComputeAsync()
        {
            Start = await EvaluateAsync(frame.StartOffset, "starting");
            End = await EvaluateAsync(frame.EndOffset, "ending");
        }

        private async ValueTask<object?> EvaluateAsync(BoundExpression? offset, string which)
        {
            if (offset is null) return null;
            object? value = await new CompiledExpression(offset).EvaluateAsync([], context);
            if (value is null) throw new SqlException(NullValueNotAllowed, $"frame {which} offset must not be null");
            bool negative = value switch
            {
                long l => l < 0,
                Log.Wire.Types.PgNumeric n => n.Sign < 0 || n.IsNaN,
                double d => d < 0 || double.IsNaN(d),
                _ => false,
            };
            if (negative)
            {
                throw new SqlException(InvalidPrecedingOrFollowingSize,
                    frame.Mode == WindowFrameMode.Range ? "invalid preceding or following size in window function" : $"frame {which} offset must not be negative");
            }
            return value;
        }
    }

    /// <summary>One partition: positions [Start, End) of the sorted order, its peer groups, and the frame of each row.</summary>
    private sealed class Partition
    {
        private readonly WindowOperator _owner;
        private readonly int[] _order;
        private readonly int _first;
        private readonly int _count;
        private readonly List<object?[]> _keys;
        private readonly FrameOffsets _offsets;

        /// <summary>Per row (partition-relative): its peer group's number, and each group's first row and end.</summary>
        private readonly int[] _group;
        private readonly List<int> _groupStart = [];
        private readonly List<int> _groupEnd = [];

        public Partition(WindowOperator owner, int[] order, int first, int end, List<object?[]> keys, FrameOffsets offsets)
        {
            _owner = owner;
            _order = order;
            _first = first;
            _count = end - first;
            _keys = keys;
            _offsets = offsets;
            _group = new int[_count];
            for (int row = 0; row < _count; row++)
            {
                if (row == 0 || !owner.Peers(KeyOf(row - 1), KeyOf(row)))
                {
                    if (row > 0) _groupEnd.Add(row);
                    _groupStart.Add(row);
                }
                _group[row] = _groupStart.Count - 1;
            }
            _groupEnd.Add(_count);
        }

        private object?[] KeyOf(int row) => _keys[_order[_first + row]];

        /// <summary>The input index of the partition's row.</summary>
        private int InputIndex(int row) => _order[_first + row];

        public void Compute(BoundWindowFunction function, List<object?[]> arguments, object?[] results)
        {
            switch (function.Kind)
            {
                case WindowFunctionKind.Aggregate:
                    ComputeAggregate(function.Aggregate!, arguments, results);
                    return;
                case WindowFunctionKind.Ntile:
                    ComputeNtile(arguments, results);
                    return;
            }
            for (int row = 0; row < _count; row++)
            {
                int group = _group[row];
                long rank = _groupStart[group] + 1;
                object?[] values = arguments[InputIndex(row)];
                results[InputIndex(row)] = function.Kind switch
                {
                    WindowFunctionKind.RowNumber => (long)(row + 1),
                    WindowFunctionKind.Rank => rank,
                    WindowFunctionKind.DenseRank => (long)(group + 1),
                    WindowFunctionKind.PercentRank => _count == 1 ? 0.0 : (rank - 1) / (double)(_count - 1),
                    WindowFunctionKind.CumeDist => _groupEnd[group] / (double)_count,
                    WindowFunctionKind.Lag or WindowFunctionKind.Lead => Offset(function.Kind, row, values, arguments),
                    _ => FrameValue(function.Kind, row, values, arguments),
                };
            }
        }

        private object? Offset(WindowFunctionKind kind, int row, object?[] values, List<object?[]> arguments)
        {
            if (values[1] is not int offset) return null;
            long target = kind == WindowFunctionKind.Lag ? (long)row - offset : (long)row + offset;
            return target >= 0 && target < _count ? arguments[InputIndex((int)target)][0] : values[2];
        }

        private object? FrameValue(WindowFunctionKind kind, int row, object?[] values, List<object?[]> arguments)
        {
            long wanted;
            if (kind == WindowFunctionKind.NthValue)
            {
                if (values[1] is not int nth) return null;
                if (nth <= 0) throw new SqlException(InvalidArgumentForNthValue, "argument of nth_value must be greater than zero");
                wanted = nth;
            }
            else
            {
                wanted = 1;
            }
            List<(int Start, int End)> segments = Segments(row);
            if (kind == WindowFunctionKind.LastValue)
            {
                for (int index = segments.Count - 1; index >= 0; index--)
                {
                    if (segments[index].End > segments[index].Start) return arguments[InputIndex(segments[index].End - 1)][0];
                }
                return null;
            }
            foreach ((int start, int end) in segments)
            {
                if (wanted <= end - start) return arguments[InputIndex(start + (int)wanted - 1)][0];
                wanted -= end - start;
            }
            return null;
        }

        /// <summary>ntile(n): PostgreSQL's bucket arithmetic (the first count % n buckets get one row more); n is read
        /// at the partition's first row.</summary>
        private void ComputeNtile(List<object?[]> arguments, object?[] results)
        {
            if (arguments[InputIndex(0)][0] is not int buckets)
            {
                for (int row = 0; row < _count; row++) results[InputIndex(row)] = null;
                return;
            }
            if (buckets <= 0) throw new SqlException(InvalidArgumentForNtile, "argument of ntile must be greater than zero");
            long boundary = _count / buckets;
            long remainder = 0;
            if (boundary <= 0)
            {
                boundary = 1;
            }
            else
            {
                remainder = _count % buckets;
                if (remainder != 0) boundary++;
            }
            int bucket = 1;
            long rowsInBucket = 0;
            for (int row = 0; row < _count; row++)
            {
                rowsInBucket++;
                if (boundary < rowsInBucket)
                {
                    if (remainder != 0 && bucket == remainder)
                    {
                        remainder = 0;
                        boundary--;
                    }
                    bucket++;
                    rowsInBucket = 1;
                }
                results[InputIndex(row)] = bucket;
            }
        }

        private void ComputeAggregate(BoundAggregate aggregate, List<object?[]> inputs, object?[] results)
        {
            var state = new AggregateState(aggregate, _offsets.Context.Statement.Statement.DateTimeSettings);
            bool excludes = _owner.Window.Frame.Exclusion != WindowFrameExclusion.NoOthers;
            int stateStart = 0;
            int stateEnd = 0;
            bool valid = false;
            object? result = null;
            for (int row = 0; row < _count; row++)
            {
                (int start, int end) = Frame(row);
                if (excludes)
                {
                    state.Reset();
                    foreach ((int segmentStart, int segmentEnd) in Segments(row))
                    {
                        for (int index = segmentStart; index < segmentEnd; index++) AddInput(state, inputs, index);
                    }
                    results[InputIndex(row)] = state.Result();
                    continue;
                }
                if (valid && start == stateStart && end == stateEnd)
                {
                    results[InputIndex(row)] = result;
                    continue;
                }
                bool incremental = valid && start >= stateStart && end >= stateEnd && (start == stateStart || stateStart == stateEnd || state.CanRemove);
                if (!incremental)
                {
                    state.Reset();
                    stateStart = stateEnd = start;
                }
                for (int index = stateStart; index < Math.Min(start, stateEnd); index++)
                {
                    if (inputs[InputIndex(index)] is { } leaving && !state.TryRemove(leaving))
                    {
                        state.Reset();
                        stateEnd = start;
                        break;
                    }
                }
                if (stateEnd < start) stateEnd = start;
                stateStart = start;
                for (int index = stateEnd; index < end; index++) AddInput(state, inputs, index);
                stateEnd = Math.Max(stateEnd, end);
                valid = true;
                result = state.Result();
                results[InputIndex(row)] = result;
            }
        }

        private void AddInput(AggregateState state, List<object?[]> inputs, int row)
        {
            if (inputs[InputIndex(row)] is { } value) state.Add(value);
        }

        /// <summary>The frame's rows without the excluded ones, as up to three ranges of partition-relative rows.</summary>
        private List<(int Start, int End)> Segments(int row)
        {
            (int start, int end) = Frame(row);
            int groupStart = _groupStart[_group[row]];
            int groupEnd = _groupEnd[_group[row]];
            List<(int Start, int End)> segments = _owner.Window.Frame.Exclusion switch
            {
                WindowFrameExclusion.CurrentRow => [(start, Math.Min(end, row)), (Math.Max(start, row + 1), end)],
                WindowFrameExclusion.Group => [(start, Math.Min(end, groupStart)), (Math.Max(start, groupEnd), end)],
                WindowFrameExclusion.Ties => [(start, Math.Min(end, groupStart)), (Math.Max(start, row), Math.Min(end, row + 1)), (Math.Max(start, groupEnd), end)],
                _ => [(start, end)],
            };
            segments.RemoveAll(segment => segment.End <= segment.Start);
            return segments;
        }

        /// <summary>The row's frame as [start, end) of partition-relative rows (start == end when empty).</summary>
        private (int Start, int End) Frame(int row)
        {
            BoundWindowFrame frame = _owner.Window.Frame;
            int start = Bound(frame.Mode, frame.StartKind, _offsets.Start, row, isStart: true);
            int end = Bound(frame.Mode, frame.EndKind, _offsets.End, row, isStart: false);
            return (start, Math.Max(start, end));
        }

        private int Bound(WindowFrameMode mode, WindowFrameBoundKind kind, object? offset, int row, bool isStart)
        {
            int group = _group[row];
            switch (kind)
            {
                case WindowFrameBoundKind.UnboundedPreceding:
                    return 0;
                case WindowFrameBoundKind.UnboundedFollowing:
                    return _count;
                case WindowFrameBoundKind.CurrentRow:
                    if (mode == WindowFrameMode.Rows) return isStart ? row : row + 1;
                    return isStart ? _groupStart[group] : _groupEnd[group];
            }
            bool preceding = kind == WindowFrameBoundKind.Preceding;
            if (mode == WindowFrameMode.Rows)
            {
                long target = preceding ? row - (long)offset! : row + (long)offset!;
                if (!isStart) target++;
                return (int)Math.Clamp(target, 0, _count);
            }
            if (mode == WindowFrameMode.Groups)
            {
                long targetGroup = preceding ? group - (long)offset! : group + (long)offset!;
                if (targetGroup < 0) return 0;
                if (targetGroup >= _groupStart.Count) return _count;
                return isStart ? _groupStart[(int)targetGroup] : _groupEnd[(int)targetGroup];
            }
            return RangeBound(preceding, offset!, row, isStart);
        }

        /// <summary>RANGE offset bounds: the first row at or past (start) or beyond (end) the current value moved by the
        /// offset in the ordering's direction. A NULL current value has its NULL peers as the bound; NULL rows are
        /// out of reach of a non-NULL one.</summary>
        private int RangeBound(bool preceding, object offset, int row, bool isStart)
        {
            BoundSortItem item = _owner.Window.OrderBy[0];
            int column = _owner.Window.PartitionBy.Count;
            object? current = KeyOf(row)[column];
            object? target = current is null ? null : Move(current, offset, add: preceding == item.Descending);
            int low = 0;
            int high = _count;
            while (low < high)
            {
                int middle = (low + high) / 2;
                int compared = CompareRange(KeyOf(middle)[column], target, item);
                bool before = isStart ? compared < 0 : compared <= 0;
                if (before) low = middle + 1;
                else high = middle;
            }
            return low;
        }

        private static object Move(object value, object offset, bool add)
        {
            if (value is double number)
            {
                double by = Convert.ToDouble(offset, System.Globalization.CultureInfo.InvariantCulture);
                return add ? number + by : number - by;
            }
            Log.Wire.Types.PgNumeric exact = Types.NumericOperations.From(value);
            Log.Wire.Types.PgNumeric amount = Types.NumericOperations.From(offset);
            return add ? Types.NumericOperations.Add(exact, amount) : Types.NumericOperations.Add(exact, amount.Negate());
        }

        private static int CompareRange(object? value, object? target, BoundSortItem item)
        {
            if (value is null || target is null) return AggregateState.CompareForSort(value, target, item);
            int order = target is double bound
                ? ValueComparerFloat(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), bound)
                : Types.NumericOperations.From(value).CompareTo((Log.Wire.Types.PgNumeric)target);
            return item.Descending ? -order : order;
        }

        private static int ValueComparerFloat(double left, double right) => Types.ValueComparer.CompareFloat8(left, right);
    }
}
