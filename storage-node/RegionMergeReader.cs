using System.Runtime.CompilerServices;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

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
/// Offsets of the merged partition count its records from a start; they are not the same across two starts
/// (heartbeats fall where the regions' records happened to arrive). So the reader resumes only where a checkpoint
/// recorded the merge's position (<see cref="IJournalResumePoints"/>): right after a batch of decisions or of held commits
/// presented, at most once per <c>captureInterval</c>, it keeps where every region topic's reading stood, the merge's
/// state with the candidates it holds undecided (<see cref="RegionMergePosition"/>), the commits held back for durability
/// and what each copy watch knows, beside the merged offset it was taken at; a checkpoint at
/// merged offset N stores the newest such position at or below N, and the next start reads every region topic from
/// that position, presents the commits after it again from offset N on (applying them again changes nothing: each
/// version is already there) and goes on. The records are kept only until the replica has read past them: one reader
/// at a time, which may reopen at the offset after the last record it applied, as the apply loop does after a read
/// error.
/// </para>
/// </summary>
public sealed class RegionMergeReader : IJournalReader, IJournalResumePoints
{
    /// <summary>How often, at most, the reader keeps a position to resume from, by default.</summary>
    public static readonly TimeSpan DefaultCaptureInterval = TimeSpan.FromSeconds(1);

    private readonly IReadOnlyDictionary<string, IJournalReader> regionReaders;
    private readonly IReadOnlyDictionary<string, IReadOnlyList<IJournalReader>>? otherCopies;
    private readonly int partition;
    private readonly TimeSpan conflictWindow;
    private readonly TimeSpan captureInterval;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly object gate = new();
    private readonly List<JournalRecord> merged = [];
    private readonly Dictionary<string, RegionCopyWatch> watches = new(StringComparer.Ordinal);
    // Committed candidates decided and not yet known durable in two regions, in the merged order: the watch of their
    // region (null: no other copy is read) and the offset their region's durable end must pass.
    private readonly Queue<(RegionCopyWatch? Watch, long End, JournalRecord Record)> held = new();
    // Positions to resume from, oldest first, by the merged offset they were taken at.
    private readonly List<(long Offset, ResumePoint Point)> captures = [];
    private readonly TaskCompletionSource failure = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RegionMergeFeed? feed;
    private (long Offset, ResumePoint Point)? resumeAt;
    private long lastCaptureTimestamp;
    private ulong released;
    private long firstOffset;
    private ulong lastHeartbeat;
    private ulong lastPresentedCommit;
    private TaskCompletionSource appended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int started;
    private long lastWaitsSummary;

