using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// SET CONSTRAINTS: changes when the transaction's deferrable constraints are checked (PostgreSQL's
/// AfterTriggerSetState). A name, maybe schema-qualified, means every constraint of that name in the first schema of
/// search_path that has one (42704 when none has; 42809 when one of them is not deferrable). IMMEDIATE also runs, at
/// once, the checks that were waiting for the constraints it names, so their violations fail this statement. The
/// 25P01 warning outside a transaction block is the session's (it knows the block).
/// </summary>
internal static class ConstraintsSetExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(ConstraintsSetStmt statement, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        DeferredConstraints? deferred = store.DeferredConstraints;
        if (statement.Constraints is null)
        {
            deferred?.SetAll(statement.Deferred);
        }
        else
        {
            List<TableDescriptor> tables = await ReadTablesAsync(store, cancellationToken);
            IReadOnlyList<string> path = statementContext.Relations is { } resolver ? await resolver.PathAsync(cancellationToken) : [SqlCatalog.DefaultSchema];
            foreach (RangeVar name in statement.Constraints)
            {
                foreach ((TableDescriptor table, string constraint, ConstraintDeferral deferral) in Find(tables, path, name))
                {
                    if (!deferral.IsDeferrable())
                    {
                        throw new SqlException(SqlState.WrongObjectType, $"constraint \"{name.RelationName}\" is not deferrable");
                    }
                    deferred?.Set(table.Name, constraint, statement.Deferred);
                }
            }
        }
        if (!statement.Deferred && deferred is not null) await deferred.RunAsync(store, atCommit: false, cancellationToken);
        return new StatementResult(null, null, "SET CONSTRAINTS");
    }

    /// <summary>The constraints a name means (every kind, as pg_constraint holds them: CHECK and NOT DEFERRABLE keys
    /// too, so that naming one gets PostgreSQL's error).</summary>
    private static List<(TableDescriptor Table, string Name, ConstraintDeferral Deferral)> Find(List<TableDescriptor> tables, IReadOnlyList<string> path, RangeVar name)
    {
        IEnumerable<string> schemas = name.SchemaName is { } schema ? [schema] : path;
        foreach (string candidate in schemas)
        {
            var found = new List<(TableDescriptor, string, ConstraintDeferral)>();
            foreach (TableDescriptor table in tables.Where(table => RelationNames.SchemaOf(table.Name) == candidate))
            {
                found.AddRange(ConstraintsOf(table).Where(constraint => RelationNames.NameOf(constraint.Name) == name.RelationName).Select(constraint => (table, constraint.Name, constraint.Deferral)));
            }
            if (found.Count > 0) return found;
        }
        throw new SqlException(SqlState.UndefinedObject, $"constraint \"{name.RelationName}\" does not exist");
    }

    private static IEnumerable<(string Name, ConstraintDeferral Deferral)> ConstraintsOf(TableDescriptor table)
    {
        if (!table.HasHiddenRowId) yield return (table.PrimaryKeyConstraintName, ConstraintDeferral.NotDeferrable);
        foreach (IndexDescriptor index in table.Indexes.Where(index => index.IsConstraint)) yield return (index.Name, index.Deferral);
        foreach (CheckConstraint check in table.Checks) yield return (check.Name, ConstraintDeferral.NotDeferrable);
        foreach (ForeignKeyConstraint foreignKey in table.ForeignKeys) yield return (foreignKey.Name, foreignKey.Deferral);
    }

    private static async ValueTask<List<TableDescriptor>> ReadTablesAsync(ITransactionStore store, CancellationToken cancellationToken)
    {
        var tables = new List<TableDescriptor>();
        (byte[] start, byte[] end) = CatalogKeys.DescriptorByNameRange();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(start, end, cancellationToken)) tables.Add(DescriptorCodec.Decode(entry.Value));
        return tables;
    }
}
