using Log.Journal.Records;
using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Sql.Executor;

/// <summary>DELETE: every input row holds a row's values and its key (then the USING items' columns); a row that joined
/// several USING rows is deleted, and returned, once; its index entries go with it. Its referencing rows are checked or
/// acted on when the statement's rows are all gone.</summary>
internal static class DeleteExecutor
{
    public static async ValueTask<List<object?[]>> DeleteRowsAsync(TableDescriptor table, List<object?[]> rows, ExecutionContext context)
    {
        var writer = new RowWriter(table, context.Statement.Writes);
        int width = table.Columns.Count;
        var seen = new HashSet<byte[]>(KeyComparer.Instance);
        var deleted = new List<object?[]>(rows.Count);
        foreach (object?[] row in rows)
        {
            var key = (byte[])row[width]!;
            if (!seen.Add(key)) continue;
            writer.Delete(key, row[..width]);
            deleted.Add(row);
        }
        if (table.ReferencedBy.Count > 0)
        {
            await ForeignKeyChecks.OnReferencedRowsChangedAsync(table, deleted.Select(row => row[..width]).ToList(), null, context.Statement.Writes,
                context.CancellationToken);
        }
        return deleted;
    }
}
