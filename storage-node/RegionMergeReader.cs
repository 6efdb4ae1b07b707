using System.Runtime.CompilerServices;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;

namespace Log.StorageNode;

/// <summary>
/// A storage replica's view of every region's topic in multi-region mode (adjudicator/README.md, "Regions"): it reads
/// one partition of each region topic (each through its own reader, possibly on another bootstrap server), merges them
/// with <see cref="RegionMergeFeed"/>, and presents the result as one partition that the unchanged apply loop
/// consumes: the committed candidates in the merged order (commit timestamp, region), each as a Commit record, and a
/// heartbeat whenever the merge's released timestamp moves, so the replica's resolved timestamp is the released
/// timestamp. Refused candidates never appear.
/// <para>
/// Offsets of the merged partition count its records from this reader's start; they are not the same across two
/// starts (heartbeats fall where the regions' records happened to arrive), so a replica in multi-region mode starts
/// from an empty folder and replays every region topic (checkpoints of the merged stream are not built). The records
/// are kept only until the replica has read past them: one reader at a time, which may reopen at the offset after the
/// last record it applied, as the apply loop does after a read error.
/// </para>
/// </summary>
public sealed class RegionMergeReader : IJournalReader
{
    private readonly RegionMergeFeed feed;
    private readonly int partition;
    private readonly object gate = new();
    private readonly List<JournalRecord> merged = [];
    private long firstOffset;
    private ulong lastHeartbeat;
    private TaskCompletionSource appended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int started;

    /// <param name="regionReaders">A reader of every region's topic by region name; <paramref name="partition"/> of
    /// each is read, and it is also the partition number the merged records are given.</param>
    public RegionMergeReader(IReadOnlyDictionary<string, IJournalReader> regionReaders, int partition, TimeSpan conflictWindow,
        TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        this.partition = partition;
        feed = new RegionMergeFeed(regionReaders, partition, conflictWindow, OnDecided, timeProvider, logger);
    }

    /// <summary>The merge's released timestamp: every region's candidates at or below it are decided.</summary>
    public HybridTimestamp Released => feed.Released;

    /// <summary>Completes when the merge stopped for good (a corrupt region topic).</summary>
    public Task Failure => feed.Failure;

    public async IAsyncEnumerable<JournalEntry> ReadAsync(int partition, long fromOffset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (partition != this.partition)
        {
            throw new ArgumentOutOfRangeException(nameof(partition), $"This merged stream is partition {this.partition}.");
        }
        if (Interlocked.Exchange(ref started, 1) == 0)
        {
            if (fromOffset != 0)
            {
                // Offsets of an earlier start name other records: applying from here would skip commits silently.
                throw new InvalidDataException(
                    $"A replica in multi-region mode replays every region topic from an empty folder; it asked to resume at merged offset {fromOffset}.");
            }
            feed.Start();
        }
        var next = fromOffset;
        while (true)
        {
            JournalRecord? record = null;
            Task wait;
            lock (gate)
            {
                if (next < firstOffset)
                {
                    throw new InvalidOperationException(
                        $"The merged stream keeps records from offset {firstOffset} on; a replica in multi-region mode replays from an empty folder.");
                }
                // The reader asks for `next` only once it applied everything before `next - 1`'s successor: what lies
                // below `next - 1` is never asked for again.
                var forget = (int)Math.Min(merged.Count, Math.Max(0, next - 1 - firstOffset));
                if (forget > 0)
                {
                    merged.RemoveRange(0, forget);
                    firstOffset += forget;
                }
                if (next - firstOffset < merged.Count)
                {
                    record = merged[(int)(next - firstOffset)];
                }
                wait = appended.Task;
            }
            if (record is not null)
            {
                yield return new JournalEntry(partition, next, record);
                next++;
                continue;
            }
            await Task.WhenAny(wait, feed.Failure).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (feed.Failure.IsFaulted)
            {
                throw new InvalidDataException("The merge of the region topics stopped.", feed.Failure.Exception?.InnerException);
            }
        }
    }

    private void OnDecided(IReadOnlyList<RegionDecision> decisions, HybridTimestamp released)
    {
        TaskCompletionSource? wake = null;
        lock (gate)
        {
            var before = merged.Count;
            foreach (var decision in decisions)
            {
                if (decision.IsCommitted)
                {
                    // One merged stream with no writer epochs of its own: the regions' epochs were honoured by the feed.
                    merged.Add(decision.Record with { Shard = partition, Epoch = 0, CheckKeys = null });
                }
            }
            if (released.Value > lastHeartbeat)
            {
                lastHeartbeat = released.Value;
                merged.Add(JournalRecord.ForHeartbeat(released, partition, 0));
            }
            if (merged.Count > before)
            {
                wake = appended;
                appended = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        wake?.SetResult();
    }

    public ValueTask DisposeAsync() => feed.DisposeAsync();
}
