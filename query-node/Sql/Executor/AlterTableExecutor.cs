using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// ALTER TABLE as Aurora DSQL allows it: ADD COLUMN (name and type only), RENAME COLUMN, RENAME TO, plus DROP
/// COLUMN. No row is rewritten: rows are maps by column id, so a new column reads as NULL in old rows and a dropped
/// column's values are ignored (its id is never reused). The descriptor's version goes up, and rewriting the
/// descriptor key makes concurrent statements that used the old one fail at commit (OC001).
/// </summary>
internal static class AlterTableExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(AlterTableStmt alter, SqlCatalog catalog, ITransactionStore store, CancellationToken cancellationToken)
    {
        SqlEngine.CheckSchema(alter.Relation);
        string name = alter.Relation.RelationName;
        TableDescriptor? table = await catalog.GetTableAsync(store, name, cancellationToken);
        if (table is null)
        {
            if (alter.MissingOk)
            {
                return new StatementResult(null, null, "ALTER TABLE") { Notices = [$"relation \"{name}\" does not exist, skipping"] };
            }
            throw new SqlException(SqlState.UndefinedTable, $"relation \"{name}\" does not exist", alter.Relation.Location + 1);
        }
        var columns = table.Columns.ToList();
        var keyColumnIds = table.PrimaryKeyOrdinals.Select(ordinal => table.Columns[ordinal].Id).ToList();
        int nextColumnId = table.NextColumnId;
        IReadOnlyList<IndexDescriptor> indexes = table.Indexes;
        IReadOnlyList<CheckConstraint> checks = table.Checks;
        string tableName = table.Name;
        var notices = new List<string>();
        foreach (AlterTableCmd command in alter.Commands)
        {
            switch (command)
            {
                case AddColumnCmd add:
                    ColumnDef definition = add.Column;
                    if (columns.Exists(column => column.Name == definition.Name))
                    {
                        if (add.MissingOk)
                        {
                            notices.Add($"column \"{definition.Name}\" of relation \"{tableName}\" already exists, skipping");
                            continue;
                        }
                        throw new SqlException(SqlState.DuplicateColumn, $"column \"{definition.Name}\" of relation \"{tableName}\" already exists");
                    }
                    if (definition.IsPrimaryKey || definition.IsNotNull || definition.Default is not null)
                    {
                        throw new SqlException(SqlState.FeatureNotSupported, "ADD COLUMN with constraints or a DEFAULT is not supported", definition.Location + 1);
                    }
                    (SqlType type, _) = TypeResolver.Resolve(definition.TypeName);
                    columns.Add(new ColumnDescriptor(nextColumnId++, definition.Name, type, NotNull: false, HasDefault: false, DefaultValue: null));
                    break;
                case DropColumnCmd drop:
                    int dropIndex = columns.FindIndex(column => column.Name == drop.Name);
                    if (dropIndex < 0)
                    {
                        if (drop.MissingOk)
                        {
                            notices.Add($"column \"{drop.Name}\" of relation \"{tableName}\" does not exist, skipping");
                            continue;
                        }
                        throw new SqlException(SqlState.UndefinedColumn, $"column \"{drop.Name}\" of relation \"{tableName}\" does not exist");
                    }
                    if (keyColumnIds.Contains(columns[dropIndex].Id))
                    {
                        throw new SqlException(SqlState.FeatureNotSupported, "cannot drop a primary key column", drop.Location + 1);
                    }
                    // Indexes and CHECK constraints on the column go with it, as in PostgreSQL.
                    (indexes, checks) = SchemaDependencies.Without(table.WithSchema(columns: columns, indexes: indexes, checks: checks), columns[dropIndex]);
                    columns.RemoveAt(dropIndex);
                    break;
                case RenameColumnCmd rename:
                    int renameIndex = columns.FindIndex(column => column.Name == rename.OldName);
                    if (renameIndex < 0)
                    {
                        throw new SqlException(SqlState.UndefinedColumn, $"column \"{rename.OldName}\" does not exist");
                    }
                    if (columns.Exists(column => column.Name == rename.NewName))
                    {
                        throw new SqlException(SqlState.DuplicateColumn, $"column \"{rename.NewName}\" of relation \"{tableName}\" already exists");
                    }
                    if (SchemaDependencies.IsNamedByExpression(table.WithSchema(columns: columns, indexes: indexes, checks: checks), rename.OldName))
                    {
                        throw new SqlException(SqlState.FeatureNotSupported, "renaming a column that a CHECK constraint or an index expression names is not supported");
                    }
                    columns[renameIndex] = columns[renameIndex] with { Name = rename.NewName };
                    break;
                case RenameTableCmd renameTable:
                    if (renameTable.NewName != tableName && await catalog.GetTableAsync(store, renameTable.NewName, cancellationToken) is not null)
                    {
                        throw new SqlException(SqlState.DuplicateTable, $"relation \"{renameTable.NewName}\" already exists");
                    }
                    tableName = renameTable.NewName;
                    break;
            }
        }
        if (columns.Count > SqlLimits.ColumnsPerTableMax)
        {
            throw new SqlException(EngineSqlState.TooManyColumns, $"tables can have at most {SqlLimits.ColumnsPerTableMax} columns");
        }
        var keyOrdinals = keyColumnIds.Select(id => columns.FindIndex(column => column.Id == id)).ToArray();
        var altered = table.WithSchema(tableName, nextColumnId, columns, keyOrdinals, indexes, checks);
        if (tableName != table.Name) SqlCatalog.DeleteTable(store, table);
        foreach (IndexDescriptor dropped in table.Indexes.Where(index => !indexes.Contains(index))) SqlCatalog.DeleteIndexName(store, dropped.Name);
        SqlCatalog.WriteTable(store, altered);
        return new StatementResult(null, null, "ALTER TABLE") { Notices = notices };
    }
}
