using System.Diagnostics;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator;

/// <summary>What <see cref="ConflictWindow.Check"/> found.</summary>
public enum ConflictKind
{
    /// <summary>No key changed after the start: the transaction may commit.</summary>
    None = 0,

    /// <summary>A written key, or a key checked as <see cref="ConflictCheckKind.Data"/>, was committed after the start (OC000).</summary>
    Data = 1,

    /// <summary>A key checked as <see cref="ConflictCheckKind.Schema"/> was committed after the start (OC001).</summary>
    Schema = 2,

    /// <summary>The start is below the horizon: the window no longer knows what happened since then.</summary>
    TooOld = 3,
}

/// <summary>The verdict of a conflict check, and the key that caused it (null when there is none,
/// and for <see cref="ConflictKind.TooOld"/>).</summary>
public readonly record struct ConflictCheckResult(ConflictKind Kind, byte[]? ConflictingKey)
{
    public static readonly ConflictCheckResult NoConflict = new(ConflictKind.None, null);
    public static readonly ConflictCheckResult TooOld = new(ConflictKind.TooOld, null);

    public bool IsConflict => Kind != ConflictKind.None;
}

/// <summary>
/// The adjudicator's conflict check: key -> timestamp of the last commit that wrote it, for every
/// commit above the horizon. A pure data structure with no I/O, no clock and no threads, so that
/// it can be tested (and reasoned about) alone, as FoundationDB's ConflictSet is beside its
/// Resolver. Not thread-safe: one shard loop owns it.
///
/// Why this is enough for snapshot isolation: a transaction that started at <c>s</c> read the
/// database as of <c>s</c>; it may commit only if no key it writes (or asked to check) was
/// committed by someone else in <c>(s, now]</c>. The window holds exactly the last commit
/// timestamp of each key above the horizon, so "last commit &gt; s" is that test, as long as
/// <c>s &gt;= horizon</c>. Below the horizon history is forgotten, and the answer is TooOld.
///
/// Keys are held by reference, not copied: callers must not change a key's bytes after handing
/// it over (the query node builds fresh arrays per transaction).
/// </summary>
public sealed class ConflictWindow
{
    /// <summary>The default bound on remembered (key, commit) pairs. Past it, the horizon rises early.</summary>
    public const int DefaultMaxEntries = 4_000_000;

    /// <summary>The default bound on the memory the remembered pairs take, as <see cref="EntryBytes"/> counts it:
    /// a bulk load writes millions of keys within one transaction duration (a heap dump at 6,000,000 rows loaded found
    /// the window the largest user of memory). 64 MiB is about 500,000 keys of a table: during a bulk load of
    /// 60,000 rows/s, a transaction that started more than about 8 s earlier is refused as too old (retryable).
    /// Past it, the horizon rises early.</summary>
    public const long DefaultMaxBytes = 64L * 1024 * 1024;

    /// <summary>What one remembered pair is counted as, besides its key's bytes: the key array's header (24), and the
    /// dictionary's entry and bucket and the queue's slot (24 + 4 + 16) twice over, since their arrays grow by
    /// doubling and never shrink (on a 64-bit runtime).</summary>
    internal const int EntryOverheadBytes = 24 + 2 * (24 + 4 + 16);

    private readonly Dictionary<byte[], HybridTimestamp> lastCommitByKey = new(KeyComparer.Instance);

    // Every recorded (key, commit) pair in the order recorded, which is commit order on a
    // shard, so trimming pops from the front and never scans the dictionary.
    private readonly Queue<(byte[] Key, HybridTimestamp CommitTimestamp)> entriesInCommitOrder = new();
    private readonly int maxEntries;
    private readonly long maxBytes;
    private long bytes;

    // Keys of prepared cross-shard transactions whose decision this shard does not know yet, with how many hold each:
    // written keys refuse every transaction that writes or checks them, checked keys refuse writers (a prepared
    // transaction's commit timestamp is not known yet, so no start can be judged against it).
    private readonly Dictionary<byte[], int> pendingWrites = new(KeyComparer.Instance);
    private readonly Dictionary<byte[], int> pendingChecks = new(KeyComparer.Instance);

