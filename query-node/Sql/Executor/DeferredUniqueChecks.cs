using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// UNIQUE constraints declared DEFERRABLE. PostgreSQL checks them at the end of the statement (INITIALLY IMMEDIATE) or
/// at COMMIT (INITIALLY DEFERRED, or SET CONSTRAINTS ... DEFERRED), so rows may pass through equal values on the way
/// (<c>UPDATE t SET position = position + 1</c>). Their index entries keep the row key in the entry's key, as a
/// non-unique index's do, so two rows with equal values are two entries; each value a statement writes queues a check
/// in the transaction's <see cref="DeferredConstraints"/> that scans the entries of that value and fails with 23505
/// when it finds more than one. The session runs the checks that are not deferred when each statement ends, and all of
/// them at COMMIT.
///
/// Why it is safe under optimistic concurrency: two transactions that write the same value no longer write the same
/// entry key, so each also writes the value's uniqueness lock (a tombstone under the table's lock index, see
/// <see cref="ForeignKeyChecks.ReferenceLockIndexId"/>, followed by "unique", the index id and the encoded value): the
/// second to commit fails with 40001 instead of committing a duplicate. A writer that finds the other's row already
/// committed sees it in the scan (23505). The price: two transactions writing the same value of such an index conflict
/// even when one of them would have moved it away before committing.
/// </summary>
internal static class DeferredUniqueChecks
{
    /// <summary>Queues the check of one value just written (the row and its entry are in the writes already), and
    /// takes the value's uniqueness lock. A store that cannot defer checks the value at once.</summary>
    public static async ValueTask QueueAsync(TableDescriptor table, WriteIndex index, object?[] keyValues, StatementWrites writes, CancellationToken cancellationToken)
    {
        KeyEncoder prefix = RowWriter.EntryPrefix(index, table.Id, keyValues, 0, out bool unique);
        if (!unique) return;
        byte[] start = prefix.ToArray();
        writes.Delete(LockKey(table.Id, index.Descriptor.Id, start));
        var check = new PendingUnique(table.Name, index.Descriptor, index.KeyNames, keyValues, start, prefix.ToPrefixEnd());
        if (writes.Store.DeferredConstraints is { } deferred) deferred.Add("unique\0" + Convert.ToHexString(start), check);
        else await check.CheckAsync(writes.Store, cancellationToken);
    }

    /// <summary>Whether an entry of another row than <paramref name="rowKey"/> has these key values (CREATE or ADD of a
    /// deferrable unique constraint over rows already there).</summary>
    public static async ValueTask<bool> HasOtherEntryAsync(WriteIndex index, long tableId, object?[] keyValues, byte[] rowKey, ITransactionStore store,
        CancellationToken cancellationToken)
    {
        KeyEncoder prefix = RowWriter.EntryPrefix(index, tableId, keyValues, 0, out bool unique);
        if (!unique) return false;
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(prefix.ToArray(), prefix.ToPrefixEnd(), cancellationToken))
        {
            if (!RowWriter.RowKeyOfEntry(entry.Value).AsSpan().SequenceEqual(rowKey)) return true;
        }
        return false;
    }

    private static byte[] LockKey(long tableId, int indexId, byte[] entryPrefix)
    {
        KeyEncoder encoder = CatalogKeys.IndexPrefix(tableId, ForeignKeyChecks.ReferenceLockIndexId, 32 + entryPrefix.Length);
        encoder.WriteValue("unique");
        encoder.WriteValue(indexId);
        encoder.WriteRaw(entryPrefix);
        return encoder.ToArray();
    }

    /// <summary>One value of a deferrable unique index: when it runs, at most one entry may hold it.</summary>
    private sealed class PendingUnique(string tableName, IndexDescriptor index, string[] keyNames, object?[] keyValues, byte[] start, byte[] end)
        : IDeferredConstraintCheck
    {
        public string TableName => tableName;

        public string ConstraintName => index.Name;

        public bool InitiallyDeferred => index.Deferral == ConstraintDeferral.InitiallyDeferred;

        public async ValueTask CheckAsync(ITransactionStore store, CancellationToken cancellationToken)
        {
            // A dropped index's entries stay where they were (ids are not reused): only a live one is checked.
            if (await store.GetAsync(CatalogKeys.DescriptorByName(tableName), cancellationToken) is not { } bytes
                || !DescriptorCodec.Decode(bytes).Indexes.Any(candidate => candidate.Id == index.Id)) return;
            int entries = 0;
            await foreach (KeyValuePair<byte[], byte[]> _ in store.ScanAsync(start, end, cancellationToken))
            {
                if (++entries > 1) throw ConstraintChecks.DuplicateKey(index.Name, keyNames, keyValues, Types.DateTimeSettings.Default); // at COMMIT, after the statements
            }
        }
    }
}
