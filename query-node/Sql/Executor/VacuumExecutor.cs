using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// VACUUM and ANALYZE have nothing to do in Log: old row versions are collected by the storage nodes below the trim
/// horizon, with no dead tuples left in the table, and the planner keeps no statistics. They are accepted so that tools
/// and scripts that run them (pgbench -i, ORMs, migration tools) work, and they check what PostgreSQL checks: every
/// relation they name exists (42P01) with the columns named (42703). Running outside a transaction block (VACUUM's
/// 25001) is the session's check.
/// </summary>
internal static class VacuumExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(VacuumStmt vacuum, SqlCatalog catalog, ITransactionStore store,
        StatementContext statement, CancellationToken cancellationToken)
    {
        foreach (VacuumRelation target in vacuum.Relations)
        {
            RangeVar relation = target.Relation;
            SqlEngine.CheckSchema(relation, statement.Relations);
            TableDescriptor? table = await catalog.GetTableAsync(store, relation.RelationName, cancellationToken);
            if (table is null)
            {
                if (await catalog.RelationKindAsync(store, relation.RelationName, cancellationToken) is not null) continue;
                throw new SqlException(SqlState.UndefinedTable, $"relation \"{relation.RelationName}\" does not exist");
            }
            foreach (string column in target.Columns)
            {
                if (table.OrdinalOf(column) < 0)
                {
                    throw new SqlException(SqlState.UndefinedColumn, $"column \"{column}\" of relation \"{RelationNames.NameOf(table.Name)}\" does not exist");
                }
            }
        }
        return new StatementResult(null, null, vacuum.IsVacuum ? "VACUUM" : "ANALYZE");
    }
}