    public ConflictWindow(int maxEntries = DefaultMaxEntries, long maxBytes = DefaultMaxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    /// <summary>Starts below this timestamp cannot be checked. Only rises.</summary>
    public HybridTimestamp Horizon { get; private set; } = HybridTimestamp.Zero;

    /// <summary>How many distinct keys are remembered.</summary>
    public int KeyCount => lastCommitByKey.Count;

    /// <summary>How many (key, commit) pairs are remembered: the memory bound applies to this.</summary>
    public int EntryCount => entriesInCommitOrder.Count;

    /// <summary>The memory the remembered pairs take, as <see cref="EntryBytes"/> counts it.</summary>
    public long ByteCount => bytes;

    /// <summary>What remembering one commit of <paramref name="key"/> is counted as.</summary>
    internal static long EntryBytes(byte[] key) => ((key.Length + 7) & ~7) + EntryOverheadBytes;

    /// <summary>The newest commit of <paramref name="key"/> still in the window, if any.</summary>
    public HybridTimestamp? LastCommit(byte[] key) =>
        lastCommitByKey.TryGetValue(key, out var timestamp) ? timestamp : null;

    /// <summary>
    /// Returns the first key committed after <paramref name="startTimestamp"/>. Schema checks are
    /// looked at first: when a concurrent DDL changed a table, "the schema changed" (OC001) is the
    /// error that tells the user what happened, even if a row conflicts too.
    /// </summary>
    public ConflictCheckResult Check(HybridTimestamp startTimestamp, IReadOnlyList<JournalWrite> writes,
        IReadOnlyList<ConflictCheck> checks)
    {
        if (startTimestamp < Horizon)
        {
            return ConflictCheckResult.TooOld;
        }
        if ((pendingWrites.Count | pendingChecks.Count) != 0 && CheckPending(writes, checks) is { IsConflict: true } pending)
        {
            return pending;
        }
        for (var index = 0; index < checks.Count; index++)
        {
            var check = checks[index];
            if (check.Kind == ConflictCheckKind.Schema && CommittedAfter(check.Key, startTimestamp))
            {
                return new ConflictCheckResult(ConflictKind.Schema, check.Key);
            }
        }
        for (var index = 0; index < writes.Count; index++)
        {
            var key = writes[index].Key;
            if (CommittedAfter(key, startTimestamp))
            {
                return new ConflictCheckResult(ConflictKind.Data, key);
            }
        }
        for (var index = 0; index < checks.Count; index++)
        {
            var check = checks[index];
            if (check.Kind == ConflictCheckKind.Data && CommittedAfter(check.Key, startTimestamp))
            {
                return new ConflictCheckResult(ConflictKind.Data, check.Key);
            }
        }
        return ConflictCheckResult.NoConflict;
    }

    /// <summary>How many keys prepared transactions hold (written and checked).</summary>
    public int PendingKeyCount => pendingWrites.Count + pendingChecks.Count;

    /// <summary>Holds a prepared transaction's keys until <see cref="Release"/>: its writes refuse every transaction
    /// that touches them, its checks refuse writers.</summary>
    public void Hold(IReadOnlyList<JournalWrite> writes, IReadOnlyList<ConflictCheck> checks)
    {
        foreach (var write in writes)
        {
            pendingWrites[write.Key] = pendingWrites.GetValueOrDefault(write.Key) + 1;
        }
        foreach (var check in checks)
        {
            pendingChecks[check.Key] = pendingChecks.GetValueOrDefault(check.Key) + 1;
        }
    }

    /// <summary>Lets go of what <see cref="Hold"/> held for the same writes and checks.</summary>
    public void Release(IReadOnlyList<JournalWrite> writes, IReadOnlyList<ConflictCheck> checks)
    {
        foreach (var write in writes)
        {
            ReleaseKey(pendingWrites, write.Key);
        }
        foreach (var check in checks)
        {
            ReleaseKey(pendingChecks, check.Key);
        }
    }

    private static void ReleaseKey(Dictionary<byte[], int> held, byte[] key)
    {
        if (held.TryGetValue(key, out var count))
        {
            if (count <= 1)
            {
                held.Remove(key);
            }
            else
            {
                held[key] = count - 1;
            }
        }
    }

    private ConflictCheckResult CheckPending(IReadOnlyList<JournalWrite> writes, IReadOnlyList<ConflictCheck> checks)
    {
        for (var index = 0; index < checks.Count; index++)
        {
            var check = checks[index];
            if (pendingWrites.ContainsKey(check.Key))
            {
                return new ConflictCheckResult(check.Kind == ConflictCheckKind.Schema ? ConflictKind.Schema : ConflictKind.Data, check.Key);
            }
        }
        for (var index = 0; index < writes.Count; index++)
        {
            var key = writes[index].Key;
            if (pendingWrites.ContainsKey(key) || pendingChecks.ContainsKey(key))
            {
                return new ConflictCheckResult(ConflictKind.Data, key);
            }
        }
        return ConflictCheckResult.NoConflict;
    }

    /// <summary>Remembers that every write's key was committed at <paramref name="commitTimestamp"/>.</summary>
    public void Record(IReadOnlyList<JournalWrite> writes, HybridTimestamp commitTimestamp)
    {
        for (var index = 0; index < writes.Count; index++)
        {
            RecordKey(writes[index].Key, commitTimestamp);
        }
        EnforceMaxEntries();
    }

    /// <summary>Remembers that every key was committed at <paramref name="commitTimestamp"/>.</summary>
    public void RecordKeys(IEnumerable<byte[]> keys, HybridTimestamp commitTimestamp)
    {
        foreach (var key in keys)
        {
            RecordKey(key, commitTimestamp);
        }
        EnforceMaxEntries();
    }

    /// <summary>
    /// Forgets every commit at or below <paramref name="horizon"/> and raises the horizon to it
    /// (a lower horizon than the current one changes nothing). Returns how many entries were dropped.
    /// </summary>
    public int Trim(HybridTimestamp horizon)
    {
        if (horizon <= Horizon)
        {
            return 0;
        }
        Horizon = horizon;
        return DropEntriesAtOrBelowHorizon();
    }

    private bool CommittedAfter(byte[] key, HybridTimestamp startTimestamp) =>
        lastCommitByKey.TryGetValue(key, out var last) && last > startTimestamp;

    private void RecordKey(byte[] key, HybridTimestamp commitTimestamp)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (commitTimestamp <= Horizon)
        {
            // A commit at or below the horizon would be invisible to starts at the horizon that
            // must see it: the caller assigned a timestamp it should not have.
            throw new ArgumentOutOfRangeException(nameof(commitTimestamp),
                $"Commit timestamp {commitTimestamp} is not above the horizon {Horizon}.");
        }
        ref var last = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(
            lastCommitByKey, key, out _);
        // Out-of-order records (not expected on one shard) keep the newest commit, which is the
        // conservative answer for every later check.
        last = HybridTimestamp.Max(last, commitTimestamp);
        entriesInCommitOrder.Enqueue((key, commitTimestamp));
        bytes += EntryBytes(key);
    }

    private void EnforceMaxEntries()
    {
        // Too much to remember: forget the oldest commits early. This only turns some future
        // checks into TooOld, never a conflict into a success.
        while (entriesInCommitOrder.Count > maxEntries || bytes > maxBytes)
        {
            var oldest = entriesInCommitOrder.Peek().CommitTimestamp;
            Horizon = HybridTimestamp.Max(Horizon, oldest);
            var dropped = DropEntriesAtOrBelowHorizon();
            Debug.Assert(dropped > 0);
        }
    }

    private int DropEntriesAtOrBelowHorizon()
    {
        var dropped = 0;
        while (entriesInCommitOrder.TryPeek(out var oldest) && oldest.CommitTimestamp <= Horizon)
        {
            entriesInCommitOrder.Dequeue();
            bytes -= EntryBytes(oldest.Key);
            dropped++;
            // The key may have been written again later; only its last commit is in the dictionary.
            if (lastCommitByKey.TryGetValue(oldest.Key, out var last) && last <= Horizon)
            {
                lastCommitByKey.Remove(oldest.Key);
            }
        }
        return dropped;
    }
}
