using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Planner;

namespace Log.QueryNode.Sql.Executor;

/// <summary>A stored row: its key (to update, delete or lock it) and its values by column ordinal.</summary>
internal readonly record struct StoredRow(byte[] Key, object?[] Values);

/// <summary>Reads a table's rows along an access path.</summary>
internal static class RowSource
{
    public static async IAsyncEnumerable<StoredRow> ReadAsync(ITransactionStore store, TableDescriptor table, AccessPath path,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (IReadOnlyList<KeyValuePair<byte[], byte[]>> page in ReadPagesAsync(store, path, cancellationToken))
        {
            foreach (KeyValuePair<byte[], byte[]> entry in page) yield return new StoredRow(entry.Key, RowEncoder.Decode(table, entry.Value));
        }
    }

    /// <summary>The stored keys and encoded values along an access path, a page at a time (one asynchronous step per
    /// page, not per row, which is what a scan of many rows spends most on otherwise).</summary>
    public static async IAsyncEnumerable<IReadOnlyList<KeyValuePair<byte[], byte[]>>> ReadPagesAsync(ITransactionStore store, AccessPath path,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (path.Kind == AccessKind.PointLookup)
        {
            byte[]? value = await store.GetAsync(path.Key, cancellationToken);
            if (value is not null) yield return [new(path.Key, value)];
            yield break;
        }
        if (path.Kind == AccessKind.MultiPointLookup)
        {
            if (path.Keys.Count == 0) yield break;
            IReadOnlyList<byte[]> keys = path.Backward ? path.Keys.Reverse().ToArray() : path.Keys;
            byte[]?[] values = await store.GetManyAsync(keys, cancellationToken);
            var found = new List<KeyValuePair<byte[], byte[]>>(values.Length);
            for (int index = 0; index < values.Length; index++)
            {
                if (values[index] is { } value) found.Add(new(keys[index], value));
            }
            if (found.Count > 0) yield return found;
            yield break;
        }
        if (path.Kind == AccessKind.IndexScan)
        {
            await foreach (IReadOnlyList<KeyValuePair<byte[], byte[]>> page in ReadThroughIndexAsync(store, path, cancellationToken)) yield return page;
            yield break;
        }
        await foreach (IReadOnlyList<KeyValuePair<byte[], byte[]>> page in ScanRangeAsync(store, path, cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return page;
        }
    }

    /// <summary>The stored entries of the path's range [Start, End) as they are (rows, or an index's entries), in the
    /// path's direction.</summary>
    public static IAsyncEnumerable<IReadOnlyList<KeyValuePair<byte[], byte[]>>> ScanRangeAsync(ITransactionStore store, AccessPath path,
        CancellationToken cancellationToken) =>
        path.IsOneEntry ? ReadOneEntryAsync(store, path.Start, cancellationToken)
        : path.Backward ? store.ScanPagesBackwardAsync(path.Start, path.End, cancellationToken)
        : store.ScanPagesAsync(path.Start, path.End, cancellationToken);

    /// <summary>The one entry a range of a unique index can hold (<see cref="AccessPath.IsOneEntry"/>), read by its key:
    /// a point read of the storage instead of a scan, as for a row by its primary key.</summary>
    private static async IAsyncEnumerable<IReadOnlyList<KeyValuePair<byte[], byte[]>>> ReadOneEntryAsync(ITransactionStore store, byte[] key,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (await store.GetAsync(key, cancellationToken) is { } entry) yield return [new(key, entry)];
    }

    /// <summary>The rows a range of index entries points at, in index order: each page of entries becomes one batch of
    /// key lookups. An entry is written in the same transaction as its row, so every entry of a snapshot has its row.</summary>
    private static async IAsyncEnumerable<IReadOnlyList<KeyValuePair<byte[], byte[]>>> ReadThroughIndexAsync(ITransactionStore store, AccessPath path,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (IReadOnlyList<KeyValuePair<byte[], byte[]>> entries in ScanRangeAsync(store, path, cancellationToken))
        {
            for (int first = 0; first < entries.Count; first += SqlLimits.IndexFetchBatchRowsMax)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(SqlLimits.IndexFetchBatchRowsMax, entries.Count - first);
                var keys = new byte[count][];
                for (int index = 0; index < count; index++) keys[index] = RowWriter.RowKeyOfEntry(entries[first + index].Value);
                // One entry (a unique index's key): the storage's single-key read, lighter than a batch of one.
                byte[]?[] values = count == 1 ? [await store.GetAsync(keys[0], cancellationToken)] : await store.GetManyAsync(keys, cancellationToken);
                var rows = new List<KeyValuePair<byte[], byte[]>>(count);
                for (int index = 0; index < count; index++)
                {
                    System.Diagnostics.Debug.Assert(values[index] is not null, "an index entry without its row");
                    if (values[index] is { } value) rows.Add(new(keys[index], value));
                }
                if (rows.Count > 0) yield return rows;
            }
        }
    }

    /// <summary>The key of a row: (table, primary index, key columns), or a fresh hidden row id.</summary>
    public static byte[] KeyOf(ITransactionStore store, TableDescriptor table, object?[] values)
    {
        KeyEncoder encoder = CatalogKeys.PrimaryIndexPrefix(table.Id);
        if (table.HasHiddenRowId)
        {
            encoder.WriteInteger(store.NextUniqueId());
        }
        else
        {
            foreach (int ordinal in table.PrimaryKeyOrdinals) encoder.WriteValue(values[ordinal]);
        }
        return encoder.ToArray();
    }
}
