using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Catalog.System;

namespace Log.QueryNode.Sql.Executor;

/// <summary>ALTER COLUMN ... TYPE that rewrites the rows: the table is committed with its rewrite and the job that does
/// it, which the session runs (and awaits) once the statement's transaction commits.</summary>
internal static partial class AlterTableExecutor
{
    /// <summary>The table with its rewrite (the converted columns, and the indexes on them built anew under new ids),
    /// checked against the table as the switch will leave it (its constraints and index expressions must bind to the new
    /// types), and the request that runs the job.</summary>
    private static (TableDescriptor Table, IndexBuildRequest Job) StartRewrite(AlteredTable altered, TableDescriptor table, ITransactionStore store)
    {
        if (table.Indexes.FirstOrDefault(index => index.State == IndexState.Building) is { } building)
        {
            throw new SqlException(EngineSqlState.ObjectInUse,
                $"cannot alter type of a column of \"{RelationNames.NameOf(table.Name)}\" while index \"{RelationNames.NameOf(building.Name)}\" is being built");
        }
        var sources = altered.Conversions.Select(conversion => table.Columns[table.OrdinalOfColumnId(conversion.SourceColumnId)]).ToArray();
        var newIndexes = new List<IndexDescriptor>();
        var replaced = new List<int>();
        int nextIndexId = table.NextIndexId;
        foreach (IndexDescriptor index in table.Indexes)
        {
            if (!sources.Any(source => SchemaDependencies.Involves(index, source))) continue;
            ConstraintDefinitionBinder.CheckIndexCount(table.Name, table.Indexes.Count + newIndexes.Count + 1);
            newIndexes.Add(index with { Id = nextIndexId++, State = IndexState.Building });
            replaced.Add(index.Id);
        }
        string jobId = JobDescriptor.TableRewriteId(table.Id, altered.Conversions[0].TargetStorageId);
        TableDescriptor rewriting = table.WithSchema(nextIndexId: nextIndexId).WithRewrite(new TableRewrite(jobId, altered.Conversions.ToArray(), newIndexes, replaced));
        _ = WriteSchema.For(rewriting); // binds the USING expressions and the switched table's constraints: their errors are the statement's
        DateTime now = TimeProvider.System.GetUtcNow().UtcDateTime;
        SqlCatalog.WriteJob(store, new JobDescriptor(jobId, JobDescriptor.TableRewriteType, JobDescriptor.Submitted, table.Name, table.Name,
            ObjectIds.Relation(table.Id), Details: null, RowsProcessed: 0, ResumeAfter: null, now, now));
        return (rewriting, new IndexBuildRequest(RelationNames.Display(table.Name), jobId, IsAsync: false));
    }
}
