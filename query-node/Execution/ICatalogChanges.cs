namespace Log.QueryNode.Execution;

/// <summary>
/// How a query node learns of DDL committed through other query nodes (in its region or another): a feed that moves
/// the engine's catalog version for every such commit, and lets a transaction wait at BEGIN until every commit its
/// snapshot holds has been through the feed, so no plan bound before a DDL in that snapshot is taken as current.
/// One region: <see cref="CatalogChangeFeed"/> (a journal partition, by offset); several:
/// <see cref="RegionCatalogChangeFeed"/> (the merge of the region topics, by timestamp).
/// </summary>
public interface ICatalogChanges : IAsyncDisposable
{
    /// <summary>Starts reading; called once, after the engine whose version it moves is built.</summary>
    void Start();

    /// <summary>Completes once every commit <paramref name="snapshot"/> may see has been read (and has moved the
    /// catalog version if it changed a definition); fails with <see cref="Log.StorageNode.StorageUnavailableException"/>
    /// (57P03) when that takes longer than the feed's limit.</summary>
    Task WaitThroughAsync(Snapshot snapshot, CancellationToken cancellationToken);
}
