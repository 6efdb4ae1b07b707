using Log.Journal.Client;
using Log.Journal.Records;
using Log.StorageNode;
using Microsoft.Extensions.Logging;

namespace Log.QueryNode.Execution;

/// <summary>
/// Catalog changes in multi-region mode (adjudicator/README.md, "Regions"): DDL is a commit like any other, written to
/// the topic of the region whose query node ran it, so a node that read only its own region's topic would never hear of
/// the other region's DDL and could keep using a plan bound against a table dropped there. This feed reads every peered
/// region's topic (each from this region's journal, which holds a copy of all of them) through the same merge the
/// region's adjudicator and storage replica decide with (<see cref="RegionMergeFeed"/>, which unpacks a commit batch into
/// its candidates as it does for them), and moves the catalog version for every committed candidate that writes a
/// definition key, in the merged order. A refused candidate moves nothing:
/// the merge starts from every topic's first record, as the replica's does, so its decisions are the adjudicators'.
/// <para>A transaction's snapshot is a timestamp here, not an offset (<see cref="RegionSnapshotSource"/>), so BEGIN
/// waits for the merge's released timestamp to reach it: every candidate at or below it is then decided and, being
/// handed over before the waiters are woken, has moved the version. In steady state the released timestamp runs ahead
/// of the clocks (the lead less the delay between regions), so BEGIN does not wait; the storage read waits for the same
/// timestamp anyway.</para>
/// <para>Where it starts: with a position file (the query node's data folder), from the position kept there by the last
/// run, not from every topic's first record, so a start reads what the topics gained since that run's last position
/// instead of the whole journal. A position (with the candidates the merge holds undecided) is taken after a batch of
/// decisions, at most every <see cref="DefaultPositionInterval"/>, and written (to a new file, then renamed over the old
/// one) by a loop at the same interval and at Dispose. It is kept without the conflict window's writes (five minutes of every region's
/// commits would make it large), so a merge restored from it may decide a candidate other than the adjudicators did;
/// a feed started from a position therefore moves the version for every DDL candidate, refused ones too: a version
/// moved for nothing only binds a plan again, one not moved would keep a stale plan. The hand-over: the restored merge
/// decides only candidates above the position's released timestamp R (every candidate at or below R was decided before
/// the position was taken), so DDL at or below R must be in every catalog this node reads: <see cref="Released"/> is R
/// right after construction, and the node's clock observes it before anything takes a snapshot, so every snapshot, and
/// every catalog read at one, is above R. A missing, unreadable or foreign (other regions) file starts from the topics'
/// first records, as before.</para>
/// <para>Threading: the merge's loops call <see cref="OnDecided"/> under its lock; it moves a counter and may keep a
/// position (a copy of the merge's state without its writes). Dispose stops the loops, writes the last position and
/// disposes the readers it was given.</para>
/// </summary>
public sealed class RegionCatalogChangeFeed : ICatalogChanges
{
    /// <summary>How long BEGIN waits for the merge to release its snapshot before it fails with 57P03 (a region is lost
    /// and not yet sealed, or its journal is unreachable), as <see cref="CatalogChangeFeed.WaitMax"/>.</summary>
    public static readonly TimeSpan WaitMax = CatalogChangeFeed.WaitMax;

    /// <summary>How often, at most, a position is taken and written, by default.</summary>
    public static readonly TimeSpan DefaultPositionInterval = TimeSpan.FromSeconds(5);

    private readonly RegionMergeFeed feed;
    private readonly IReadOnlyCollection<IJournalReader> readers;
    private readonly Func<byte[], bool> changesDefinitions;
    private readonly Action onChange;
    private readonly string? positionFile;
    private readonly TimeProvider timeProvider;
    private readonly TimeSpan positionInterval;
    private readonly ILogger? logger;
    // Whether refused DDL moves the version too: the merge was restored without its window's writes.
    private readonly bool countsRefused;
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock positionGate = new();
    // Under positionGate: the newest position taken and whether it is written yet, and when it was taken.
    private RegionMergePosition? position;
    private bool positionWritten = true;
    private long positionTakenAt;
    private Task writing = Task.CompletedTask;
    // Where BEGIN waits for the merge (logged every RegionMergeWaits.SummaryInterval, from OnDecided).
    private readonly RegionMergeWaits waits = new();
    private long lastWaitsSummary;

    /// <param name="regionReaders">A reader of every peered region's topic by region name (partition 0: one shard per
    /// region); owned by the feed from now on.</param>
    /// <param name="conflictWindow">The adjudicators' conflict window, so that the merge decides as they do.</param>
    /// <param name="positionFile">Where the feed keeps its position between runs (null: none kept, every start reads the
    /// topics from their first records).</param>
    /// <param name="positionInterval">How often, at most, a position is taken and written (<see cref="DefaultPositionInterval"/>
    /// when null; zero: taken after every batch of decisions that leaves no candidate held, and written at Dispose only).</param>
    public RegionCatalogChangeFeed(IReadOnlyDictionary<string, IJournalReader> regionReaders, TimeSpan conflictWindow,
        Func<byte[], bool> changesDefinitions, Action onChange, ILogger? logger = null, string? positionFile = null,
        TimeProvider? timeProvider = null, TimeSpan? positionInterval = null)
    {
        ArgumentNullException.ThrowIfNull(regionReaders);
        ArgumentNullException.ThrowIfNull(changesDefinitions);
        ArgumentNullException.ThrowIfNull(onChange);
        readers = [.. regionReaders.Values];
        this.changesDefinitions = changesDefinitions;
        this.onChange = onChange;
        this.positionFile = positionFile;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.positionInterval = positionInterval ?? DefaultPositionInterval;
        ArgumentOutOfRangeException.ThrowIfLessThan(this.positionInterval, TimeSpan.Zero);
        this.logger = logger;
        var from = positionFile is null ? null : ReadPosition(positionFile, regionReaders.Keys, logger);
        countsRefused = from is not null;
        feed = new RegionMergeFeed(regionReaders, partition: 0, conflictWindow, OnDecided, this.timeProvider, logger, from);
        positionTakenAt = this.timeProvider.GetTimestamp();
    }

