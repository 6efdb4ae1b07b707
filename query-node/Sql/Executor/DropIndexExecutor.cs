using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>DROP INDEX: takes the index out of its table's descriptor. Its entries stay where they are, unreachable
/// (index ids are never reused within a table), for the same reason DROP TABLE leaves rows: deleting them would count
/// against the transaction's limits. An index that backs a UNIQUE constraint is dropped with the constraint. Dropping
/// an index whose build is still running cancels the build (as in Aurora DSQL): the build finds the index gone at its
/// next batch and records its job as cancelled. DROP INDEX leaves the job's record alone, so that it never conflicts
/// with the batches, which write that record.</summary>
internal static class DropIndexExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(DropIndexStmt drop, SqlCatalog catalog, ITransactionStore store, StatementContext statement, CancellationToken cancellationToken)
    {
        var notices = new List<string>();
        foreach (RangeVar relation in drop.Indexes)
        {
            if (SqlEngine.SkipsMissingSchema(relation, drop.MissingOk, notices, statement.Relations)) continue;
            string name = SqlEngine.CatalogNameOf(relation, statement.Relations);
            TableDescriptor? table = await catalog.GetTableOfIndexAsync(store, name, cancellationToken);
            if (table is null)
            {
                if (await catalog.GetTableAsync(store, name, cancellationToken) is not null)
                {
                    throw new SqlException(EngineSqlState.WrongObjectType, $"\"{RelationNames.Display(name)}\" is not an index");
                }
                if (!drop.MissingOk) throw new SqlException(SqlState.UndefinedObject, $"index \"{RelationNames.Display(name)}\" does not exist");
                notices.Add($"index \"{RelationNames.Display(name)}\" does not exist, skipping");
                continue;
            }
            IndexDescriptor index = table.FindIndex(name)!;
            if (index.IsConstraint)
            {
                throw new SqlException(EngineSqlState.DependentObjectsStillExist,
                    $"cannot drop index {RelationNames.Display(name)} because constraint {RelationNames.NameOf(name)} on table {RelationNames.Display(table.Name)} requires it",
                    hint: $"You can drop constraint {RelationNames.NameOf(name)} on table {RelationNames.Display(table.Name)} instead.");
            }
            SqlCatalog.DeleteIndexName(store, name);
            await SqlCatalog.MoveCommentsAsync(store, name, newName: null, cancellationToken);
            SqlCatalog.WriteTable(store, table.WithSchema(indexes: table.Indexes.Where(existing => existing.Id != index.Id).ToArray()));
        }
        return new StatementResult(null, null, "DROP INDEX") { Notices = notices };
    }
}
