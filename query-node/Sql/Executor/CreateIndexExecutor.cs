using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// CREATE [UNIQUE] INDEX [ASYNC]: binds the definition and adds the index to the table's descriptor in the building
/// state, which every writer maintains but no query reads, with the job that builds it (sys.jobs). The entries for the
/// rows already there are written after this transaction commits, by <see cref="IndexBuild"/> in transactions of its
/// own, which marks the index valid when done (the statement's result asks the session to start that job, and a plain
/// CREATE INDEX to await it; ASYNC returns the job's id at once, as Aurora DSQL does).
/// </summary>
internal static class CreateIndexExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(IndexStmt statement, SqlCatalog catalog, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        SqlEngine.CheckSchema(statement.Relation, statementContext.Relations);
        string tableName = SqlEngine.CatalogNameOf(statement.Relation, statementContext.Relations);
        // An index lives in its table's schema.
        if (statement.Name is { } given) statement = statement with { Name = RelationNames.InSchemaOf(tableName, given) };
        if (statement.Name is { } requested && await catalog.RelationExistsAsync(store, statement.Name, cancellationToken))
        {
            if (statement.IfNotExists)
            {
                return new StatementResult(null, null, "CREATE INDEX") { Notices = [$"relation \"{RelationNames.NameOf(requested)}\" already exists, skipping"] };
            }
            throw new SqlException(SqlState.DuplicateTable, $"relation \"{RelationNames.NameOf(requested)}\" already exists");
        }
        TableDescriptor table = await catalog.GetTableAsync(store, tableName, cancellationToken)
            ?? throw new SqlException(SqlState.UndefinedTable, $"relation \"{RelationNames.Display(tableName)}\" does not exist", statement.Relation.Location + 1);
        if (table.Rewrite is { } running)
        {
            // Its entries would be built from the values the rewrite is replacing.
            throw new SqlException(EngineSqlState.ObjectInUse,
                $"cannot CREATE INDEX on \"{RelationNames.NameOf(table.Name)}\" because its rewrite (job {running.JobId}) is still running");
        }
        IndexDescriptor index = await BindWithFreeNameAsync(table, statement, catalog, store, cancellationToken);

        SqlCatalog.WriteTable(store, table.WithSchema(indexes: [.. table.Indexes, index], nextIndexId: table.NextIndexId + 1));
        IndexBuildRequest[] builds = [SubmitJob(store, table, index, statement.IsAsync)];
        string jobId = builds[0].JobId;
        if (!statement.IsAsync) return new StatementResult(null, null, "CREATE INDEX") { IndexBuilds = builds };
        // As DSQL: the job's id at once, as a one-row result, and the build in the background once this commits.
        return new StatementResult(AsyncColumns, [[jobId]], "CREATE INDEX") { IndexBuilds = builds };
    }

    /// <summary>Writes the build job of an index the statement adds (in the statement's transaction, so the job
    /// exists exactly when the index does) and returns the request that starts it once the transaction commits.</summary>
    internal static IndexBuildRequest SubmitJob(ITransactionStore store, TableDescriptor table, IndexDescriptor index, bool isAsync)
    {
        string jobId = JobDescriptor.IndexBuildId(table.Id, index.Id);
        DateTime now = TimeProvider.System.GetUtcNow().UtcDateTime;
        SqlCatalog.WriteJob(store, new JobDescriptor(jobId, JobDescriptor.IndexBuildType, JobDescriptor.Submitted, table.Name, index.Name,
            ObjectIds.Index(ObjectIds.Relation(table.Id), index.Id), Details: null, RowsProcessed: 0, ResumeAfter: null, now, now));
        return new IndexBuildRequest(index.Name, jobId, isAsync);
    }

    /// <summary>What CREATE INDEX ASYNC returns: one row with the job's id.</summary>
    public static readonly IReadOnlyList<ResultColumn> AsyncColumns = [ResultColumn.For("job_id", SqlType.Text)];

    /// <summary>An unnamed index takes PostgreSQL's generated name, skipping names any relation already has.</summary>
    private static async ValueTask<IndexDescriptor> BindWithFreeNameAsync(TableDescriptor table, IndexStmt statement, SqlCatalog catalog,
        ITransactionStore store, CancellationToken cancellationToken)
    {
        var taken = new HashSet<string>(table.Indexes.Select(existing => existing.Name), StringComparer.Ordinal) { table.Name };
        while (true)
        {
            IndexDescriptor index = ConstraintDefinitionBinder.BindIndex(table, statement, taken.Contains);
            if (statement.Name is not null || !await catalog.RelationExistsAsync(store, index.Name, cancellationToken)) return index;
            taken.Add(index.Name);
        }
    }
}
