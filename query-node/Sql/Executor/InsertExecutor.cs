using Log.Journal.Records;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Executor.Operators;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;

namespace Log.QueryNode.Sql.Executor;

/// <summary>INSERT: check each row's NOT NULL columns and its primary key (against the snapshot plus this transaction's
/// own writes, including earlier rows of this statement), then write it; with ON CONFLICT, a row whose key is taken
/// is skipped (DO NOTHING) or turns into an update of the row there (DO UPDATE).</summary>
internal static class InsertExecutor
{
    /// <summary>ON CONFLICT's expressions, compiled once per plan.</summary>
    internal sealed class ConflictAction(BoundOnConflict onConflict)
    {
        public OnConflictAction Action { get; } = onConflict.Action;

        public CompiledExpression[]? Assignments { get; } = onConflict.Assignments?.Select(expression => new CompiledExpression(expression)).ToArray();

        public CompiledExpression? Where { get; } = onConflict.Where is null ? null : new CompiledExpression(onConflict.Where);
    }

    /// <summary>Writes full table rows; returns the rows written (inserted, or updated by DO UPDATE) in order, which
    /// RETURNING reads and the command tag counts.</summary>
    public static async ValueTask<List<object?[]>> InsertRowsAsync(TableDescriptor table, List<object?[]> rows, ConflictAction? onConflict, ExecutionContext context)
    {
        StatementWrites writes = context.Statement.Writes;
        var writer = new RowWriter(table, writes);
        CancellationToken cancellationToken = context.CancellationToken;
        var written = new List<object?[]>(rows.Count);
        // Keys this statement inserted or updated: DO UPDATE may not reach the same row twice (21000).
        HashSet<byte[]>? touched = onConflict is null ? null : new HashSet<byte[]>(KeyComparer.Instance);
        foreach (object?[] values in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            writer.CheckRow(values);
            byte[] key = writer.KeyOf(values);
            if (onConflict is null)
            {
                await writer.InsertAsync(key, values, checkKey: true, cancellationToken);
                written.Add(values);
                continue;
            }
            // The key read decides between inserting and not, so it joins the commit's conflict check: a concurrent
            // transaction that commits this key first makes this one fail with 40001, never a lost or doubled row.
            byte[]? existingBytes = null;
            if (!table.HasHiddenRowId)
            {
                context.Store.AddConflictCheck(key, isSchema: false);
                existingBytes = await writes.GetAsync(key, cancellationToken);
            }
            if (existingBytes is null)
            {
                // DO NOTHING skips a row that collides on any unique index; DO UPDATE's target is the primary key.
                if (onConflict.Action == OnConflictAction.DoNothing)
                {
                    if (await writer.TryInsertAsync(key, values, cancellationToken) is not null) continue;
                }
                else
                {
                    await writer.InsertAsync(key, values, checkKey: false, cancellationToken);
                }
                touched!.Add(key);
                written.Add(values);
                continue;
            }
            if (onConflict.Action == OnConflictAction.DoNothing) continue;
            if (touched!.Contains(key))
            {
                throw new SqlException(EngineSqlState.CardinalityViolation, "ON CONFLICT DO UPDATE command cannot affect row a second time",
                    hint: "Ensure that no rows proposed for insertion within the same command have duplicate constrained values.");
            }
            object?[] existing = RowEncoder.Decode(table, existingBytes);
            object?[] pair = NestedLoopJoinOperator.Concatenate(existing, values);
            if (onConflict.Where is not null && await onConflict.Where.EvaluateAsync(pair, context) is not true) continue;
            var updated = new object?[table.Columns.Count];
            for (int ordinal = 0; ordinal < updated.Length; ordinal++) updated[ordinal] = await onConflict.Assignments![ordinal].EvaluateAsync(pair, context);
            writer.CheckRow(updated);
            byte[] newKey = writer.KeyOf(updated);
            bool moved = !newKey.AsSpan().SequenceEqual(key);
            writer.DeleteIndexEntries(key, existing);
            if (moved) writes.Delete(key);
            await writer.InsertAsync(newKey, updated, checkKey: moved, cancellationToken);
            touched.Add(newKey);
            written.Add(updated);
        }
        if (table.ForeignKeys.Count > 0) await ForeignKeyChecks.CheckReferencesAsync(table, written, null, writes, cancellationToken);
        return written;
    }

    /// <summary>One row of COPY FROM: checked and written as an INSERT's.</summary>
    internal static async ValueTask WriteAsync(TableDescriptor table, object?[] values, ITransactionStore store, StatementContext statement,
        CancellationToken cancellationToken)
    {
        var writes = new StatementWrites(store, deferred: false, statement);
        var writer = new RowWriter(table, writes);
        writer.CheckRow(values);
        await writer.InsertAsync(writer.KeyOf(values), values, checkKey: true, cancellationToken);
        if (table.ForeignKeys.Count > 0) await ForeignKeyChecks.CheckReferencesAsync(table, [values], null, writes, cancellationToken);
    }
}
