using Log.Journal.Time;

namespace Log.StorageNode;

public sealed partial class StorageNode
{
    /// <summary>
    /// The visible value of each key of a batch of point reads (a key lookup join's batch, a multi-row fetch), read as a
    /// scan batch reads its keys: each key's head record address comes from the ordered index, a head record in memory
    /// is read in place at that address, and the head records that have left memory are read together, sorted by
    /// address, in a few large reads through FASTER's device (<see cref="VersionStore.VisitVisibleManyAsync"/>), instead
    /// of one synchronous FASTER read per key (about 3.5 µs of CPU each, and the reads wait for the disk one after
    /// another). A key the index does not hold, or holds with no address, is looked up in FASTER's hash index as before.
    /// </summary>
    private async ValueTask ReadVisibleManyAsync(VersionStore store, IReadOnlyList<byte[]> keys, HybridTimestamp at, byte[]?[] values,
        CancellationToken cancellationToken)
    {
        var indexed = new List<IndexedKey>(keys.Count);
        this.keys.FindHeadAddresses(keys, indexed);
        await store.VisitVisibleManyAsync(indexed, at.Value, (index, value) =>
        {
            values[index] = value.ToArray();
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }
}
