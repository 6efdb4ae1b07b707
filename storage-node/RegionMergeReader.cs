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
/// timestamp. Refused candidates never appear. With the other regions' copies of the topics given, a committed
/// candidate is presented only once one of them holds it too (<see cref="RegionCopyWatch"/>): until then it and every
/// later one are held, and the heartbeat stays below it, so no snapshot shows a commit a region's loss could take back.
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
    private readonly Dictionary<string, RegionCopyWatch> watches = new(StringComparer.Ordinal);
    // Committed candidates decided and not yet known durable in two regions, in the merged order: the watch of their
    // region (null: no other copy is read) and the offset their region's durable end must pass.
    private readonly Queue<(RegionCopyWatch? Watch, long End, JournalRecord Record)> held = new();
    private ulong released;
    private long firstOffset;
    private ulong lastHeartbeat;
    private TaskCompletionSource appended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int started;

    /// <param name="regionReaders">A reader of every region's topic by region name (this region's copy of it);
    /// <paramref name="partition"/> of each is read, and it is also the partition number the merged records are given.</param>
    /// <param name="otherCopies">By region name, readers of that region's topic at the other regions' journals: a
    /// committed candidate is presented only once one of them holds it too (durable in two regions). A region with no
    /// entry (or null: every region) has its candidates presented as soon as they are decided, for a topology of one
    /// journal.</param>
    public RegionMergeReader(IReadOnlyDictionary<string, IJournalReader> regionReaders, int partition, TimeSpan conflictWindow,
        TimeProvider? timeProvider = null, ILogger? logger = null, IReadOnlyDictionary<string, IReadOnlyList<IJournalReader>>? otherCopies = null)
    {
        ArgumentNullException.ThrowIfNull(regionReaders);
        this.partition = partition;
        var primaries = new Dictionary<string, IJournalReader>(StringComparer.Ordinal);
        foreach (var (region, reader) in regionReaders)
        {
            if (otherCopies is not null && otherCopies.TryGetValue(region, out var copies) && copies.Count > 0)
            {
                var watch = new RegionCopyWatch(region, reader, copies, partition, 0, OnDurable, timeProvider, logger);
                watches[region] = watch;
                primaries[region] = watch.Primary;
            }
            else
            {
                primaries[region] = reader;
            }
        }
        feed = new RegionMergeFeed(primaries, partition, conflictWindow, OnDecided, timeProvider, logger);
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
            foreach (var watch in watches.Values)
            {
                watch.Start();
            }
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
        lock (gate)
        {
            foreach (var decision in decisions)
            {
                var watch = watches.GetValueOrDefault(decision.Region);
                // Every decided candidate of the region is passed, so the watch forgets the refused ones too.
                var end = watch?.EndOfCandidate(decision.Record.CommitTimestamp) ?? 0;
                if (decision.IsCommitted)
                {
                    // One merged stream with no writer epochs of its own: the regions' epochs were honoured by the feed.
                    held.Enqueue((watch, end, decision.Record with { Shard = partition, Epoch = 0, CheckKeys = null }));
                }
            }
            this.released = Math.Max(this.released, released.Value);
        }
        Present();
    }

    private void OnDurable() => Present();

    /// <summary>
    /// Moves the held commits that are durable in two regions into the merged stream, in the merged order, and a
    /// heartbeat at the highest timestamp a snapshot may read at: the released timestamp, or just below the first commit
    /// still held, so that no snapshot is served that would have to hold a commit a lost region may take with it.
    /// </summary>
    private void Present()
    {
        TaskCompletionSource? wake = null;
        lock (gate)
        {
            var before = merged.Count;
            while (held.TryPeek(out var next) && (next.Watch is null || next.End < next.Watch.DurableEnd))
            {
                merged.Add(held.Dequeue().Record);
            }
            var bound = held.TryPeek(out var first) ? Math.Min(released, first.Record.CommitTimestamp - 1) : released;
            if (bound > lastHeartbeat)
            {
                lastHeartbeat = bound;
                merged.Add(JournalRecord.ForHeartbeat(new HybridTimestamp(bound), partition, 0));
            }
            if (merged.Count > before)
            {
                wake = appended;
                appended = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        wake?.SetResult();
    }

    public async ValueTask DisposeAsync()
    {
        await feed.DisposeAsync().ConfigureAwait(false);
        foreach (var watch in watches.Values)
        {
            await watch.DisposeAsync().ConfigureAwait(false);
        }
    }
}