    /// <summary>Whether the feed was restored from a kept position rather than the topics' first records.</summary>
    public bool Resumed => countsRefused;

    /// <summary>Every region's candidates at or below it have been decided and their DDL counted.</summary>
    public Log.Journal.Time.HybridTimestamp Released => feed.Released;

    public void Start()
    {
        feed.Start();
        if (positionFile is not null && positionInterval > TimeSpan.Zero)
        {
            writing = Task.Run(() => WritePositionsAsync(stopping.Token), CancellationToken.None);
        }
    }

    public async Task WaitThroughAsync(Snapshot snapshot, CancellationToken cancellationToken)
    {
        var released = feed.WaitForReleasedAsync(snapshot.ReadPoint.Timestamp, cancellationToken);
        if (released.IsCompleted)
        {
            await released.ConfigureAwait(false);
            waits.Record("BEGIN waited for the released timestamp", 0);
            return;
        }
        var started = timeProvider.GetTimestamp();
        try
        {
            await released.WaitAsync(WaitMax, cancellationToken).ConfigureAwait(false);
            waits.Record("BEGIN waited for the released timestamp", timeProvider.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (TimeoutException)
        {
            throw new StorageUnavailableException(
                $"the merge of the region topics did not release the snapshot {snapshot.ReadPoint.Timestamp} within {WaitMax.TotalSeconds:0} s (released {feed.Released}); a region may be unreachable");
        }
    }

    private void OnDecided(IReadOnlyList<RegionDecision> decisions, Log.Journal.Time.HybridTimestamp released)
    {
        foreach (var decision in decisions)
        {
            if ((decision.IsCommitted || countsRefused) && decision.Record.Writes.Any(write => changesDefinitions(write.Key)))
            {
                onChange();
            }
        }
        if (positionFile is not null && decisions.Count > 0)
        {
            TakePositionIfDue();
        }
        var now = timeProvider.GetTimestamp();
        if (timeProvider.GetElapsedTime(lastWaitsSummary, now) >= RegionMergeWaits.SummaryInterval)
        {
            if (lastWaitsSummary != 0 && waits.TakeSummary() is { } summary)
            {
                logger?.LogInformation("catalog feed waits, ms (count x mean/min/max): {Summary}", summary);
            }
            lastWaitsSummary = now;
        }
    }

    /// <summary>Under the feed's lock (from <see cref="OnDecided"/>): the position right after the batch just passed on,
    /// once the interval has passed.</summary>
    private void TakePositionIfDue()
    {
        var now = timeProvider.GetTimestamp();
        lock (positionGate)
        {
            if (timeProvider.GetElapsedTime(positionTakenAt, now) < positionInterval)
            {
                return;
            }
        }
        if (feed.Capture() is not { } taken)
        {
            return;
        }
        var withoutWrites = taken with { Merge = taken.Merge with { Writes = [] } };
        lock (positionGate)
        {
            position = withoutWrites;
            positionWritten = false;
            positionTakenAt = now;
        }
    }

    private async Task WritePositionsAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(positionInterval, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            WritePosition();
        }
    }

    /// <summary>Writes the newest position taken, if it is not written yet: to a new file renamed over the old one, so a
    /// crash leaves the old position or the new one, never part of one. A failed write keeps the older position, which
    /// is only a longer read at the next start.</summary>
    private void WritePosition()
    {
        RegionMergePosition? toWrite;
        lock (positionGate)
        {
            toWrite = positionWritten ? null : position;
            positionWritten = true;
        }
        if (toWrite is null || positionFile is null)
        {
            return;
        }
        try
        {
            var temporary = positionFile + ".new";
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
                {
                    writer.Write(PositionFormatVersion);
                    RegionMergePositionCodec.WriteTo(toWrite, writer);
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, positionFile, overwrite: true);
        }
        catch (IOException exception)
        {
            logger?.LogWarning(exception, "Could not keep the catalog feed's position in {File}", positionFile);
        }
    }

    /// <summary>Bumped when the file's encoding changes; another version is read as no position.</summary>
    private const int PositionFormatVersion = 1;

    /// <summary>The position kept in <paramref name="file"/>, or null when there is none that fits these regions.</summary>
    private static RegionMergePosition? ReadPosition(string file, IEnumerable<string> regions, ILogger? logger)
    {
        if (!File.Exists(file))
        {
            return null;
        }
        try
        {
            using var reader = new BinaryReader(File.OpenRead(file), System.Text.Encoding.UTF8);
            if (reader.ReadInt32() != PositionFormatVersion)
            {
                return null;
            }
            var kept = RegionMergePositionCodec.ReadFrom(reader);
            if (!kept.NextOffsets.Keys.Order(StringComparer.Ordinal).SequenceEqual(regions.Order(StringComparer.Ordinal))
                || !kept.Merge.Regions.Order(StringComparer.Ordinal).SequenceEqual(regions.Order(StringComparer.Ordinal)))
            {
                logger?.LogWarning("The catalog feed's position in {File} names other regions: reading the topics from their first records", file);
                return null;
            }
            return kept;
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            logger?.LogWarning(exception, "The catalog feed's position in {File} cannot be read: reading the topics from their first records", file);
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        stopping.Cancel();
        await writing.ConfigureAwait(false);
        await feed.DisposeAsync().ConfigureAwait(false);
        WritePosition();
        foreach (var reader in readers)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }
    }
}
