using Log.Journal.Records;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;

namespace Log.QueryNode.Sql.Executor;

/// <summary>UPDATE: every input row holds a row's new values and its key (then the FROM items' columns). A row that
/// joined several FROM rows is updated once, with the first. A row whose primary key changes moves: all old keys are
/// deleted before any new key is checked and written, so "SET id = id + 1" works whatever the order, and a real
/// collision still fails with 23505.</summary>
internal static class UpdateExecutor
{
    /// <summary>Writes the new rows; returns the input rows that were written (once per target row), which RETURNING reads.</summary>
    public static async ValueTask<List<object?[]>> UpdateRowsAsync(TableDescriptor table, List<object?[]> rows, ExecutionContext context)
    {
        StatementWrites writes = context.Statement.Writes;
        int width = table.Columns.Count;
        var seen = new HashSet<byte[]>(KeyComparer.Instance);
        var changes = new List<(byte[] OldKey, byte[] NewKey, object?[] Row)>(rows.Count);
        foreach (object?[] row in rows)
        {
            var oldKey = (byte[])row[width]!;
            if (!seen.Add(oldKey)) continue;
            var values = row[..width];
            ConstraintChecks.CheckNotNull(table, values);
            byte[] newKey = oldKey;
            if (!table.HasHiddenRowId)
            {
                byte[] candidate = RowSource.KeyOf(context.Store, table, values);
                if (!candidate.AsSpan().SequenceEqual(oldKey)) newKey = candidate;
            }
            changes.Add((oldKey, newKey, row));
        }
        foreach ((byte[] oldKey, byte[] newKey, _) in changes)
        {
            if (!ReferenceEquals(oldKey, newKey)) writes.Delete(oldKey);
        }
        var written = new List<object?[]>(changes.Count);
        foreach ((byte[] oldKey, byte[] newKey, object?[] row) in changes)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var values = row[..width];
            if (!ReferenceEquals(oldKey, newKey))
            {
                await ConstraintChecks.CheckKeyIsFreeAsync(writes, table, newKey, values, context.CancellationToken);
            }
            writes.Put(newKey, RowEncoder.Encode(table, values));
            written.Add(row);
        }
        return written;
    }
}
