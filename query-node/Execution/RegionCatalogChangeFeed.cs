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
/// region's adjudicator and storage replica decide with (<see cref="RegionMergeFeed"/>), and moves the catalog version
/// for every committed candidate that writes a definition key, in the merged order. A refused candidate moves nothing:
/// the merge starts from every topic's first record, as the replica's does, so its decisions are the adjudicators'.
/// <para>A transaction's snapshot is a timestamp here, not an offset (<see cref="RegionSnapshotSource"/>), so BEGIN
/// waits for the merge's released timestamp to reach it: every candidate at or below it is then decided and, being
/// handed over before the waiters are woken, has moved the version. In steady state the released timestamp runs ahead
/// of the clocks (the lead less the delay between regions), so BEGIN does not wait; the storage read waits for the same
/// timestamp anyway.</para>
/// <para>Threading: the merge's loops call <see cref="OnDecided"/> under its lock; it only moves a counter. Dispose stops
/// the loops and the readers it was given.</para>
/// </summary>
public sealed class RegionCatalogChangeFeed : ICatalogChanges
{
    /// <summary>How long BEGIN waits for the merge to release its snapshot before it fails with 57P03 (a region is lost
    /// and not yet sealed, or its journal is unreachable), as <see cref="CatalogChangeFeed.WaitMax"/>.</summary>
    public static readonly TimeSpan WaitMax = CatalogChangeFeed.WaitMax;

    private readonly RegionMergeFeed feed;
    private readonly IReadOnlyCollection<IJournalReader> readers;
    private readonly Func<byte[], bool> changesDefinitions;
    private readonly Action onChange;

    /// <param name="regionReaders">A reader of every peered region's topic by region name (partition 0: one shard per
    /// region); owned by the feed from now on.</param>
    /// <param name="conflictWindow">The adjudicators' conflict window, so that the merge decides as they do.</param>
    public RegionCatalogChangeFeed(IReadOnlyDictionary<string, IJournalReader> regionReaders, TimeSpan conflictWindow,
        Func<byte[], bool> changesDefinitions, Action onChange, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(regionReaders);
        ArgumentNullException.ThrowIfNull(changesDefinitions);
        ArgumentNullException.ThrowIfNull(onChange);
        readers = [.. regionReaders.Values];
        this.changesDefinitions = changesDefinitions;
        this.onChange = onChange;
        feed = new RegionMergeFeed(regionReaders, partition: 0, conflictWindow, OnDecided, logger: logger);
    }

    /// <summary>Every region's candidates at or below it have been decided and their DDL counted.</summary>
    public Log.Journal.Time.HybridTimestamp Released => feed.Released;

    public void Start() => feed.Start();

    public async Task WaitThroughAsync(Snapshot snapshot, CancellationToken cancellationToken)
    {
        var released = feed.WaitForReleasedAsync(snapshot.ReadPoint.Timestamp, cancellationToken);
        if (released.IsCompleted)
        {
            await released.ConfigureAwait(false);
            return;
        }
        try
        {
            await released.WaitAsync(WaitMax, cancellationToken).ConfigureAwait(false);
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
            if (decision.IsCommitted && decision.Record.Writes.Any(write => changesDefinitions(write.Key)))
            {
                onChange();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await feed.DisposeAsync().ConfigureAwait(false);
        foreach (var reader in readers)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }
    }
}
