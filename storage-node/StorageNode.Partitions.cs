using System.Threading.Channels;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;

namespace Log.StorageNode;

/// <summary>
/// A replica of several partitions (one per adjudicator shard): one reader per partition feeds one apply loop, which
/// stays the only writer of the store. Records of one partition are applied in offset order; partitions interleave as
/// they arrive. That is enough because every key belongs to one shard, so all versions of a key come from one partition
/// in commit-timestamp order, and a cross-shard transaction's writes are applied only once its decision is known
/// (<see cref="CrossShardTracker"/>). Reads never see an unfinished interleaving: the resolved timestamp is the minimum
/// over partitions, so no partition can still deliver a commit at or below a timestamp a read is served at.
/// </summary>
public sealed partial class StorageNode
{
    private long[] partitionNextOffsets = [0];
    private FragmentAssembler[] partitionFragments = [];

    /// <summary>Each partition has its own writer (its shard) and so its own epochs; partition 0's is
    /// <see cref="writerEpochs"/>. A checkpoint saves each partition's epoch with its offset.</summary>
    private WriterEpochFilter[] partitionWriterEpochs = [];

    /// <summary>The journal partitions this replica applies, in order: <see cref="StorageNodeOptions.Partition"/> alone, or
    /// 0 to <see cref="StorageNodeOptions.PartitionCount"/> - 1. The apply loop and <see cref="CrossShardTracker"/> number
    /// them by their index here (a single partition is index 0 whatever its number).</summary>
    public IReadOnlyList<int> AppliedPartitions => options.PartitionCount == 1 ? [options.Partition] : [.. Enumerable.Range(0, options.PartitionCount)];

    /// <summary>One past the last record applied of each partition of <see cref="AppliedPartitions"/>, in that order.</summary>
    public IReadOnlyList<long> NextOffsets =>
        options.PartitionCount == 1 ? [NextOffset] : [.. Enumerable.Range(0, options.PartitionCount).Select(NextOffsetOf)];

    /// <summary>Records applied (or recovered) over every partition: what the checkpoint distance is measured in.</summary>
    private long TotalNextOffset
    {
        get
        {
            if (options.PartitionCount == 1)
            {
                return NextOffset;
            }
            long total = 0;
            for (var partition = 0; partition < options.PartitionCount; partition++)
            {
                total += NextOffsetOf(partition);
            }
            return total;
        }
    }

    /// <summary>Sets up each partition's offset, fragments and epochs, before a checkpoint may restore them.</summary>
    private void InitializePartitions()
    {
        partitionNextOffsets = new long[options.PartitionCount];
        partitionFragments = new FragmentAssembler[options.PartitionCount];
        partitionWriterEpochs = new WriterEpochFilter[options.PartitionCount];
        for (var partition = 0; partition < options.PartitionCount; partition++)
        {
            partitionFragments[partition] = partition == 0 ? fragments : new FragmentAssembler();
            partitionWriterEpochs[partition] = new WriterEpochFilter();
        }
    }

    /// <summary>Where the apply loop stands in each partition now (under the apply gate, between two records).</summary>
    private List<PartitionPosition> CurrentPositions()
    {
        if (options.PartitionCount == 1)
        {
            return [new PartitionPosition(options.Partition, NextOffset, Volatile.Read(ref resolvedTimestamp), writerEpochs.Epoch)];
        }
        return [.. Enumerable.Range(0, options.PartitionCount).Select(partition => crossShard.OldestPendingOf(partition) is { } oldest
            // A recovery must read this partition's pending prepares again (their decisions are still to come): it resumes
            // at the oldest one, with the partition's epoch there, and reads again the records after it that this
            // checkpoint already holds, which change nothing (every version they write is there: the store skips it).
            ? new PartitionPosition(partition, oldest.Offset, crossShard.ResolvedOf(partition).Value, oldest.Epoch)
            : new PartitionPosition(partition, NextOffsetOf(partition), crossShard.ResolvedOf(partition).Value, WriterEpochsOf(partition).Epoch))];
    }

    /// <summary>Whether every pending prepare's offset is known, so that a checkpoint can resume each partition at its
    /// oldest one (<see cref="CurrentPositions"/>).</summary>
    private bool KnowsWhereEveryPendingPrepareIs() =>
        Enumerable.Range(0, options.PartitionCount).All(partition => crossShard.OldestPendingOf(partition)?.Offset != CrossShardTracker.UnknownOffset);

