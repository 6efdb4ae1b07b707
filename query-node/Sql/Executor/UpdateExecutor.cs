using Log.Journal.Records;
using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Sql.Executor;

/// <summary>UPDATE: every input row holds a row's new values and its key (then the FROM items' columns). A row that
/// joined several FROM rows is updated once, with the first. A row whose primary key changes moves: all old keys (and
/// all old index entries) are deleted before any new one is checked and written, so "SET id = id + 1" works whatever
/// the order, and a real collision still fails with 23505.</summary>
internal static class UpdateExecutor
{
    /// <summary>Writes the new rows; returns the input rows that were written (once per target row), which RETURNING reads.</summary>
    public static async ValueTask<List<object?[]>> UpdateRowsAsync(TableDescriptor table, List<object?[]> rows, ExecutionContext context)
    {
        StatementWrites writes = context.Statement.Writes;
        var writer = new RowWriter(table, writes);
        int width = table.Columns.Count;
        var seen = new HashSet<byte[]>(KeyComparer.Instance);
        var changes = new List<(byte[] OldKey, byte[] NewKey, object?[] Row)>(rows.Count);
        foreach (object?[] row in rows)
        {
            var oldKey = (byte[])row[width]!;
            if (!seen.Add(oldKey)) continue;
            var values = row[..width];
            writer.CheckRow(values);
            values.CopyTo(row, 0); // generated columns computed by the check are what is written and returned
            byte[] newKey = oldKey;
            if (!table.HasHiddenRowId)
            {
                byte[] candidate = writer.KeyOf(values);
                if (!candidate.AsSpan().SequenceEqual(oldKey)) newKey = candidate;
            }
            changes.Add((oldKey, newKey, row));
        }
        bool hasForeignKeys = table.ForeignKeys.Count > 0 || table.ReferencedBy.Count > 0;
        object?[]?[]? oldRows = await writer.ReadOldRowsAsync(changes.Select(change => change.OldKey).ToArray(), hasForeignKeys, context.CancellationToken);
        for (int position = 0; position < changes.Count; position++)
        {
            (byte[] oldKey, byte[] newKey, _) = changes[position];
            if (oldRows?[position] is { } oldRow) writer.DeleteIndexEntries(oldKey, oldRow);
            if (!ReferenceEquals(oldKey, newKey)) writes.Delete(oldKey);
        }
        var written = new List<object?[]>(changes.Count);
        foreach ((byte[] oldKey, byte[] newKey, object?[] row) in changes)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            await writer.InsertAsync(newKey, row[..width], checkKey: !ReferenceEquals(oldKey, newKey), context.CancellationToken);
            written.Add(row);
        }
        if (hasForeignKeys)
        {
            var newRows = changes.Select(change => change.Row[..width]).ToList();
            if (table.ReferencedBy.Count > 0)
            {
                await ForeignKeyChecks.OnReferencedRowsChangedAsync(table, oldRows!.Select(row => row!).ToList(), newRows, writes, context.CancellationToken);
            }
            if (table.ForeignKeys.Count > 0) await ForeignKeyChecks.CheckReferencesAsync(table, newRows, oldRows!, writes, context.CancellationToken);
        }
        return written;
    }
}
