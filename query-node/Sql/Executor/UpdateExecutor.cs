using System.Globalization;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Planner;

namespace Log.QueryNode.Sql.Executor;

/// <summary>UPDATE: read the matching rows first, compute every new row from its old one, then write. A row whose
/// primary key changes moves: all old keys are deleted before any new key is checked and written, so
/// "SET id = id + 1" works whatever the order, and a real collision still fails with 23505.</summary>
internal static class UpdateExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(BoundUpdate update, AccessPath path, ITransactionStore store, CancellationToken cancellationToken)
    {
        TableDescriptor table = update.Table;
        List<StoredRow> matches = await RowSource.ReadMatchingAsync(store, table, path, update.Where, cancellationToken);
        bool assignsKey = false;
        foreach ((int ordinal, _) in update.Assignments) if (table.IsPrimaryKeyColumn(ordinal)) assignsKey = true;

        var newRows = new List<(byte[] OldKey, byte[] NewKey, object?[] Values)>(matches.Count);
        foreach (StoredRow row in matches)
        {
            var values = (object?[])row.Values.Clone();
            foreach ((int ordinal, BoundExpression value) in update.Assignments)
            {
                values[ordinal] = ExpressionEvaluator.Evaluate(value, row.Values);
            }
            ConstraintChecks.CheckNotNull(table, values);
            byte[] newKey = row.Key;
            if (assignsKey)
            {
                byte[] candidate = RowSource.KeyOf(store, table, values);
                if (!candidate.AsSpan().SequenceEqual(row.Key)) newKey = candidate;
            }
            newRows.Add((row.Key, newKey, values));
        }
        foreach ((byte[] oldKey, byte[] newKey, _) in newRows)
        {
            if (!ReferenceEquals(oldKey, newKey)) store.Delete(oldKey);
        }
        List<object?[]>? returned = update.Returning is null ? null : [];
        foreach ((byte[] oldKey, byte[] newKey, object?[] values) in newRows)
        {
            if (!ReferenceEquals(oldKey, newKey))
            {
                await ConstraintChecks.CheckKeyIsFreeAsync(store, table, newKey, values, cancellationToken);
            }
            store.Put(newKey, RowEncoder.Encode(table, values));
            if (returned is not null) returned.Add(Returning.Project(update.Returning!, values));
        }
        return new StatementResult(update.Returning?.Columns, returned, "UPDATE " + newRows.Count.ToString(CultureInfo.InvariantCulture));
    }
}
