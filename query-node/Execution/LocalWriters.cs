using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.QueryNode.Execution;

/// <summary>
/// Which open transaction of this query node first wrote each key (through an INSERT or UPDATE), so that a second
/// writer of the key waits for the first one to end instead of racing it (see
/// <see cref="Transaction.BeforeWriteAsync"/>): PostgreSQL's wait on a row lock, kept as a hint only. The adjudicator
/// still decides every commit; the registry only changes when a transaction that would be refused finds out, never
/// whether it is. Under contention on a few rows (TPC-B's branches) the second writer otherwise runs to its COMMIT and
/// is refused there, after its remaining statements and an adjudicator round trip, while it takes CPU from the first.
/// A transaction retried after such a conflict reserves the key before it takes its snapshot
/// (<see cref="ReserveAsync"/>), so that the retries of one hot key line up instead of refusing each other again.
///
/// The registry also remembers when its writers last committed each key they held and wrote
/// (<see cref="LocalWriter.End(HybridTimestamp, Predicate{byte[]})"/>): a writer whose snapshot is older than such a
/// commit is lost at once (the adjudicator refuses a write of a key committed after the writer's start), before it
/// waits for the key's present holder and before the replica has applied that commit, which is when
/// <see cref="Transaction"/>'s own look at the replica would find it. The memory is bounded (two generations of
/// <see cref="RecentCommitsMax"/> keys): a key forgotten only finds its loser later, at the replica or at COMMIT.
///
/// Transactions of other query nodes are not seen, and a transaction that ends without telling the registry only
/// makes a waiter wait its bound (<see cref="TransactionLimits.LocalWriterWaitMax"/>) and take the key over.
/// Thread-safe: one lock around the maps and each writer's <see cref="LocalWriter.WaitingFor"/>.
/// </summary>
public sealed class LocalWriters
{
    /// <summary>How many writers a waits-for chain is followed through when looking for a cycle; a longer chain is
    /// taken as one (the waiter does not wait).</summary>
    private const int WaitChainLengthMax = 64;

    /// <summary>How many keys one generation of the recent commits holds; when the newer one is full, the older one is
    /// dropped (a key committed again since is in the newer one).</summary>
    public const int RecentCommitsMax = 4096;

    private readonly Lock gate = new();
    private readonly Dictionary<byte[], LocalWriter> holders = new(KeyComparer.Instance);

    /// <summary>The last commit timestamp of keys this node's writers held and wrote: newer generation, older one.</summary>
    private Dictionary<byte[], HybridTimestamp> recentCommits = new(KeyComparer.Instance);
    private Dictionary<byte[], HybridTimestamp> olderCommits = new(KeyComparer.Instance);

    /// <summary>Keys held now (for tests).</summary>
    public int HeldKeyCount
    {
        get
        {
            lock (gate)
            {
                return holders.Count;
            }
        }
    }

    /// <summary>
    /// Waits until no other open transaction of this node holds <paramref name="key"/> (at most
    /// <paramref name="waitMax"/>), then holds it for a transaction that is about to begin: a retry of a transaction
    /// that lost the key to another one, which will most likely write it again. Its snapshot, taken after this returns,
    /// then holds the commit it lost to, and the retries of one key follow each other instead of each refusing the
    /// others. The returned writer is the new transaction's (<see cref="Transaction.Writer"/>); end it if no
    /// transaction takes it.
    /// </summary>
    public async ValueTask<LocalWriter> ReserveAsync(byte[] key, TimeSpan waitMax, CancellationToken cancellationToken)
    {
        var writer = new LocalWriter(this);
        await HoldAsync(writer, key, waitMax, committedAbove: null, cancellationToken).ConfigureAwait(false);
        return writer;
    }

