using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Planner;
using MessagePack;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// The rewrite of ALTER TABLE ... ALTER COLUMN ... TYPE while writes continue, in bounded transactions of its own,
/// driven by its job record as an index build is (<see cref="IndexBuild"/>). ALTER TABLE commits the table with its
/// <see cref="TableRewrite"/> and the job together; from then on every writer stores each row with its converted values
/// beside the old ones, maintains the new indexes and checks the row as the rewritten table will
/// (<see cref="RewriteSchema"/>), and a writer that read the older descriptor fails at commit (OC001). Each batch reads
/// the next rows at a fresh snapshot, converts them, checks them (NOT NULL, CHECK, unique keys), writes them back with
/// their converted values and their new index entries, and records how far it got, in one transaction: a row a writer
/// changed after the batch's snapshot is written by both, so one of the two fails at commit (the batch is retried
/// smaller); a row inserted after it was written converted by its writer. The last batch switches the table to the
/// converted columns in the same transaction, so the switch is consistent with every committed write and a crash
/// leaves either the old columns (the job resumes after its last batch) or the new ones, never a half-converted
/// column. A row that does not convert or violates a constraint fails the job with PostgreSQL's error and takes the
/// rewrite off the table, which is then as it was (the converted values already written are under column ids that
/// nothing reads and that are never reused).
/// </summary>
internal sealed class TableRewriteJob(SqlCatalog catalog, string jobId, IIndexBuildTransactions transactions, TimeProvider time)
    : BatchedJob<TableDescriptor>(jobId, transactions, time)
{
    protected override string CancelledDetails => "cancelled: the table was dropped before its rewrite finished";

    protected override ValueTask<(byte[]? Last, int Rows, SqlException? Error)> RunBatchAsync(ITransactionStore store, TableDescriptor target,
        byte[]? resumeAfter, int batchRows, CancellationToken cancellationToken) =>
        RewriteBatchAsync(store, target, resumeAfter, batchRows, cancellationToken);

    protected override void Complete(ITransactionStore store, TableDescriptor target) => SqlCatalog.WriteTable(store, RewriteSchema.Switched(target));

    /// <summary>A rewrite that cannot finish goes off the table, which then has its columns as they were.</summary>
    protected override void Abandon(ITransactionStore store, TableDescriptor target) => SqlCatalog.WriteTable(store, target.WithRewrite(null));

    protected override SqlException Conflict(JobDescriptor job) => new(SqlState.SerializationFailure,
        $"could not rewrite table \"{RelationNames.Display(job.TableName)}\": concurrent writes kept conflicting with it, please retry: (OC000)");

    /// <summary>The job's table, found by its id (which the job's id holds), if it still exists and still runs this
    /// rewrite.</summary>
    protected override async ValueTask<TableDescriptor?> ReadTargetAsync(ITransactionStore store, JobDescriptor job, CancellationToken cancellationToken)
    {
        long tableId = long.Parse(JobId.AsSpan(2, JobId.IndexOf('_', StringComparison.Ordinal) - 2), System.Globalization.CultureInfo.InvariantCulture);
        byte[]? nameBytes = await store.GetAsync(CatalogKeys.NameById(tableId), cancellationToken);
        if (nameBytes is null) return null;
        TableDescriptor? table = await catalog.GetTableAsync(store, MessagePackSerializer.Deserialize<string>(nameBytes), cancellationToken);
        return table is { Rewrite.JobId: var running } && running == JobId && table.Id == tableId ? table : null;
    }

    /// <summary>Converts the next rows after <paramref name="resumeAfter"/>; returns the last row key read, how many rows
    /// were read, and the error that ends the rewrite, if any (then nothing must be committed).</summary>
    private static async ValueTask<(byte[]? Last, int Rows, SqlException? Error)> RewriteBatchAsync(ITransactionStore store, TableDescriptor table,
        byte[]? resumeAfter, int batchRows, CancellationToken cancellationToken)
    {
        RewriteSchema rewrite = WriteSchema.For(table).Rewrite!;
        AccessPath all = AccessPathPlanner.Choose(table, where: null);
        AccessPath path = resumeAfter is null ? all : all with { Start = [.. resumeAfter, 0x00] }; // the first key after it
        var writes = new StatementWrites(store, deferred: false, new StatementContext(cancellationToken));
        byte[]? last = null;
        int rows = 0;
        await foreach (StoredRow row in RowSource.ReadAsync(store, table, path, cancellationToken))
        {
            object?[] final;
            try
            {
                final = rewrite.FinalRow(row.Values, writes.Expressions);
            }
            catch (SqlException conversion)
            {
                return (null, rows, conversion);
            }
            if (Violation(rewrite, final, writes.Expressions) is { } violation) return (null, rows, violation);
            foreach (WriteIndex index in rewrite.NewIndexes)
            {
                SqlException? duplicate = await RowWriter.AddBuildEntryAsync(rewrite.Final, index, writes, row.Key, final, cancellationToken);
                if (duplicate is not null) return (null, rows, duplicate);
            }
            writes.Put(row.Key, RowEncoder.Encode(rewrite.Stored, rewrite.StoredRow(row.Values, final)));
            last = row.Key;
            if (++rows == batchRows) break;
        }
        return (last, rows, null);
    }

    /// <summary>ALTER TABLE's errors for a converted row that breaks a NOT NULL or CHECK constraint of the table.</summary>
    private static SqlException? Violation(RewriteSchema rewrite, object?[] final, ExecutionContext context)
    {
        TableDescriptor table = rewrite.Final;
        for (int ordinal = 0; ordinal < final.Length; ordinal++)
        {
            if (final[ordinal] is null && table.Columns[ordinal].NotNull)
            {
                return new SqlException(SqlState.NotNullViolation,
                    $"column \"{table.Columns[ordinal].Name}\" of relation \"{RelationNames.NameOf(table.Name)}\" contains null values");
            }
        }
        foreach ((CheckConstraint check, BoundExpression expression) in rewrite.FinalSchema.Checks)
        {
            if (ExpressionEvaluator.Evaluate(expression, final, context) is false)
            {
                return new SqlException(SqlState.CheckViolation,
                    $"check constraint \"{check.Name}\" of relation \"{RelationNames.NameOf(table.Name)}\" is violated by some row");
            }
        }
        return null;
    }
}
