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
        if (path.Kind == AccessKind.PointLookup)
        {
            byte[]? value = await store.GetAsync(path.Key, cancellationToken);
            if (value is not null) yield return new StoredRow(path.Key, RowEncoder.Decode(table, value));
            yield break;
        }
        if (path.Kind == AccessKind.MultiPointLookup)
        {
            foreach (byte[] key in path.Keys)
            {
                byte[]? value = await store.GetAsync(key, cancellationToken);
                if (value is not null) yield return new StoredRow(key, RowEncoder.Decode(table, value));
            }
            yield break;
        }
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(path.Start, path.End, cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new StoredRow(entry.Key, RowEncoder.Decode(table, entry.Value));
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
