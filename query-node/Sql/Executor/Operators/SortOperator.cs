using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Plan;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>Reads its whole input and emits it sorted (stable: ties keep their input order). Under a LIMIT
/// (<paramref name="limit"/>, with <paramref name="offset"/>) whose rows, offset included, are few
/// (<see cref="SqlLimits.TopNSortRowsMax"/>), only that many rows are kept, in a bounded heap, as PostgreSQL's top-N
/// heapsort does: the rest are compared once and dropped, and the memory held is the limit's, not the input's. A full
/// sort holds its rows in <see cref="RowColumns"/> and orders them by <see cref="SortOrder"/>; a row array is built
/// again for each row it hands out, when its batch is read.</summary>
internal sealed class SortOperator(PhysicalOperator input, IReadOnlyList<SortKey> keys, BoundExpression? limit = null, BoundExpression? offset = null)
    : PhysicalOperator
{
    /// <summary>What the sort keeps per row beside its values: its number in the order and its sort entry.</summary>
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
                object?[][] sorted = heap.Sorted();
                for (int first = 0; first < sorted.Length; first += SqlLimits.OperatorBatchRowsMax)
                {
                    yield return new ArraySegment<object?[]>(sorted, first, Math.Min(SqlLimits.OperatorBatchRowsMax, sorted.Length - first));
                }
                yield break;
            }
            // Every row is kept until the end, so the rows are copied into columns (their values unboxed) and dropped:
            // what survives the garbage collector's young generation is a few arrays, not each row and value.
            RowColumns? rows = null;
            await foreach (IReadOnlyList<object?[]> batch in input.ExecuteBatchesAsync(context))
            {
                long size = 0;
                for (int index = 0; index < batch.Count; index++)
                {
                    object?[] row = batch[index];
                    rows ??= new RowColumns(row.Length);
                    size += rows.Add(row) + RowSlotBytes;
                }
                context.Memory.Reserve(size, Name);
                reserved += size;
            }
            context.CancellationToken.ThrowIfCancellationRequested();
            if (rows is null) yield break;
            int[] order = SortOrder.Of(rows, keys);
            for (int first = 0; first < order.Length; first += SqlLimits.OperatorBatchRowsMax)
            {
                yield return rows.Batch(order, first, Math.Min(SqlLimits.OperatorBatchRowsMax, order.Length - first));
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

    /// <summary>Rows in the order of the keys (stable), the rows themselves in a new array.</summary>
    public static object?[][] Sort(List<object?[]> rows, IReadOnlyList<SortKey> keys)
    {
        if (rows.Count == 0) return [];
        var columns = new RowColumns(rows[0].Length);
        foreach (object?[] row in rows) columns.Add(row);
        int[] order = SortOrder.Of(columns, keys);
        var sorted = new object?[order.Length][];
        for (int index = 0; index < sorted.Length; index++) sorted[index] = rows[order[index]];
        return sorted;
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