    /// <summary>Whether a checkpoint covers exactly the partitions this replica applies.</summary>
    private bool CoversAppliedPartitions(CheckpointManifest manifest) =>
        manifest.Positions.Select(position => position.Partition).SequenceEqual(AppliedPartitions);

    /// <summary>Each partition's resolved timestamp as a recovered checkpoint left it, to seed <see cref="crossShard"/>.</summary>
    private ulong[] recoveredResolved = [];

    /// <summary>Resumes every partition where a recovered checkpoint stands (<see cref="CoversAppliedPartitions"/> holds).</summary>
    private void RestorePositions(CheckpointManifest manifest)
    {
        var positions = manifest.Positions;
        recoveredResolved = new ulong[positions.Count];
        for (var index = 0; index < positions.Count; index++)
        {
            var position = positions[index];
            recoveredResolved[index] = position.ResolvedTimestamp;
            if (index == 0)
            {
                Volatile.Write(ref nextOffset, position.NextOffset);
                writerEpochs = new WriterEpochFilter(position.WriterEpoch);
            }
            if (options.PartitionCount > 1)
            {
                Volatile.Write(ref partitionNextOffsets[index], position.NextOffset);
                partitionWriterEpochs[index] = new WriterEpochFilter(position.WriterEpoch);
            }
        }
        Volatile.Write(ref resolvedTimestamp, manifest.ResolvedTimestamp);
    }

    /// <summary>Starts the cross-shard tracker at what each partition had resolved at the recovered checkpoint (nothing
    /// without one): the replica's resolved timestamp is then the checkpoint's until every partition moves past it.</summary>
    private void SeedCrossShard()
    {
        crossShard = new CrossShardTracker(options.PartitionCount);
        if (recoveredResolved.Length == 0)
        {
            crossShard.Seed(0, ResolvedTimestamp);
            return;
        }
        for (var index = 0; index < recoveredResolved.Length; index++)
        {
            crossShard.Seed(index, new HybridTimestamp(recoveredResolved[index]));
        }
    }

    /// <summary>One past the last record applied of <paramref name="partition"/>.</summary>
    public long NextOffsetOf(int partition) =>
        options.PartitionCount == 1 ? NextOffset : Volatile.Read(ref partitionNextOffsets[partition]);

    /// <summary>Completes once every record below <c>endOffsets[p]</c> of each partition p is applied; bounded by
    /// <see cref="StorageNodeOptions.ReadWaitTimeout"/> as a read is.</summary>
    public Task WaitForOffsetsAsync(IReadOnlyList<long> endOffsets, CancellationToken cancellationToken) =>
        FailureReason is null && ReachedOffsets(endOffsets)
            ? Task.CompletedTask
            : WaitUntilAsync(() => ReachedOffsets(endOffsets), options.ReadWaitTimeout, () => $"offsets {string.Join(", ", endOffsets)}", cancellationToken);

    /// <summary>Completes once every record below <c>endOffsets[i]</c> of the i-th partition of <see cref="AppliedPartitions"/>
    /// is applied. Unbounded in time (a start replaying a long backlog; use the token); throws
    /// <see cref="StorageUnavailableException"/> if the replica has failed.</summary>
    public async Task CatchUpAsync(IReadOnlyList<long> endOffsets, CancellationToken cancellationToken)
    {
        var began = System.Diagnostics.Stopwatch.GetTimestamp();
        await WaitUntilAsync(() => ReachedOffsets(endOffsets), Timeout.InfiniteTimeSpan, () => $"offsets {string.Join(", ", endOffsets)}", cancellationToken)
            .ConfigureAwait(false);
        logger.LogInformation("Storage replayed the journal's tail up to offsets {Ends}: {Records} records since the recovered state, caught up {Milliseconds} ms after being asked; {SinceStart} ms after the process started",
            string.Join(",", endOffsets), TotalNextOffset - Volatile.Read(ref recoveredTotalOffset), (long)System.Diagnostics.Stopwatch.GetElapsedTime(began).TotalMilliseconds, ProcessUptime.Milliseconds);
    }

