using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// Hands out sequence values on one query node. Values come in blocks of the sequence's CACHE size, each taken by a
/// separate committed transaction that moves the sequence's state key past the block (<see cref="ISeparateTransactions"/>):
/// two nodes never get the same block (the second writer of the key conflicts and retries from the new state), a
/// crash loses at most the unused rest of a block (a gap, never a repeat), and the user's transaction neither writes
/// nor checks the key, so it never conflicts on it. CACHE 1 costs one commit per value and keeps values in the order
/// they were asked for across nodes; a large CACHE costs one commit per block but each node counts from its own block,
/// so values from different nodes interleave and unused values are skipped when a node restarts (DSQL allows only
/// CACHE 1 or CACHE >= 65536 for this reason). A sequence created by a transaction that has not committed yet is
/// allocated from within that transaction, the only one that can see it.
/// </summary>
internal sealed class SequenceGenerator(ISeparateTransactions? separateTransactions)
{
    private sealed class Block(int version, long next, long remaining)
    {
        public int Version { get; } = version;
        public long Next { get; set; } = next;
        public long Remaining { get; set; } = remaining;
    }

    private readonly Dictionary<long, Block> _blocks = [];
    private readonly Lock _lock = new();

    /// <summary>One allocation at a time per sequence on this node: allocations of one sequence write the same key, so
    /// concurrent ones would only conflict at commit, and a block installed out of order (an older allocation's
    /// continuation running after a newer one's) would hand out values below ones this node already gave.</summary>
    private readonly Dictionary<long, SemaphoreSlim> _allocating = [];

    public async ValueTask<long> NextValueAsync(SequenceDescriptor sequence, ITransactionStore userStore, CancellationToken cancellationToken)
    {
        if (TryTakeCached(sequence, out long cached)) return cached;
        SemaphoreSlim allocating;
        lock (_lock)
        {
            if (!_allocating.TryGetValue(sequence.Id, out allocating!)) _allocating[sequence.Id] = allocating = new SemaphoreSlim(1, 1);
        }
        await allocating.WaitAsync(cancellationToken);
        try
        {
            // Another caller may have installed a block while this one waited.
            if (TryTakeCached(sequence, out cached)) return cached;
            (long first, long count) = await AllocateAsync(sequence, userStore, cancellationToken);
            if (count > 1)
            {
                lock (_lock) _blocks[sequence.Id] = new Block(sequence.Version, unchecked(first + sequence.Increment), count - 1);
            }
            return first;
        }
        finally
        {
            allocating.Release();
        }
    }

    /// <summary>setval and ALTER SEQUENCE RESTART: the values this node cached are no longer the next ones.</summary>
    public void Forget(long sequenceId)
    {
        lock (_lock) _blocks.Remove(sequenceId);
    }

    /// <summary>Writes a sequence's state (setval) outside the user's transaction, as PostgreSQL's setval is not undone by a
    /// rollback; a sequence that is not committed yet is written in the user's transaction.</summary>
    public async ValueTask SetStateAsync(SequenceDescriptor sequence, SequenceState state, ITransactionStore userStore, CancellationToken cancellationToken)
    {
        Forget(sequence.Id);
        byte[] key = CatalogKeys.SequenceState(sequence.Id);
        bool written = separateTransactions is not null && await separateTransactions.RunAsync(async store =>
        {
            if (await store.GetAsync(key, cancellationToken) is null) return false;
            SqlCatalog.WriteSequenceState(store, sequence.Id, state);
            return true;
        }, cancellationToken);
        if (!written) SqlCatalog.WriteSequenceState(userStore, sequence.Id, state);
    }

    private bool TryTakeCached(SequenceDescriptor sequence, out long value)
    {
        lock (_lock)
        {
            if (_blocks.TryGetValue(sequence.Id, out Block? block) && block.Version == sequence.Version && block.Remaining > 0)
            {
                value = block.Next;
                block.Next = unchecked(block.Next + sequence.Increment);
                block.Remaining--;
                return true;
            }
        }
        value = 0;
        return false;
    }

    private async ValueTask<(long First, long Count)> AllocateAsync(SequenceDescriptor sequence, ITransactionStore userStore, CancellationToken cancellationToken)
    {
        byte[] key = CatalogKeys.SequenceState(sequence.Id);
        if (separateTransactions is not null)
        {
            (long First, long Count)? block = await separateTransactions.RunAsync(async store =>
            {
                byte[]? bytes = await store.GetAsync(key, cancellationToken);
                return bytes is null ? ((long, long)?)null : TakeBlock(sequence, store, key, bytes);
            }, cancellationToken);
            if (block is { } committed) return committed;
        }
        byte[] own = await userStore.GetAsync(key, cancellationToken)
            ?? throw new SqlException(SqlState.UndefinedTable, $"relation \"{sequence.Name}\" does not exist");
        return TakeBlock(sequence, userStore, key, own);
    }

    private static (long First, long Count) TakeBlock(SequenceDescriptor sequence, ITransactionStore store, byte[] key, byte[] stateBytes)
    {
        (long first, long count, SequenceState next) = Allocate(sequence, SequenceCodec.DecodeState(stateBytes), sequence.Cache);
        store.Put(key, SequenceCodec.EncodeState(next));
        return (first, count);
    }

    /// <summary>PostgreSQL's nextval_internal over a block: the first value (stepping past the last one handed out,
    /// wrapping with CYCLE or failing with 2200H at a bound), then up to <paramref name="wanted"/> - 1 more that fit
    /// before the bound (a block never wraps; the next block does).</summary>
    public static (long First, long Count, SequenceState Next) Allocate(SequenceDescriptor sequence, SequenceState state, long wanted)
    {
        long first = state.IsCalled ? Step(sequence, state.LastValue, allowWrap: true)!.Value : state.LastValue;
        long last = first;
        long count = 1;
        while (count < wanted && Step(sequence, last, allowWrap: false) is { } following)
        {
            last = following;
            count++;
        }
        return (first, count, new SequenceState(last, IsCalled: true));
    }

    private static long? Step(SequenceDescriptor sequence, long value, bool allowWrap)
    {
        long increment = sequence.Increment;
        bool beyond = increment > 0 ? value > sequence.MaxValue - increment : value < sequence.MinValue - increment;
        if (!beyond) return value + increment;
        if (!allowWrap) return null;
        if (sequence.Cycle) return increment > 0 ? sequence.MinValue : sequence.MaxValue;
        throw new SqlException(SqlState.SequenceGeneratorLimitExceeded, increment > 0
            ? $"nextval: reached maximum value of sequence \"{sequence.Name}\" ({sequence.MaxValue})"
            : $"nextval: reached minimum value of sequence \"{sequence.Name}\" ({sequence.MinValue})");
    }
}
