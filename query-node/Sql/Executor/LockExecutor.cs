using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// LOCK TABLE checks its relations and takes no lock. Log is optimistic, as DSQL is: nothing waits, and what a lock
/// would have kept out is caught at commit instead. Two transactions that write the same rows or catalog entries (two
/// EF Core migrators inserting the same __EFMigrationsHistory row and creating the same tables, the case clients lock
/// for) cannot both commit: the second fails with 40001 and a retrying client finds the work done. What it does not
/// give is a lock on rows neither writes (a reader is not kept out), which no client here relies on. The 25P01 outside a
/// transaction block is the session's (it knows the block); the relation checks are PostgreSQL's.
/// </summary>
internal static class LockExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(LockStmt lockStatement, SqlCatalog catalog, ITransactionStore store, StatementContext statement, CancellationToken cancellationToken)
    {
        foreach (RangeVar relation in lockStatement.Relations)
        {
            if (Catalog.System.SystemRelations.Resolve(relation.SchemaName, relation.RelationName) is not null) continue;
            SqlEngine.CheckSchema(relation, statement.Relations);
            switch (await catalog.RelationKindAsync(store, relation.RelationName, cancellationToken))
            {
                case null:
                    throw new SqlException(SqlState.UndefinedTable, $"relation \"{relation.RelationName}\" does not exist");
                case SqlCatalog.Sequence:
                    throw new SqlException(SqlState.WrongObjectType, $"cannot lock relation \"{relation.RelationName}\"",
                        detail: "This operation is not supported for sequences.");
            }
        }
        return new StatementResult(null, null, "LOCK TABLE");
    }
}