    /// <summary>Holds <paramref name="key"/> for <paramref name="writer"/> once no other open writer of this node holds
    /// it, waiting for each holder to end, at most <paramref name="waitMax"/> in all (then takes the key over: a long
    /// transaction, or one never ended, is raced as without the registry). False when a writer of this node committed
    /// the key above <paramref name="committedAbove"/>, whether it still held the key (the wait tells) or ended before
    /// (the recent commits tell, at once, without waiting for the present holder): the caller's snapshot cannot hold
    /// that commit, and it lost the key.</summary>
    internal async ValueTask<bool> HoldAsync(LocalWriter writer, byte[] key, TimeSpan waitMax, HybridTimestamp? committedAbove,
        CancellationToken cancellationToken)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(waitMax.TotalSeconds * TimeProvider.System.TimestampFrequency);
        var takeOver = false;
        bool lost;
        while (HoldOrFindHolder(key, writer, takeOver, committedAbove, out lost) is { } holder)
        {
            HybridTimestamp holderCommit;
            try
            {
                var left = TimeProvider.System.GetElapsedTime(TimeProvider.System.GetTimestamp(), deadline);
                holderCommit = await holder.Ended.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                takeOver = true;
                continue;
            }
            finally
            {
                StopWaiting(writer);
            }
            if (committedAbove is { } start && holderCommit > start)
            {
                return false;
            }
        }
        return !lost;
    }

    /// <summary>Makes <paramref name="caller"/> the holder of <paramref name="key"/> and returns null when no other
    /// writer holds it (or <paramref name="takeOver"/>, or waiting would close a cycle of waits: the writers then race
    /// as they would without the registry). Otherwise returns the holder, with <paramref name="caller"/>'s
    /// <see cref="LocalWriter.WaitingFor"/> set to it until <see cref="StopWaiting"/>. Returns null with
    /// <paramref name="lost"/> set, holding nothing, when a recent commit of the key lies above
    /// <paramref name="committedAbove"/>.</summary>
    private LocalWriter? HoldOrFindHolder(byte[] key, LocalWriter caller, bool takeOver, HybridTimestamp? committedAbove, out bool lost)
    {
        lock (gate)
        {
            lost = false;
            if (caller.HasEnded)
            {
                return null;
            }
            if (committedAbove is { } start && RecentCommitOf(key) > start)
            {
                lost = true;
                return null;
            }
            if (!takeOver && holders.TryGetValue(key, out var holder) && !ReferenceEquals(holder, caller))
            {
                if (!WaitsFor(holder, caller))
                {
                    caller.WaitingFor = holder;
                    return holder;
                }
                return null;
            }
            holders[key] = caller;
            caller.HeldKeys.Add(key);
            return null;
        }
    }

    private void StopWaiting(LocalWriter caller)
    {
        lock (gate)
        {
            caller.WaitingFor = null;
        }
    }

    /// <summary>Forgets the keys that <paramref name="holder"/> still holds (a waiter may have taken some over), and
    /// when it committed (at <paramref name="committedAt"/>, not zero) remembers that commit for each key it held and
    /// <paramref name="wrote"/>: a key it only reserved, or wrote and then undid, was not written by the commit.</summary>
    internal void Release(LocalWriter holder, HybridTimestamp committedAt, Predicate<byte[]>? wrote)
    {
        lock (gate)
        {
            foreach (var key in holder.HeldKeys)
            {
                if (holders.TryGetValue(key, out var current) && ReferenceEquals(current, holder))
                {
                    holders.Remove(key);
                }
                if (committedAt != HybridTimestamp.Zero && wrote is not null && wrote(key))
                {
                    RememberCommit(key, committedAt);
                }
            }
            holder.HeldKeys.Clear();
        }
    }

    /// <summary>Under the lock: the last commit of <paramref name="key"/> the registry remembers, or zero.</summary>
    private HybridTimestamp RecentCommitOf(byte[] key) =>
        recentCommits.TryGetValue(key, out var at) || olderCommits.TryGetValue(key, out at) ? at : HybridTimestamp.Zero;

    /// <summary>Under the lock. Commits of one key may end out of their timestamps' order (two writers that raced
    /// past the registry): the later timestamp is kept.</summary>
    private void RememberCommit(byte[] key, HybridTimestamp committedAt)
    {
        var at = HybridTimestamp.Max(committedAt, RecentCommitOf(key));
        if (!recentCommits.ContainsKey(key) && recentCommits.Count >= RecentCommitsMax)
        {
            (olderCommits, recentCommits) = (recentCommits, olderCommits);
            recentCommits.Clear();
        }
        recentCommits[key] = at;
    }

    /// <summary>Under the lock: whether <paramref name="from"/> waits, directly or through others, for
    /// <paramref name="target"/>.</summary>
    private static bool WaitsFor(LocalWriter from, LocalWriter target)
    {
        var current = from;
        for (var step = 0; step < WaitChainLengthMax; step++)
        {
            current = current.WaitingFor;
            if (current is null)
            {
                return false;
            }
            if (ReferenceEquals(current, target))
            {
                return true;
            }
        }
        return true;
    }
}

/// <summary>One transaction as <see cref="LocalWriters"/> sees it: the keys it holds, whom it waits for, and when it
/// ends (with its commit timestamp, or <see cref="HybridTimestamp.Zero"/> when it did not commit).</summary>
public sealed class LocalWriter(LocalWriters registry)
{
    private readonly TaskCompletionSource<HybridTimestamp> ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int endCalled;

    internal LocalWriters Registry { get; } = registry;

    /// <summary>Under the registry's lock.</summary>
    internal List<byte[]> HeldKeys { get; } = [];

    /// <summary>Under the registry's lock.</summary>
    internal LocalWriter? WaitingFor { get; set; }

    internal Task<HybridTimestamp> Ended => ended.Task;

    internal bool HasEnded => Volatile.Read(ref endCalled) != 0;

    /// <summary>Releases the keys and resumes the waiters; the first call counts. A commit (a non-zero
    /// <paramref name="committedAt"/>) is remembered for the keys held that <paramref name="wrote"/> says were
    /// written (none when it is null), so that later writers whose snapshots are older lose them at once.</summary>
    public void End(HybridTimestamp committedAt, Predicate<byte[]>? wrote = null)
    {
        if (Interlocked.Exchange(ref endCalled, 1) != 0)
        {
            return;
        }
        // After the flag, under the registry's lock: a key taken from now on is not held (see HoldOrFindHolder).
        Registry.Release(this, committedAt, wrote);
        ended.TrySetResult(committedAt);
    }
}
