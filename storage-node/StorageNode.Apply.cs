using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;

namespace Log.StorageNode;

public sealed partial class StorageNode
{
    /// <summary>The apply loop: the only writer of the store. Reopens the journal after transient read
    /// errors, and stops for good on corruption (see <see cref="Fail"/>).</summary>
    private async Task ConsumeAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var entry in journal.ReadAsync(options.Partition, NextOffset, cancellationToken).ConfigureAwait(false))
                {
                    // A checkpoint pauses applying between two records (see StorageNode.Checkpoints.cs).
                    await applyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
                    bool applied;
                    try
                    {
                        applied = TryApply(entry);
                    }
                    finally
                    {
                        applyGate.Release();
                    }
                    if (!applied)
                    {
                        return;
                    }
                    NoteAppliedForCheckpoint();
                }
                logger.LogWarning("Journal partition {Partition} ended at offset {Offset}, which it should never do; reopening",
                    options.Partition, NextOffset);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (InvalidDataException exception)
            {
                Fail($"the journal record at offset {NextOffset} cannot be decoded: {exception.Message}", exception);
                return;
            }
            catch (Exception exception)
            {
                // Not corruption (that is InvalidDataException): the journal is unreachable for a
                // moment. Reads keep waiting (bounded) while we retry from where we are.
                logger.LogWarning(exception, "Reading journal partition {Partition} at offset {Offset} failed; retrying in {Delay}",
                    options.Partition, NextOffset, options.JournalRetryDelay);
            }
            try
            {
                await Task.Delay(options.JournalRetryDelay, options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Applies one record; false when the replica has failed and must stop applying.</summary>
    private bool TryApply(JournalEntry entry)
    {
        var expected = NextOffset;
        if (entry.Partition != options.Partition)
        {
            Fail($"the journal returned a record of partition {entry.Partition} while reading partition {options.Partition}", null);
            return false;
        }
        if (entry.Offset < expected)
        {
            // Redelivery after a reconnect: already applied, and applying is idempotent anyway.
            return true;
        }
        if (entry.Offset > expected)
        {
            Fail($"the journal skipped from offset {expected} to {entry.Offset}; records in between would be lost", null);
            return false;
        }
        if (options.ApplyUntil is { } until && IsAfter(entry.Record, until))
        {
            logger.LogInformation("Stopped applying at offset {Offset}: its record is after {Until}", entry.Offset, until);
            Volatile.Write(ref reachedApplyLimit, true);
            SignalProgress();
            return false;
        }
        try
        {
            Apply(entry.Record, entry.Offset);
        }
        catch (Exception exception)
        {
            Fail($"applying the record at offset {entry.Offset} failed: {exception.Message}", exception);
            return false;
        }
        Volatile.Write(ref nextOffset, entry.Offset + 1);
        SignalProgress();
        return true;
    }

    private void Apply(JournalRecord record, long offset, int partition = 0)
    {
        var problem = JournalRecordCodec.Validate(record);
        if (problem is not null)
        {
            throw new InvalidDataException($"the record is invalid: {problem}");
        }
        var store = versions ?? throw new InvalidOperationException("The storage node was not started.");
        // An adjudicator fenced by a newer one's EpochStart decided this record without the newer one's commits.
        var epochs = WriterEpochsOf(partition);
        if (!epochs.Admits(record))
        {
            logger.LogWarning("Ignored the {Kind} record at offset {Offset} of partition {Partition}: its writer's epoch {Epoch} was fenced by epoch {Current}",
                record.Kind, offset, partition, record.Epoch, epochs.Epoch);
            return;
        }
        // A large transaction is applied at its final record, whole; its leading fragments change
        // nothing, and fragments that no final record follows were never committed.
        if (FragmentsOf(partition).Accept(record) is not { } whole)
        {
            return;
        }
        var ready = readyCommits;
        ready.Clear();
        // Commits apply at once; a cross-shard transaction's writes once its decision is known (see CrossShardTracker).
        // A prepare put together from fragments began at an earlier offset: it is given none, and a checkpoint waits for it.
        crossShard.Accept(partition, whole, ready, ReferenceEquals(whole, record) ? offset : CrossShardTracker.UnknownOffset,
            epochs.Epoch);
        foreach (var commit in ready)
        {
            ApplyCommit(store, commit, offset);
        }
        var resolved = crossShard.Resolved.Value;
        if (resolved > Volatile.Read(ref resolvedTimestamp))
        {
            Volatile.Write(ref resolvedTimestamp, resolved);
        }
    }

    private void ApplyCommit(VersionStore store, ReadyCommit commit, long offset)
    {
        var commitTimestamp = commit.CommitTimestamp.Value;
        var belowResolved = commitTimestamp <= Volatile.Read(ref resolvedTimestamp);
        var appliedAny = false;
        var writes = LastWritePerKey(commit.Writes);
        for (var index = 0; index < writes.Count; index++)
        {
            var write = writes[index];
            var outcome = store.Apply(write.Key, commitTimestamp, write.Value, out var headAddress, out var superseded);
            appliedAny |= outcome != ApplyOutcome.Skipped;
            // The index learns the new head's address before the resolved timestamp passes this commit,
            // so every read that may see the commit starts at its head (see OrderedKeyIndex).
            if (outcome == ApplyOutcome.NewKey)
            {
                keys.Add(write.Key, headAddress);
            }
            else if (outcome == ApplyOutcome.NewVersion)
            {
                keys.SetHeadAddress(write.Key, headAddress);
                NoteSuperseded(write.Key, superseded, commitTimestamp, write.Value?.Length ?? 0);
            }
        }
        if (belowResolved && appliedAny)
        {
            // The writer broke its closed-timestamp promise: reads at or above this commit may
            // already have been answered without it. The journal is the truth, so apply it, loudly.
            // (A commit a recovery reads again, after a checkpoint that resumes a partition at a pending prepare, is
            // below the resolved timestamp too, but all its versions are there already: nothing was missed.)
            logger.LogError("Commit at offset {Offset} has timestamp {Commit} at or below the resolved timestamp {Resolved}",
                offset, commit.CommitTimestamp, ResolvedTimestamp);
        }
        Volatile.Write(ref appliedWriteCount, appliedWriteCount + commit.Writes.Count);
    }

    private static bool IsAfter(JournalRecord record, HybridTimestamp until) => record.Kind switch
    {
        JournalRecordKind.Commit => record.Commit > until,
        JournalRecordKind.Heartbeat => record.Closed > until,
        JournalRecordKind.Decision => record.Closed > until,
        _ => false,
    };

    /// <summary>A transaction that wrote a key twice means its last write; all of its writes share one
    /// commit timestamp, so without this the first would win (the second is "not newer"). The set and the list are the
    /// apply loop's, kept between commits (one caller at a time; the list is read before the next call).</summary>
    private IReadOnlyList<JournalWrite> LastWritePerKey(IReadOnlyList<JournalWrite> writes)
    {
        if (writes.Count <= 1)
        {
            return writes;
        }
        // A very large transaction gets collections of its own, so that the kept ones never grow past the limit.
        var retained = writes.Count <= RetainedWriteSetSizeMax;
        var seen = retained ? lastWriteKeys : new HashSet<byte[]>(ByteArrayEqualityComparer.Instance);
        seen.Clear();
        var kept = retained ? lastWrites : new List<JournalWrite>(writes.Count);
        kept.Clear();
        for (var index = writes.Count - 1; index >= 0; index--)
        {
            if (seen.Add(writes[index].Key))
            {
                kept.Add(writes[index]);
            }
        }
        // Keys written once each (the common case): the commit's own list, in its order.
        return kept.Count == writes.Count ? writes : kept;
    }

    /// <summary>The largest commit whose keys go through the set and list the apply loop keeps.</summary>
    private const int RetainedWriteSetSizeMax = 65_536;

    private readonly HashSet<byte[]> lastWriteKeys = new(ByteArrayEqualityComparer.Instance);
    private readonly List<JournalWrite> lastWrites = [];

    private void Fail(string reason, Exception? exception)
    {
        logger.LogCritical(exception, "Storage replica of partition {Partition} stopped applying the journal: {Reason}", options.Partition, reason);
        Volatile.Write(ref failure, reason);
        SignalProgress();
    }
}

internal sealed class ByteArrayEqualityComparer : IEqualityComparer<byte[]>
{
    public static readonly ByteArrayEqualityComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] value)
    {
        var hash = new HashCode();
        hash.AddBytes(value);
        return hash.ToHashCode();
    }
}