    /// <summary>Whether every record below <c>endOffsets[p]</c> of each partition p is applied. A list of another length
    /// than the partitions applied is a caller's mistake (a query node with another shard count than this replica).</summary>
    private bool ReachedOffsets(IReadOnlyList<long> endOffsets)
    {
        if (endOffsets.Count != options.PartitionCount)
        {
            throw new ArgumentException($"{endOffsets.Count} end offsets for a replica of {options.PartitionCount} partitions.", nameof(endOffsets));
        }
        for (var partition = 0; partition < endOffsets.Count; partition++)
        {
            if (NextOffsetOf(partition) < endOffsets[partition])
            {
                return false;
            }
        }
        return true;
    }

    private FragmentAssembler FragmentsOf(int partition) => partition == 0 ? fragments : partitionFragments[partition];

    /// <summary>Whether any partition holds a large transaction's leading fragments (a checkpoint then waits).</summary>
    private bool HoldsFragments => fragments.PendingFragmentCount != 0 || partitionFragments.Any(assembler => assembler.PendingFragmentCount != 0);

    private WriterEpochFilter WriterEpochsOf(int partition) => partition == 0 ? writerEpochs : partitionWriterEpochs[partition];

    private async Task ConsumePartitionsAsync(CancellationToken cancellationToken)
    {
        var arrivals = Channel.CreateBounded<JournalEntry>(new BoundedChannelOptions(options.PartitionReadAheadRecordsMax)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var readersStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var readers = Enumerable.Range(0, options.PartitionCount)
            .Select(partition => Task.Run(() => ReadPartitionAsync(partition, arrivals.Writer, readersStop.Token), CancellationToken.None))
            .ToArray();
        try
        {
            await foreach (var entry in arrivals.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await applyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
                bool applied;
                try
                {
                    applied = TryApplyOf(entry);
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
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (InvalidDataException exception)
        {
            Fail($"a journal record cannot be decoded: {exception.Message}", exception);
        }
        finally
        {
            await readersStop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(readers).ConfigureAwait(false);
        }
    }

    /// <summary>Reads one partition into the apply loop's queue from where it was applied up to, again after transient errors.</summary>
    private async Task ReadPartitionAsync(int partition, ChannelWriter<JournalEntry> arrivals, CancellationToken cancellationToken)
    {
        // Where this reader has queued up to: applying lags behind it, and a reconnect resumes after what is queued.
        var queuedUpTo = NextOffsetOf(partition);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var entry in journal.ReadAsync(partition, queuedUpTo, cancellationToken).ConfigureAwait(false))
                {
                    if (entry.Offset < queuedUpTo)
                    {
                        continue;
                    }
                    await arrivals.WriteAsync(entry, cancellationToken).ConfigureAwait(false);
                    queuedUpTo = entry.Offset + 1;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (InvalidDataException exception)
            {
                Fail($"the journal record of partition {partition} at offset {queuedUpTo} cannot be decoded: {exception.Message}", exception);
                return;
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Reading journal partition {Partition} at offset {Offset} failed; retrying in {Delay}",
                    partition, queuedUpTo, options.JournalRetryDelay);
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

    /// <summary>Applies one record of any partition; false when the replica has failed and must stop applying.</summary>
    private bool TryApplyOf(JournalEntry entry)
    {
        var partition = entry.Partition;
        if (partition < 0 || partition >= options.PartitionCount)
        {
            Fail($"the journal returned a record of partition {partition}, beyond the {options.PartitionCount} read", null);
            return false;
        }
        var expected = partitionNextOffsets[partition];
        if (entry.Offset < expected)
        {
            return true;
        }
        if (entry.Offset > expected)
        {
            Fail($"the journal skipped from offset {expected} to {entry.Offset} in partition {partition}; records in between would be lost", null);
            return false;
        }
        try
        {
            Apply(entry.Record, entry.Offset, partition);
        }
        catch (Exception exception)
        {
            Fail($"applying the record at offset {entry.Offset} of partition {partition} failed: {exception.Message}", exception);
            return false;
        }
        Volatile.Write(ref partitionNextOffsets[partition], entry.Offset + 1);
        if (partition == 0)
        {
            Volatile.Write(ref nextOffset, entry.Offset + 1);
        }
        SignalProgress();
        return true;
    }
}
