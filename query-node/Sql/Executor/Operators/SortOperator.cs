using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>Reads its whole input and emits it sorted (stable: ties keep their input order). Under a LIMIT
/// (<paramref name="limit"/>, with <paramref name="offset"/>) whose rows, offset included, are few
/// (<see cref="SqlLimits.TopNSortRowsMax"/>), only that many rows are kept, in a bounded heap, as PostgreSQL's top-N
/// heapsort does: the rest are compared once and dropped, and the memory held is the limit's, not the input's.</summary>
internal sealed class SortOperator(PhysicalOperator input, IReadOnlyList<SortKey> keys, BoundExpression? limit = null, BoundExpression? offset = null)
    : PhysicalOperator
{
    /// <summary>What the sort keeps per row beside it: its slot in the list, the sorted array and the index array.</summary>
    private const int RowSlotBytes = 24;

    public override string Name => "Sort";

    /// <summary>For EXPLAIN.</summary>
    public IReadOnlyList<SortKey> Keys => keys;

    public override IReadOnlyList<PhysicalOperator> Children => [input];

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        await foreach (IReadOnlyList<object?[]> batch in ExecuteBatchesCoreAsync(context))
        {
            for (int index = 0; index < batch.Count; index++) yield return batch[index];
        }
    }

    /// <summary>The sorted rows in batches of <see cref="SqlLimits.OperatorBatchRowsMax"/>: a LIMIT with a large OFFSET
    /// (<see cref="LimitOperator"/>) passes over whole batches instead of taking every row it skips in its own step.</summary>
    protected override async IAsyncEnumerable<IReadOnlyList<object?[]>> ExecuteBatchesCoreAsync(ExecutionContext context)
    {
        long reserved = 0;
        try
        {
            object?[][] sorted;
            if (await TopNRowsAsync(context) is { } bound)
            {
                var heap = new TopNHeap(new RowComparer(keys), bound);
                await foreach (IReadOnlyList<object?[]> batch in input.ExecuteBatchesAsync(context))
                {
                    for (int index = 0; index < batch.Count; index++)
                    {
                        object?[] row = batch[index];
                        if (!heap.WouldKeep(row)) continue;
                        long size = QueryMemory.SizeOf(row) + RowSlotBytes;
                        context.Memory.Reserve(size, Name);
                        reserved += size;
                        if (heap.Add(row, out long droppedBytes)) continue;
                        context.Memory.Release(droppedBytes);
                        reserved -= droppedBytes;
                    }
                }
                context.CancellationToken.ThrowIfCancellationRequested();
                sorted = heap.Sorted();
            }
            else
            {
                var rows = new List<object?[]>();
                await foreach (IReadOnlyList<object?[]> batch in input.ExecuteBatchesAsync(context))
                {
                    long size = 0;
                    for (int index = 0; index < batch.Count; index++)
                    {
                        object?[] row = batch[index];
                        size += QueryMemory.SizeOf(row) + RowSlotBytes;
                        rows.Add(row);
                    }
                    context.Memory.Reserve(size, Name);
                    reserved += size;
                }
                context.CancellationToken.ThrowIfCancellationRequested();
                sorted = Sort(rows, keys);
            }
            for (int first = 0; first < sorted.Length; first += SqlLimits.OperatorBatchRowsMax)
            {
                yield return new ArraySegment<object?[]>(sorted, first, Math.Min(SqlLimits.OperatorBatchRowsMax, sorted.Length - first));
            }
        }
        finally
        {
            context.Memory.Release(reserved);
        }
    }

    /// <summary>OFFSET + LIMIT when the sort is under a LIMIT and that is at most <see cref="SqlLimits.TopNSortRowsMax"/>
    /// rows; null for a full sort. A negative or NULL count is left for the LIMIT above to refuse or ignore.</summary>
    private async ValueTask<long?> TopNRowsAsync(ExecutionContext context)
    {
        if (limit is null) return null;
        long? count = await LimitOperator.CountOfAsync(limit, context);
        long? skip = offset is null ? 0 : await LimitOperator.CountOfAsync(offset, context);
        if (count is not >= 0 || skip is not >= 0) return null;
        long rows = count.Value + skip.Value;
        return rows <= SqlLimits.TopNSortRowsMax ? rows : null;
    }

    public static object?[][] Sort(List<object?[]> rows, IReadOnlyList<SortKey> keys)
    {
        object?[][] array = rows.ToArray();
        if (keys.Count == 0) return SortGeneral(array, keys);
        SortKey leading = keys[0];
        object?[][]? sorted = leading.Type.Kind switch
        {
            _ when leading.Type.IsInteger => SortByLeadingOrderKey(array, keys, IntegerOrderKey),
            TypeKind.Float8 or TypeKind.Float4 => SortByLeadingOrderKey(array, keys, FloatOrderKey),
            TypeKind.Text or TypeKind.Varchar => SortByLeadingText(array, keys),
            _ => null,
        };
        return sorted ?? SortGeneral(array, keys);
    }

    /// <summary>Any keys: the rows' indexes sorted by a comparer the JIT specialises, each key compared as its type
    /// orders (<see cref="RowComparer"/>), ties by input position.</summary>
    private static object?[][] SortGeneral(object?[][] array, IReadOnlyList<SortKey> keys)
    {
        var indexes = new int[array.Length];
        for (int index = 0; index < indexes.Length; index++) indexes[index] = index;
        indexes.AsSpan().Sort(new StableRowComparer(array, new RowComparer(keys), firstKey: 0));
        var result = new object?[array.Length][];
        for (int index = 0; index < result.Length; index++) result[index] = array[indexes[index]];
        return result;
    }

    /// <summary>Orders row indexes by their rows from a key on, then by index (stable).</summary>
    private readonly struct StableRowComparer(object?[][] rows, RowComparer comparer, int firstKey) : IComparer<int>
    {
        public int Compare(int left, int right)
        {
            int order = comparer.Compare(rows[left], rows[right], firstKey);
            return order != 0 ? order : left.CompareTo(right);
        }
    }

    /// <summary>An integer's order key is itself; false when the value is not an integer after all.</summary>
    private static bool IntegerOrderKey(object value, out long key)
    {
        switch (value)
        {
            case int integer: key = integer; return true;
            case long integer: key = integer; return true;
            case short integer: key = integer; return true;
            default: key = 0; return false;
        }
    }

    /// <summary>A long that orders as PostgreSQL orders floats: -0 equal to 0, NaN above everything and equal to
    /// itself. The bits of a non-negative double grow with its value; those of a negative one grow with its magnitude,
    /// so their 63 low bits are flipped to make them grow with its value, below every non-negative one.</summary>
    private static bool FloatOrderKey(object value, out long key)
    {
        double number;
        switch (value)
        {
            case double d: number = d; break;
            case float f: number = f; break;
            default: key = 0; return false;
        }
        if (double.IsNaN(number))
        {
            key = long.MaxValue; // no number's bits reach it: 0x7FF0... is +Infinity
            return true;
        }
        long bits = BitConverter.DoubleToInt64Bits(number == 0 ? 0.0 : number);
        key = bits >= 0 ? bits : bits ^ long.MaxValue;
        return true;
    }

    private delegate bool OrderKeyOf(object value, out long key);

    /// <summary>The common ORDER BY a number column: each value becomes a long that orders as the value does, once,
    /// into an array of (key, row) entries sorted with a comparer the JIT specialises, instead of unboxing and
    /// dispatching on the type in every comparison. NULLs are set apart first (they sort together, before or after the
    /// rest). Null when a value is not of the expected type after all (the general sort then takes the rows).</summary>
    private static object?[][]? SortByLeadingOrderKey(object?[][] array, IReadOnlyList<SortKey> keys, OrderKeyOf orderKeyOf)
    {
        int ordinal = keys[0].Ordinal;
        var entries = new IntegerEntry[array.Length];
        var nulls = new List<int>();
        int count = 0;
        for (int index = 0; index < array.Length; index++)
        {
            if (array[index][ordinal] is not { } value) nulls.Add(index);
            else if (orderKeyOf(value, out long key)) entries[count++] = new IntegerEntry(key, index);
            else return null;
        }
        Span<IntegerEntry> sorted = entries.AsSpan(0, count);
        sorted.Sort(new LeadingIntegerComparer(array, keys));
        var result = new object?[array.Length][];
        int position = PlaceNulls(array, keys, nulls, result, beforeRest: true);
        foreach (IntegerEntry entry in sorted) result[position++] = array[entry.Index];
        PlaceNulls(array, keys, nulls, result, beforeRest: false);
        return result;
    }

    /// <summary>ORDER BY a text column: the strings are taken out of their rows once and compared in code point order
    /// (the "C" collation) by a comparer the JIT specialises. bpchar is left to the general sort (trailing blanks).</summary>
    private static object?[][]? SortByLeadingText(object?[][] array, IReadOnlyList<SortKey> keys)
    {
        int ordinal = keys[0].Ordinal;
        var entries = new TextEntry[array.Length];
        var nulls = new List<int>();
        int count = 0;
        for (int index = 0; index < array.Length; index++)
        {
            switch (array[index][ordinal])
            {
                case null: nulls.Add(index); break;
                case string text: entries[count++] = new TextEntry(text, index); break;
                default: return null;
            }
        }
        Span<TextEntry> sorted = entries.AsSpan(0, count);
        sorted.Sort(new LeadingTextComparer(array, keys));
        var result = new object?[array.Length][];
        int position = PlaceNulls(array, keys, nulls, result, beforeRest: true);
        foreach (TextEntry entry in sorted) result[position++] = array[entry.Index];
        PlaceNulls(array, keys, nulls, result, beforeRest: false);
        return result;
    }

    /// <summary>Puts the rows of a NULL leading key at the start (NULLS FIRST, when <paramref name="beforeRest"/>) or the
    /// end of <paramref name="result"/>, ordered by the remaining keys, then in input order; returns the next free
    /// position at the start.</summary>
    private static int PlaceNulls(object?[][] array, IReadOnlyList<SortKey> keys, List<int> nulls, object?[][] result, bool beforeRest)
    {
        if (keys[0].NullsFirst != beforeRest || nulls.Count == 0) return 0;
        nulls.Sort(new StableRowComparer(array, new RowComparer(keys), firstKey: 1));
        int position = beforeRest ? 0 : result.Length - nulls.Count;
        foreach (int index in nulls) result[position++] = array[index];
        return beforeRest ? nulls.Count : 0;
    }

    private readonly record struct TextEntry(string Value, int Index);

    private readonly struct LeadingTextComparer(object?[][] rows, IReadOnlyList<SortKey> keys) : IComparer<TextEntry>
    {
        private readonly bool _descending = keys[0].Descending;
        private readonly bool _moreKeys = keys.Count > 1;
        private readonly RowComparer? _rest = keys.Count > 1 ? new RowComparer(keys) : null;

        public int Compare(TextEntry left, TextEntry right)
        {
            int order = ValueComparer.CompareText(left.Value, right.Value);
            if (order != 0) return _descending ? -order : order;
            if (_moreKeys)
            {
                order = _rest!.Compare(rows[left.Index], rows[right.Index], firstKey: 1);
                if (order != 0) return order;
            }
            return left.Index.CompareTo(right.Index); // stable
        }
    }

    private readonly record struct IntegerEntry(long Value, int Index);

    private readonly struct LeadingIntegerComparer(object?[][] rows, IReadOnlyList<SortKey> keys) : IComparer<IntegerEntry>
    {
        private readonly bool _descending = keys[0].Descending;
        private readonly bool _moreKeys = keys.Count > 1;
        private readonly RowComparer? _rest = keys.Count > 1 ? new RowComparer(keys) : null;

        public int Compare(IntegerEntry left, IntegerEntry right)
        {
            int order = left.Value.CompareTo(right.Value);
            if (order != 0) return _descending ? -order : order;
            if (_moreKeys)
            {
                order = _rest!.Compare(rows[left.Index], rows[right.Index], firstKey: 1);
                if (order != 0) return order;
            }
            return left.Index.CompareTo(right.Index); // stable
        }
    }

    /// <summary>The first rows of the sort order, at most a bound, kept in a heap whose top is the last of them: a row
    /// that does not come before it is dropped at once, one that does replaces it. Rows are numbered as they arrive,
    /// and a tie goes to the earlier row, so the result is the stable sort's first rows.</summary>
    private sealed class TopNHeap
    {
        private readonly PriorityQueue<object?[], Entry> _heap;
        private readonly RowComparer _comparer;
        private readonly long _bound;
        private long _arrived;

        public TopNHeap(RowComparer comparer, long bound)
        {
            _comparer = comparer;
            _bound = bound;
            _heap = new PriorityQueue<object?[], Entry>((int)Math.Min(bound, SqlLimits.OperatorBatchRowsMax), new LastFirst(comparer));
        }

        private readonly record struct Entry(object?[] Row, long Position);

        /// <summary>Orders entries last of the sort order first, so the heap's top is the row the next one must beat.</summary>
        private sealed class LastFirst(RowComparer comparer) : IComparer<Entry>
        {
            public int Compare(Entry left, Entry right)
            {
                int order = comparer.Compare(left.Row, right.Row);
                return order != 0 ? -order : right.Position.CompareTo(left.Position);
            }
        }

        /// <summary>Whether the next row to arrive would be kept (it comes before the last kept one, or there is room).</summary>
        public bool WouldKeep(object?[] row)
        {
            if (_bound == 0) return false;
            if (_heap.Count < _bound) return true;
            _heap.TryPeek(out _, out Entry last);
            return _comparer.Compare(row, last.Row) < 0; // a tie keeps the earlier row
        }

        /// <summary>Keeps a row <see cref="WouldKeep"/> accepted; true when nothing was dropped, else false with the
        /// estimated size of the row dropped to make room.</summary>
        public bool Add(object?[] row, out long droppedBytes)
        {
            var entry = new Entry(row, _arrived++);
            droppedBytes = 0;
            if (_heap.Count < _bound)
            {
                _heap.Enqueue(row, entry);
                return true;
            }
            object?[] dropped = _heap.EnqueueDequeue(row, entry);
            droppedBytes = QueryMemory.SizeOf(dropped) + RowSlotBytes;
            return false;
        }

        /// <summary>The kept rows in sort order.</summary>
        public object?[][] Sorted()
        {
            var result = new object?[_heap.Count][];
            for (int index = result.Length - 1; index >= 0; index--) result[index] = _heap.Dequeue();
            return result;
        }
    }
}
