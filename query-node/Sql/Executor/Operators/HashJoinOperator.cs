using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>
/// An equi-join: one side is read into a hash table on its key expressions (the right side, unless it is large and
/// the left side turns out smaller: see BufferedSides), then each row of the other side probes it with its own. A NULL
/// key matches nothing, as SQL's = says. Residual is the rest of the join condition, checked on each
/// pair. Left, right and full joins NULL-extend the rows without a match.
/// </summary>
internal sealed class HashJoinOperator(JoinType kind, PhysicalOperator left, PhysicalOperator right, int leftWidth, int rightWidth,
    IReadOnlyList<BoundExpression> leftKeys, IReadOnlyList<BoundExpression> rightKeys, BoundExpression? residual) : PhysicalOperator
{
    private readonly CompiledExpression? _residual = residual is null ? null : new CompiledExpression(residual);

    public override string Name => "Hash Join";

    /// <summary>For EXPLAIN.</summary>
    public JoinType Kind => kind;

    /// <summary>For EXPLAIN: the width of the left row, where the right row's columns start.</summary>
    public int LeftWidth => leftWidth;

    /// <summary>For EXPLAIN.</summary>
    public IReadOnlyList<BoundExpression> LeftKeys => leftKeys;

    /// <summary>For EXPLAIN: over the right row.</summary>
    public IReadOnlyList<BoundExpression> RightKeys => rightKeys;

    /// <summary>For EXPLAIN.</summary>
    public BoundExpression? Residual => residual;

    public override IReadOnlyList<PhysicalOperator> Children => [left, right];

    /// <summary>By ordinal, the columns of the joined row that anything above reads, the residual's included (set once,
    /// by <see cref="ScanColumns"/>, before any run); null for all.</summary>
    private int[]? _readColumns;

    /// <summary>Only these columns of a joined row are read above (and by the residual): a visiting join copies only
    /// them into its reused row. The batches' rows stay whole.</summary>
    public void ReadOnly(IEnumerable<int> ordinals) => _readColumns = [.. ordinals.Order()];

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        await foreach (IReadOnlyList<object?[]> batch in ExecuteBatchesCoreAsync(context))
        {
            foreach (object?[] row in batch) yield return row;
        }
    }

    /// <summary>The joined rows of each batch of probing rows, in batches of at most
    /// <see cref="SqlLimits.OperatorBatchRowsMax"/> rows (however many rows of the table one probe matches).</summary>
    protected override IAsyncEnumerable<IReadOnlyList<object?[]>> ExecuteBatchesCoreAsync(ExecutionContext context) => JoinAsync(context, consumer: null);

    /// <summary>
    /// Hands each joined row to <paramref name="consumer"/> instead of returning it, for a consumer that reads a row's
    /// values while it has it and keeps no row array (an aggregate): a match is joined into one array reused for every
    /// match, where the batches allocate an array for each (with a million matches, most of what the join allocated).
    /// </summary>
    public async ValueTask<bool> TryVisitRowsAsync(ExecutionContext context, Action<object?[]> consumer)
    {
        await foreach (IReadOnlyList<object?[]> _ in JoinAsync(context, consumer)) throw new InvalidOperationException("a visiting join returned a batch");
        return true;
    }

    /// <summary>The join: its rows in batches, or each to <paramref name="consumer"/> when one is given (then no batch).</summary>
    private async IAsyncEnumerable<IReadOnlyList<object?[]>> JoinAsync(ExecutionContext context, Action<object?[]>? consumer)
    {
        var buffered = new BufferedSides(context, Name);
        try
        {
            await using IAsyncEnumerator<IReadOnlyList<object?[]>> rightInput = right.ExecuteBatchesAsync(context).GetAsyncEnumerator(context.CancellationToken);
            IAsyncEnumerator<IReadOnlyList<object?[]>>? leftInput = null;
            try
            {
                // The right side is the hash table unless it is large and the left side ends first (see BufferedSides).
                bool buildIsLeft = await buffered.ReadAsync(rightInput, () => leftInput ??= left.ExecuteBatchesAsync(context).GetAsyncEnumerator(context.CancellationToken));
                List<object?[]> buildRows = buildIsLeft ? buffered.Left : buffered.Right;
                List<object?[]> probeRows = buildIsLeft ? buffered.Right : buffered.Left;
                IAsyncEnumerator<IReadOnlyList<object?[]>>? probeRest = buildIsLeft ? rightInput : leftInput;
                bool probePreserved = buildIsLeft ? kind is JoinType.Right or JoinType.Full : kind is JoinType.Left or JoinType.Full;
                bool buildPreserved = buildIsLeft ? kind is JoinType.Left or JoinType.Full : kind is JoinType.Right or JoinType.Full;
                // With no rows to match, a join that keeps no probing row has none to give: the probing side is not
                // read at all, as PostgreSQL's hash join skips its outer plan (a correlated subquery joining a catalog
                // runs once per outer row).
                if (buildRows.Count == 0 && !probePreserved) yield break;
                probeRest ??= left.ExecuteBatchesAsync(context).GetAsyncEnumerator(context.CancellationToken);
                if (!buildIsLeft) leftInput = probeRest;
                bool integerKey = leftKeys.Count == 1 && leftKeys[0].Type.IsInteger && rightKeys[0].Type.IsInteger;
                var table = new JoinTable(buildRows, buildIsLeft ? leftKeys : rightKeys, integerKey, context);
                IReadOnlyList<BoundExpression> probeKeys = buildIsLeft ? rightKeys : leftKeys;
                bool[]? buildMatched = buildPreserved ? new bool[buildRows.Count] : null;
                var output = new List<object?[]>();
                int[] firstMatches = [];
                object?[]? reused = consumer is null ? null : new object?[leftWidth + rightWidth];
                await foreach (IReadOnlyList<object?[]> probeBatch in ProbeBatchesAsync(probeRows, probeRest))
                {
                    if (firstMatches.Length < probeBatch.Count) firstMatches = new int[Math.Max(probeBatch.Count, SqlLimits.OperatorBatchRowsMax)];
                    table.FirstMatches(probeKeys, probeBatch, firstMatches);
                    for (int probe = 0; probe < probeBatch.Count; probe++)
                    {
                        object?[] probeRow = probeBatch[probe];
                        bool matched = false;
                        for (int index = firstMatches[probe]; index >= 0; index = table.Next(index))
                        {
                            object?[] joined = reused is not null ? reused = Join(reused, buildRows[index], probeRow, buildIsLeft, _readColumns)
                                : buildIsLeft ? NestedLoopJoinOperator.Concatenate(buildRows[index], probeRow)
                                : NestedLoopJoinOperator.Concatenate(probeRow, buildRows[index]);
                            if (_residual is not null && await _residual.EvaluateAsync(joined, context) is not true) continue;
                            matched = true;
                            if (buildMatched is not null) buildMatched[index] = true;
                            if (consumer is not null)
                            {
                                consumer(joined);
                                continue;
                            }
                            output.Add(joined);
                            if (output.Count < SqlLimits.OperatorBatchRowsMax) continue;
                            yield return output;
                            output = [];
                        }
                        if (!matched && probePreserved)
                        {
                            output.Add(buildIsLeft ? NestedLoopJoinOperator.Concatenate(new object?[leftWidth], probeRow)
                                : NestedLoopJoinOperator.Concatenate(probeRow, new object?[rightWidth]));
                        }
                        if (consumer is not null) Hand(output, consumer);
                    }
                    if (output.Count > 0)
                    {
                        yield return output;
                        output = [];
                    }
                }
                if (buildMatched is not null)
                {
                    for (int index = 0; index < buildMatched.Length; index++)
                    {
                        if (buildMatched[index]) continue;
                        output.Add(buildIsLeft ? NestedLoopJoinOperator.Concatenate(buildRows[index], new object?[rightWidth])
                            : NestedLoopJoinOperator.Concatenate(new object?[leftWidth], buildRows[index]));
                        if (consumer is not null) Hand(output, consumer);
                        if (output.Count < SqlLimits.OperatorBatchRowsMax) continue;
                        yield return output;
                        output = [];
                    }
                    if (output.Count > 0) yield return output;
                }
            }
            finally
            {
                if (leftInput is not null) await leftInput.DisposeAsync();
            }
        }
        finally
        {
            buffered.Release();
        }
    }

    /// <summary>Hands the rows gathered to the consumer and forgets them (a visiting join's NULL-extended rows).</summary>
    private static void Hand(List<object?[]> rows, Action<object?[]> consumer)
    {
        foreach (object?[] row in rows) consumer(row);
        rows.Clear();
    }

    /// <summary>A build row and a probing row joined into <paramref name="joined"/> (or a new array, when the rows'
    /// widths are not its own), in the join's column order: only the columns read above when they are known (the
    /// others stay NULL), so a match costs a copy of the two or three values an aggregate reads, not of both rows.</summary>
    private static object?[] Join(object?[] joined, object?[] buildRow, object?[] probeRow, bool buildIsLeft, int[]? readColumns)
    {
        (object?[] leftRow, object?[] rightRow) = buildIsLeft ? (buildRow, probeRow) : (probeRow, buildRow);
        if (joined.Length != leftRow.Length + rightRow.Length) joined = new object?[leftRow.Length + rightRow.Length];
        if (readColumns is not null && (readColumns.Length == 0 || readColumns[^1] < joined.Length))
        {
            int leftLength = leftRow.Length;
            foreach (int ordinal in readColumns) joined[ordinal] = ordinal < leftLength ? leftRow[ordinal] : rightRow[ordinal - leftLength];
            return joined;
        }
        leftRow.AsSpan().CopyTo(joined);
        rightRow.AsSpan().CopyTo(joined.AsSpan(leftRow.Length));
        return joined;
    }

    /// <summary>The probing side: the rows read while the sides were compared, then the rest of its run.</summary>
    private static async IAsyncEnumerable<IReadOnlyList<object?[]>> ProbeBatchesAsync(List<object?[]> read, IAsyncEnumerator<IReadOnlyList<object?[]>> rest)
    {
        for (int start = 0; start < read.Count; start += SqlLimits.OperatorBatchRowsMax)
        {
            yield return read.GetRange(start, Math.Min(SqlLimits.OperatorBatchRowsMax, read.Count - start));
        }
        read.Clear();
        while (await rest.MoveNextAsync()) yield return rest.Current;
    }

    /// <summary>
    /// The rows read before the join knows which side to hash. The right side is read first, and when it ends within
    /// <see cref="SqlLimits.HashJoinBuildRowsBeforeChoice"/> rows it is the hash table, the left side not read yet (the
    /// common case: the planner puts the scanned table to look up on the right). Past that the planner, which has no
    /// statistics, may have put the larger side there, so the two sides are read in turn, the left one never more than
    /// a batch ahead of the right one, and the side that ends first is hashed: the join holds at most about twice the
    /// smaller side, instead of the whole larger one (a million-row table joined to a smaller one would otherwise pass
    /// the query's memory limit). Every row held counts against that limit.
    /// </summary>
    private sealed class BufferedSides(ExecutionContext context, string name)
    {
        public List<object?[]> Left { get; } = [];

        public List<object?[]> Right { get; } = [];

        private long _reserved;

        /// <summary>Reads until one side has ended; true when it is the left one.</summary>
        public async ValueTask<bool> ReadAsync(IAsyncEnumerator<IReadOnlyList<object?[]>> rightInput, Func<IAsyncEnumerator<IReadOnlyList<object?[]>>> openLeft)
        {
            while (Right.Count <= SqlLimits.HashJoinBuildRowsBeforeChoice)
            {
                if (!await rightInput.MoveNextAsync()) return false;
                Add(Right, rightInput.Current);
            }
            IAsyncEnumerator<IReadOnlyList<object?[]>> leftInput = openLeft();
            while (true)
            {
                if (Left.Count <= Right.Count)
                {
                    if (!await leftInput.MoveNextAsync()) return true;
                    Add(Left, leftInput.Current);
                }
                else
                {
                    if (!await rightInput.MoveNextAsync()) return false;
                    Add(Right, rightInput.Current);
                }
            }
        }

        private void Add(List<object?[]> rows, IReadOnlyList<object?[]> batch)
        {
            foreach (object?[] row in batch)
            {
                long size = QueryMemory.SizeOf(row) + QueryMemory.HashEntryBytes;
                context.Memory.Reserve(size, name);
                _reserved += size;
                rows.Add(row);
            }
        }

        public void Release()
        {
            context.Memory.Release(_reserved);
            _reserved = 0;
        }
    }

    /// <summary>
    /// The hash table over the build side's rows. Rows with equal keys are chained in input order: the table maps a key
    /// to its first and last row, and next[row] is the following row of the same key (-1: none). One integer key (the
    /// common join on a key column) is hashed as a long, with no key array, boxing or general comparison per row. A
    /// NULL key matches nothing, as SQL's = says.
    /// </summary>
    private sealed class JoinTable
    {
        private readonly IntegerChains? _integerTable;
        private readonly Dictionary<object?[], (int First, int Last)>? _table;
        private readonly int[] _next;
        private readonly ExecutionContext _context;
        private readonly List<object?[]> _rows;
        // A batch's probing keys and their slots (reused from batch to batch).
        private long[] _probeKeys = [];
        private int[] _probeSlots = [];

        public JoinTable(List<object?[]> rows, IReadOnlyList<BoundExpression> keys, bool integerKey, ExecutionContext context)
        {
            _context = context;
            _rows = rows;
            _next = new int[rows.Count];
            if (integerKey) _integerTable = new IntegerChains(rows.Count);
            else _table = new Dictionary<object?[], (int First, int Last)>(rows.Count, new RowEqualityComparer(keys.Count));
            for (int index = 0; index < rows.Count; index++)
            {
                _next[index] = -1;
                if (_integerTable is not null)
                {
                    if (IntegerKeyOf(keys[0], rows[index], context) is not { } integer) continue;
                    _integerTable.Add(integer, index, _next);
                }
                else
                {
                    if (KeyOf(keys, rows[index], context) is not { } key) continue;
                    if (_table!.TryGetValue(key, out var chain))
                    {
                        _next[chain.Last] = index;
                        _table[key] = (chain.First, index);
                    }
                    else
                    {
                        _table.Add(key, (index, index));
                    }
                }
            }
        }

        /// <summary>
        /// The first build row whose key equals each probing row's, or -1, into <paramref name="firsts"/>. A batch at a
        /// time, in steps over the whole batch (the keys, then the slots they hash to, then the rows found), so that
        /// the cache misses of a table larger than the cache overlap instead of coming one after another with a
        /// joined row built between them: with a million probes, the misses were most of the join's time.
        /// </summary>
        public void FirstMatches(IReadOnlyList<BoundExpression> probeKeys, IReadOnlyList<object?[]> probeRows, int[] firsts)
        {
            int count = probeRows.Count;
            if (_integerTable is null)
            {
                for (int index = 0; index < count; index++)
                {
                    firsts[index] = KeyOf(probeKeys, probeRows[index], _context) is { } key && _table!.TryGetValue(key, out var found) ? found.First : -1;
                }
                return;
            }
            if (_probeKeys.Length < count)
            {
                _probeKeys = new long[firsts.Length];
                _probeSlots = new int[firsts.Length];
            }
            Span<long> keys = _probeKeys.AsSpan(0, count);
            Span<int> slots = _probeSlots.AsSpan(0, count);
            BoundExpression probeKey = probeKeys[0];
            for (int index = 0; index < count; index++)
            {
                // A NULL key matches nothing: its slot is -1.
                if (IntegerKeyOf(probeKey, probeRows[index], _context) is { } integer)
                {
                    keys[index] = integer;
                    slots[index] = 0;
                }
                else
                {
                    slots[index] = -1;
                }
            }
            _integerTable.FirstMany(keys, slots, firsts);
            for (int index = 0; index < count; index++)
            {
                if (firsts[index] >= 0) Prefetch(_rows[firsts[index]]);
            }
        }

        /// <summary>The next build row of the same key, or -1.</summary>
        public int Next(int index) => _next[index];
    }

    /// <summary>
    /// Integer keys to their chains of build rows, in one array of (key, first row, last row) slots with linear
    /// probing: a probe reads one slot (most often one cache line), where a Dictionary reads a bucket and then an
    /// entry elsewhere; with a million probes into a table larger than the cache, that is a miss less per probe. At
    /// most half the slots are used. Keys are spread by Fibonacci hashing, so consecutive keys do not crowd together.
    /// </summary>
    private sealed class IntegerChains
    {
        /// <summary><see cref="First"/> is the first row plus one, so a zeroed slot is empty.</summary>
        private struct Slot
        {
            public long Key;
            public int First;
            public int Last;
        }

        private readonly Slot[] _slots;
        private readonly int _shift;

        public IntegerChains(int rows)
        {
            uint capacity = BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(2L * rows, 16, 1 << 30));
            _slots = new Slot[capacity];
            _shift = 64 - BitOperations.Log2(capacity);
        }

        private int SlotOf(long key) => (int)(unchecked((ulong)key * 0x9E3779B97F4A7C15UL) >> _shift);

        /// <summary>Appends a row to its key's chain (<paramref name="next"/> links the rows of a chain).</summary>
        public void Add(long key, int row, int[] next)
        {
            int mask = _slots.Length - 1;
            for (int position = SlotOf(key); ; position = (position + 1) & mask)
            {
                ref Slot slot = ref _slots[position];
                if (slot.First == 0)
                {
                    slot.Key = key;
                    slot.First = row + 1;
                    slot.Last = row;
                    return;
                }
                if (slot.Key != key) continue;
                next[slot.Last] = row;
                slot.Last = row;
                return;
            }
        }

        /// <summary>
        /// The first row of each key's chain, or -1, into <paramref name="firsts"/>; a key whose slot is -1 in
        /// <paramref name="slots"/> is NULL and has none. The slots of the whole batch are computed and fetched into
        /// the cache first, then read.
        /// </summary>
        public void FirstMany(ReadOnlySpan<long> keys, Span<int> slots, int[] firsts)
        {
            for (int index = 0; index < keys.Length; index++)
            {
                if (slots[index] < 0) continue;
                int slot = SlotOf(keys[index]);
                slots[index] = slot;
                Prefetch(_slots, slot);
            }
            int mask = _slots.Length - 1;
            for (int index = 0; index < keys.Length; index++)
            {
                firsts[index] = -1;
                if (slots[index] < 0) continue;
                long key = keys[index];
                for (int position = slots[index]; ; position = (position + 1) & mask)
                {
                    ref Slot slot = ref _slots[position];
                    if (slot.First == 0) break;
                    if (slot.Key != key) continue;
                    firsts[index] = slot.First - 1;
                    break;
                }
            }
        }

        /// <summary>Asks the processor to fetch a slot into the cache (a hint: nothing when it cannot).</summary>
        private static unsafe void Prefetch(Slot[] slots, int position)
        {
            if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref slots[position]));
        }

    }

    /// <summary>Asks the processor to fetch the start of a row array (its length and first values) into the cache. The
    /// address may be stale by the time it is used if the collector moves the row: a prefetch of any address is
    /// harmless.</summary>
    private static unsafe void Prefetch(object?[] row)
    {
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(row)));
    }

    /// <summary>An integer key's value, or null for NULL; a column (the common key) is read with no evaluation.</summary>
    private static long? IntegerKeyOf(BoundExpression expression, object?[] row, ExecutionContext context) =>
        (expression is BoundColumn column ? row[column.Ordinal] : ExpressionEvaluator.Evaluate(expression, row, context)) switch
        {
            null => null,
            int value => value,
            long value => value,
            short value => value,
            object other => throw new InvalidOperationException($"an integer join key evaluated to {other.GetType().Name}"),
        };

    private static object?[]? KeyOf(IReadOnlyList<BoundExpression> expressions, object?[] row, ExecutionContext context)
    {
        var key = new object?[expressions.Count];
        for (int index = 0; index < key.Length; index++)
        {
            object? value = ExpressionEvaluator.Evaluate(expressions[index], row, context);
            if (value is null) return null;
            key[index] = value;
        }
        return key;
    }
}
