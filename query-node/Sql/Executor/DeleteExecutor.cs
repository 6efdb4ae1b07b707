using System.Globalization;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Planner;

namespace Log.QueryNode.Sql.Executor;

internal static class DeleteExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(BoundDelete delete, AccessPath path, ITransactionStore store, CancellationToken cancellationToken)
    {
        List<StoredRow> matches = await RowSource.ReadMatchingAsync(store, delete.Table, path, delete.Where, cancellationToken);
        List<object?[]>? returned = delete.Returning is null ? null : new List<object?[]>(matches.Count);
        foreach (StoredRow row in matches)
        {
            store.Delete(row.Key);
            if (returned is not null) returned.Add(Returning.Project(delete.Returning!, row.Values));
        }
        return new StatementResult(delete.Returning?.Columns, returned, "DELETE " + matches.Count.ToString(CultureInfo.InvariantCulture));
    }
}