    /// <param name="regionReaders">A reader of every region's topic by region name (this region's copy of it);
    /// <paramref name="partition"/> of each is read, and it is also the partition number the merged records are given.</param>
    /// <param name="otherCopies">By region name, readers of that region's topic at the other regions' journals: a
    /// committed candidate is presented only once one of them holds it too (durable in two regions). A region with no
    /// entry (or null: every region) has its candidates presented as soon as they are decided, for a topology of one
    /// journal.</param>
    /// <param name="captureInterval">How often, at most, a position to resume from is kept
    /// (<see cref="DefaultCaptureInterval"/> when null; zero: at every moment the merge allows).</param>
    public RegionMergeReader(IReadOnlyDictionary<string, IJournalReader> regionReaders, int partition, TimeSpan conflictWindow,
        TimeProvider? timeProvider = null, ILogger? logger = null, IReadOnlyDictionary<string, IReadOnlyList<IJournalReader>>? otherCopies = null,
        TimeSpan? captureInterval = null)
    {
        ArgumentNullException.ThrowIfNull(regionReaders);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        this.regionReaders = regionReaders;
        this.otherCopies = otherCopies;
        this.partition = partition;
        this.conflictWindow = conflictWindow;
        this.captureInterval = captureInterval ?? DefaultCaptureInterval;
        ArgumentOutOfRangeException.ThrowIfLessThan(this.captureInterval, TimeSpan.Zero);
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The merge's released timestamp: every region's candidates at or below it are decided.</summary>
    public HybridTimestamp Released => feed?.Released ?? default;

    /// <summary>Where reads wait, summed and logged every <see cref="RegionMergeWaits.SummaryInterval"/>.</summary>
    public RegionMergeWaits Waits { get; } = new();

    /// <summary>Completes when the merge stopped for good (a corrupt region topic).</summary>
    public Task Failure => failure.Task;

    /// <summary>By region, the offset of its topic the merge started reading at: 0 from an empty folder, the recorded
    /// position after a resume. Empty before the first read.</summary>
    public IReadOnlyDictionary<string, long> StartOffsets { get; private set; } = new Dictionary<string, long>();

    public async IAsyncEnumerable<JournalEntry> ReadAsync(int partition, long fromOffset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (partition != this.partition)
        {
            throw new ArgumentOutOfRangeException(nameof(partition), $"This merged stream is partition {this.partition}.");
        }
        if (Interlocked.Exchange(ref started, 1) == 0)
        {
            Start(fromOffset);
        }
        var next = fromOffset;
        var active = feed!;
        while (true)
        {
            JournalRecord? record = null;
            Task wait;
            lock (gate)
            {
                if (next < firstOffset)
                {
                    throw new InvalidOperationException(
                        $"The merged stream keeps records from offset {firstOffset} on; it was asked for {next}.");
                }
                // The reader asks for `next` only once it applied everything before `next - 1`'s successor: what lies
                // below `next - 1` is never asked for again.
                var forget = (int)Math.Min(merged.Count, Math.Max(0, next - 1 - firstOffset));
                if (forget > 0)
                {
                    merged.RemoveRange(0, forget);
                    firstOffset += forget;
                }
                // Positions older than the newest one below what the replica applied are never asked for again.
                var newestApplied = captures.FindLastIndex(capture => capture.Offset <= next);
                if (newestApplied > 0)
                {
                    captures.RemoveRange(0, newestApplied);
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
            await Task.WhenAny(wait, active.Failure).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (active.Failure.IsFaulted)
            {
                var reason = active.Failure.Exception?.InnerException;
                throw new InvalidDataException($"The merge of the region topics stopped: {reason?.Message}", reason);
            }
        }
    }

    /// <summary>The newest position kept at or below merged offset <paramref name="nextOffset"/>, encoded; null when none
    /// is (the checkpoint must wait for one).</summary>
    public byte[]? PositionAt(long nextOffset)
    {
        lock (gate)
        {
            var index = captures.FindLastIndex(capture => capture.Offset <= nextOffset);
            return index < 0 ? null : captures[index].Point.Encode();
        }
    }

    /// <summary>The next read starts at merged offset <paramref name="nextOffset"/> from <paramref name="position"/> (what
    /// <see cref="PositionAt"/> gave for it): every region topic is read from there.</summary>
    public void ResumeAt(long nextOffset, byte[]? position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nextOffset);
        if (Volatile.Read(ref started) != 0)
        {
            throw new InvalidOperationException("The merged stream was read already.");
        }
        lock (gate)
        {
            resumeAt = position is null ? null : (nextOffset, ResumePoint.Decode(position));
        }
    }

    private void Start(long fromOffset)
    {
        RegionMergePosition? from = null;
        ResumePoint? point = null;
        lock (gate)
        {
            if (fromOffset != 0)
            {
                if (resumeAt is not { } resume || resume.Offset != fromOffset)
                {
                    // Offsets of an earlier start name other records: applying from here would skip commits silently.
                    throw new InvalidDataException(
                        $"A replica in multi-region mode resumes only at a checkpoint that recorded the merge's position; it asked to resume at merged offset {fromOffset}.");
                }
                point = resume.Point;
                from = point.Position;
                firstOffset = fromOffset;
                lastHeartbeat = resume.Point.LastHeartbeat;
                released = Math.Max(resume.Point.Released, resume.Point.LastHeartbeat);
                captures.Add((fromOffset, resume.Point));
            }
        }
        var primaries = new Dictionary<string, IJournalReader>(StringComparer.Ordinal);
        var startOffsets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (region, reader) in regionReaders)
        {
            var startOffset = from is null ? 0 : from.NextOffsets.GetValueOrDefault(region);
            startOffsets[region] = startOffset;
            if (otherCopies is not null && otherCopies.TryGetValue(region, out var copies) && copies.Count > 0)
            {
                var watch = new RegionCopyWatch(region, reader, copies, partition, startOffset, OnDurable, timeProvider, logger,
                    point?.Watches.GetValueOrDefault(region), Waits, from?.Epochs.GetValueOrDefault(region) ?? 0);
                watches[region] = watch;
                primaries[region] = watch.Primary;
            }
            else
            {
                primaries[region] = reader;
            }
        }
        StartOffsets = startOffsets;
        if (from is not null)
        {
            lock (gate)
            {
                // The commits decided before the position and not yet shown: held again, each behind its region's durable end.
                foreach (var (region, end, record) in point!.Held)
                {
                    held.Enqueue((region is null ? null : watches.GetValueOrDefault(region)
                        ?? throw new InvalidDataException($"A merged stream position holds a commit of region {region}, whose copies are not read."), end, record));
                }
            }
            // Those already durable at the position are shown at once, not at the next decision.
            Present()?.SetResult();
            logger.LogInformation("Resuming the merge of the region topics at merged offset {Offset}: {Positions}", fromOffset,
                string.Join(", ", startOffsets.Select(pair => $"{pair.Key} at {pair.Value}")));
        }
        var created = new RegionMergeFeed(primaries, partition, conflictWindow, OnDecided, timeProvider, logger, from);
        created.Failure.ContinueWith(done => failure.TrySetException(done.Exception?.InnerException ?? new InvalidDataException("The merge stopped.")),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        feed = created;
        created.Start();
        foreach (var watch in watches.Values)
        {
            watch.Start();
        }
    }

    private void OnDecided(IReadOnlyList<RegionDecision> decisions, HybridTimestamp released)
    {
        TaskCompletionSource? wake;
        lock (gate)
        {
            foreach (var decision in decisions)
            {
                var watch = watches.GetValueOrDefault(decision.Region);
                // Every decided candidate of the region is passed, so the watch forgets the refused ones too.
                var end = watch?.EndOfCandidate(decision.Record.CommitTimestamp) ?? 0;
                if (decision.IsCommitted)
                {
                    Waits.Record($"{decision.Region} decided after its commit timestamp", MillisecondsPast(decision.Record.Commit));
                    // One merged stream with no writer epochs of its own: the regions' epochs were honoured by the feed.
                    held.Enqueue((watch, end, decision.Record with { Shard = partition, Epoch = 0, CheckKeys = null }));
                }
            }
            this.released = Math.Max(this.released, released.Value);
            // Called under the feed's lock: the feed's position is the one right after these decisions.
            wake = PresentAndCapture();
        }
        wake?.SetResult();
    }

    private void OnDurable()
    {
        TaskCompletionSource? wake = null;
        try
        {
            // The last held commits may be presented here, after the last decision: a position is due now too, or none
            // would be taken until the next decision. Taken as OnDecided takes it, under the feed's lock and then the
            // reader's, so that no decision comes between the position and what was presented.
            if (feed is { } active && IsIntervalPassed())
            {
                active.RunExclusive(() => wake = PresentAndCapture());
            }
            else
            {
                wake = Present();
            }
        }
        finally
        {
            wake?.SetResult();
        }
    }

    /// <summary><see cref="Present"/> and <see cref="CaptureIfDue"/> under one hold of the reader's lock (the caller
    /// holds the feed's): the apply loop reads none of the new records before their position is kept, so a checkpoint
    /// taken as soon as it applied them finds it.</summary>
    private TaskCompletionSource? PresentAndCapture()
    {
        lock (gate)
        {
            var wake = Present();
            CaptureIfDue();
            return wake;
        }
    }

    private bool IsIntervalPassed()
    {
        lock (gate)
        {
            return captures.Count == 0 || timeProvider.GetElapsedTime(lastCaptureTimestamp, timeProvider.GetTimestamp()) >= captureInterval;
        }
    }

    /// <summary>
    /// Moves the held commits that are durable in two regions into the merged stream, in the merged order, and a
    /// heartbeat at the highest timestamp a snapshot may read at: the released timestamp, or just below the first commit
    /// still held, so that no snapshot is served that would have to hold a commit a lost region may take with it.
    /// <para>
    /// A Commit record resolves its own timestamp for the apply loop (<see cref="CrossShardTracker"/>: nothing more can
    /// come at or below it). Two regions may commit at one timestamp, so the commits at one timestamp are presented as
    /// one record, and only once all of them are decided (the released timestamp is at or above it) and durable: one
    /// of them shown alone would let a snapshot at that timestamp be served while another is still to be applied, and
    /// reads at it would see that one's writes only partly.
    /// </para>
    /// </summary>
    /// <returns>What to complete to wake the apply loop when records were added (the caller completes it, outside the
    /// locks); null when none were.</returns>
    private TaskCompletionSource? Present()
    {
        TaskCompletionSource? wake = null;
        lock (gate)
        {
            var before = merged.Count;
            while (TakeDurableGroup() is { } group)
            {
                merged.Add(group);
            }
            var bound = held.TryPeek(out var first) ? Math.Min(released, first.Record.CommitTimestamp - 1) : released;
            if (bound > lastHeartbeat)
            {
                Waits.Record("resolved ahead of the clock", -MillisecondsPast(new HybridTimestamp(bound)));
                lastHeartbeat = bound;
                merged.Add(JournalRecord.ForHeartbeat(new HybridTimestamp(bound), partition, 0));
            }
            LogWaitsIfDue();
            if (merged.Count > before)
            {
                wake = appended;
                appended = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        return wake;
    }

    /// <summary>The held commits at the first held commit's timestamp as one Commit record, taken off the queue, when
    /// all of them are decided and durable; otherwise null and nothing is taken. Under the reader's lock.</summary>
    private JournalRecord? TakeDurableGroup()
    {
        if (!held.TryPeek(out var first) || first.Record.CommitTimestamp > released)
        {
            return null;
        }
        var commit = first.Record.CommitTimestamp;
        var count = 0;
        foreach (var candidate in held)
        {
            if (candidate.Record.CommitTimestamp != commit)
            {
                break;
            }
            if (candidate.Watch is { } watch && candidate.End >= watch.DurableEnd)
            {
                return null;
            }
            count++;
        }
        if (commit <= lastPresentedCommit || commit <= lastHeartbeat)
        {
            // The apply loop would take it as a broken promise and the resolved timestamp would already have passed it.
            throw new InvalidOperationException(
                $"The merged stream would present a commit at {new HybridTimestamp(commit)} after resolving {new HybridTimestamp(Math.Max(lastPresentedCommit, lastHeartbeat))}.");
        }
        lastPresentedCommit = commit;
        foreach (var candidate in held.Take(count))
        {
            Waits.Record($"{candidate.Watch?.Region ?? "?"} shown after its commit timestamp", MillisecondsPast(candidate.Record.Commit));
        }
        var record = held.Dequeue().Record;
        if (count == 1)
        {
            return record;
        }
        // Commits at one timestamp write no key in common (the later one in the merged order would have been refused),
        // so one record with all their writes applies the same versions.
        var writes = new List<JournalWrite>(record.Writes);
        var start = record.StartTimestamp;
        for (var index = 1; index < count; index++)
        {
            var next = held.Dequeue().Record;
            writes.AddRange(next.Writes);
            start = Math.Min(start, next.StartTimestamp);
        }
        return record with { StartTimestamp = start, Writes = writes };
    }

    /// <summary>How far this machine's clock is past <paramref name="timestamp"/>'s physical time, in milliseconds.</summary>
    private double MillisecondsPast(HybridTimestamp timestamp) =>
        timeProvider.GetUtcNow().ToUnixTimeMilliseconds() - timestamp.PhysicalMilliseconds;

    private void LogWaitsIfDue()
    {
        var now = timeProvider.GetTimestamp();
        if (lastWaitsSummary != 0 && timeProvider.GetElapsedTime(lastWaitsSummary, now) < RegionMergeWaits.SummaryInterval)
        {
            return;
        }
        if (lastWaitsSummary != 0 && Waits.TakeSummary() is { } summary)
        {
            logger.LogInformation("merge waits over {Seconds:0} s, ms (count x mean/min/max): {Summary}",
                timeProvider.GetElapsedTime(lastWaitsSummary, now).TotalSeconds, summary);
        }
        lastWaitsSummary = now;
    }

    /// <summary>Keeps the position after everything presented so far, once the interval has passed: the feed's (its
    /// merge with the candidates it holds undecided), the commits decided and held back for durability, and what each
    /// copy watch knows below the feed's offsets (so that those commits are confirmed after a resume as they would have
    /// been). Under the reader's lock and the feed's, so no record is fed and no decision is passed on meanwhile.</summary>
    private void CaptureIfDue()
    {
        if (feed is null || !IsIntervalPassed())
        {
            return;
        }
        var now = timeProvider.GetTimestamp();
        if (feed.Capture() is not { } position)
        {
            return;
        }
        var watchStates = watches.ToDictionary(pair => pair.Key, pair => pair.Value.Capture(position.NextOffsets[pair.Key]), StringComparer.Ordinal);
        var heldNow = held.Select(entry => (Region: entry.Watch?.Region, entry.End, entry.Record)).ToList();
        var point = new ResumePoint(position, lastHeartbeat, released, watchStates, heldNow);
        var offset = firstOffset + merged.Count;
        if (captures.Count > 0 && captures[^1].Offset == offset)
        {
            captures[^1] = (offset, point);
        }
        else
        {
            captures.Add((offset, point));
        }
        lastCaptureTimestamp = now;
    }

    public async ValueTask DisposeAsync()
    {
        if (feed is not null)
        {
            await feed.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var watch in watches.Values)
        {
            await watch.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A position to resume the merged stream from: the feed's, the last heartbeat presented and the released
    /// timestamp by then, what each region's copy watch knew below the feed's offsets, and the commits decided and not
    /// yet presented (each with its region and the offset its region's durable end must pass).</summary>
    private sealed record ResumePoint(RegionMergePosition Position, ulong LastHeartbeat, ulong Released,
        IReadOnlyDictionary<string, RegionCopyWatch.WatchState> Watches, IReadOnlyList<(string? Region, long End, JournalRecord Record)> Held)
    {
        /// <summary>2 added the released timestamp, the watches and the held commits (1 was taken with none held).</summary>
        private const int FormatVersion = 2;

        /// <summary>More regions or held commits than a position holds: a count above it is corruption.</summary>
        private const int CountMax = 1 << 20;

        public byte[] Encode()
        {
            using var stream = new MemoryStream();
            using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(FormatVersion);
                writer.Write(LastHeartbeat);
                RegionMergePositionCodec.WriteTo(Position, writer);
                writer.Write(Released);
                writer.Write(Watches.Count);
                foreach (var (region, watch) in Watches.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                {
                    writer.Write(region);
                    watch.WriteTo(writer);
                }
                writer.Write(Held.Count);
                foreach (var (region, end, record) in Held)
                {
                    writer.Write(region ?? "");
                    writer.Write(end);
                    RegionMergeState.WriteRecord(writer, record);
                }
            }
            return stream.ToArray();
        }

        public static ResumePoint Decode(byte[] bytes)
        {
            try
            {
                using var reader = new BinaryReader(new MemoryStream(bytes), System.Text.Encoding.UTF8);
                var version = reader.ReadInt32();
                if (version is not (1 or FormatVersion))
                {
                    throw new InvalidDataException($"A merged stream position of format {version}; this node reads 1 and {FormatVersion}.");
                }
                var lastHeartbeat = reader.ReadUInt64();
                var position = RegionMergePositionCodec.ReadFrom(reader);
                if (version == 1)
                {
                    return new ResumePoint(position, lastHeartbeat, lastHeartbeat, new Dictionary<string, RegionCopyWatch.WatchState>(), []);
                }
                var released = reader.ReadUInt64();
                var watches = new Dictionary<string, RegionCopyWatch.WatchState>(StringComparer.Ordinal);
                for (var index = Count(reader.ReadInt32()); index > 0; index--)
                {
                    var region = reader.ReadString();
                    watches[region] = RegionCopyWatch.WatchState.ReadFrom(reader);
                }
                var held = new List<(string?, long, JournalRecord)>();
                for (var index = Count(reader.ReadInt32()); index > 0; index--)
                {
                    var region = reader.ReadString();
                    var end = reader.ReadInt64();
                    held.Add((region.Length == 0 ? null : region, end, RegionMergeState.ReadRecord(reader)));
                }
                return new ResumePoint(position, lastHeartbeat, released, watches, held);
            }
            catch (EndOfStreamException exception)
            {
                throw new InvalidDataException("A merged stream position ends early.", exception);
            }
        }

        private static int Count(int value) =>
            value is >= 0 and <= CountMax ? value : throw new InvalidDataException($"A merged stream position holds a count of {value}.");
    }
}
