using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// The FOREIGN KEY constraints of CREATE TABLE, bound against the tables they reference with PostgreSQL's rules and
/// errors (ATAddForeignKeyConstraint): no column list means the referenced table's primary key; the referenced columns
/// must be exactly the key of its primary key or of a unique index; the column types must compare; the default name
/// is table_columns_fkey. Each referenced table records the new table in its ReferencedBy list, so that its own
/// deletes and updates find the constraint.
/// </summary>
internal static class ForeignKeyDefinition
{
    /// <summary>The new table with its foreign keys, and the other tables it references, already naming it as a
    /// referencing table (for the caller to write).</summary>
    public static ValueTask<(TableDescriptor Table, List<TableDescriptor> Referenced)> BindAsync(TableDescriptor table, CreateStmt create,
        SqlCatalog catalog, ITransactionStore store, StatementContext statement, CancellationToken cancellationToken) =>
        BindAsync(table, create.Columns.SelectMany(column => column.Constraints).Concat(create.Constraints)
            .Where(constraint => constraint.Kind == TableConstraintKind.ForeignKey).ToList(), notValid: false, catalog, store, statement, cancellationToken);

    /// <summary>The table with <paramref name="constraints"/> added to the foreign keys it has (ALTER TABLE ... ADD
    /// FOREIGN KEY [NOT VALID] too), and the other tables they reference, already naming it as a referencing table.</summary>
    public static async ValueTask<(TableDescriptor Table, List<TableDescriptor> Referenced)> BindAsync(TableDescriptor table,
        IReadOnlyList<TableConstraint> constraints, bool notValid, SqlCatalog catalog, ITransactionStore store, StatementContext statement,
        CancellationToken cancellationToken)
    {
        if (constraints.Count == 0) return (table, []);
        var names = new HashSet<string>(table.Checks.Select(check => check.Name).Concat(table.Indexes.Select(index => index.Name))
            .Concat(table.ForeignKeys.Select(foreignKey => foreignKey.Name)), StringComparer.Ordinal);
        if (!table.HasHiddenRowId) names.Add(table.PrimaryKeyConstraintName);
        var foreignKeys = table.ForeignKeys.ToList();
        var referencedTables = new List<TableDescriptor>();
        bool referencesItself = false;
        foreach (TableConstraint constraint in constraints)
        {
            ForeignKeyReference reference = constraint.References!;
            int[] ordinals = constraint.Columns.Select(column => ColumnOrdinal(table, column)).ToArray();
            SqlEngine.CheckSchema(reference.Table, statement.Relations);
            string referencedName = SqlEngine.CatalogNameOf(reference.Table, statement.Relations);
            TableDescriptor? referenced = referencedName == table.Name ? table
                : referencedTables.Find(existing => existing.Name == referencedName) ?? await catalog.GetTableAsync(store, referencedName, cancellationToken);
            if (referenced is null)
            {
                throw new SqlException(SqlState.UndefinedTable, $"relation \"{referencedName}\" does not exist", reference.Table.Location + 1);
            }
            int[] referencedOrdinals;
            if (reference.Columns is null)
            {
                if (referenced.Indexes.FirstOrDefault(index => index.IsPrimary) is { } primary)
                {
                    referencedOrdinals = primary.KeyColumns.Select(key => referenced.OrdinalOfColumnId(key.ColumnId)).ToArray();
                }
                else if (referenced.HasHiddenRowId)
                {
                    throw new SqlException(SqlState.UndefinedObject, $"there is no primary key for referenced table \"{referenced.Name}\"");
                }
                else
                {
                    referencedOrdinals = referenced.PrimaryKeyOrdinals.ToArray();
                }
            }
            else
            {
                referencedOrdinals = reference.Columns.Select(column => ColumnOrdinal(referenced, column)).ToArray();
            }
            if (referencedOrdinals.Length != ordinals.Length)
            {
                throw new SqlException(SqlState.InvalidForeignKey, "number of referencing and referenced columns for foreign key disagree");
            }
            int referencedIndexId = UniqueKeyOf(referenced, referencedOrdinals);
            string name = constraint.Name ?? ConstraintDefinitionBinder.ChooseName(table.Name, constraint.Columns.Select(column => column.Name).ToList(), "fkey", names.Contains);
            if (!names.Add(name))
            {
                throw new SqlException(SqlState.DuplicateObject, $"constraint \"{name}\" for relation \"{table.Name}\" already exists");
            }
            for (int position = 0; position < ordinals.Length; position++)
            {
                SqlType type = table.Columns[ordinals[position]].Type;
                SqlType referencedType = referenced.Columns[referencedOrdinals[position]].Type;
                if (!Comparable(type, referencedType))
                {
                    throw new SqlException(SqlState.DatatypeMismatch, $"foreign key constraint \"{name}\" cannot be implemented",
                        detail: $"Key columns \"{table.Columns[ordinals[position]].Name}\" and \"{referenced.Columns[referencedOrdinals[position]].Name}\" are of incompatible types: {type.DisplayName} and {referencedType.DisplayName}.");
                }
            }
            foreignKeys.Add(new ForeignKeyConstraint(name, ordinals.Select(ordinal => table.Columns[ordinal].Id).ToArray(), referenced.Name,
                referencedOrdinals.Select(ordinal => referenced.Columns[ordinal].Id).ToArray(), referencedIndexId,
                reference.OnDelete, reference.OnUpdate, IsValidated: !notValid, constraint.Deferral));
            if (referenced == table) referencesItself = true;
            else if (!referencedTables.Exists(existing => existing.Name == referenced.Name)) referencedTables.Add(referenced);
        }
        var bound = new TableDescriptor(table.Id, table.Name, table.Version, table.NextColumnId, table.Columns, table.PrimaryKeyOrdinals, table.Indexes,
            table.Checks, table.NextIndexId, foreignKeys.OrderBy(foreignKey => foreignKey.Name, StringComparer.Ordinal).ToArray(),
            referencesItself ? table.ReferencedBy.Append(table.Name).Distinct(StringComparer.Ordinal).ToArray() : table.ReferencedBy);
        List<TableDescriptor> updated = referencedTables
            .Select(referenced => referenced.WithSchema(referencedBy: referenced.ReferencedBy.Append(table.Name).Distinct(StringComparer.Ordinal).ToArray()))
            .ToList();
        return (bound, updated);
    }

    private static int ColumnOrdinal(TableDescriptor table, (string Name, int Location) column)
    {
        int ordinal = table.OrdinalOf(column.Name);
        if (ordinal < 0)
        {
            throw new SqlException(SqlState.UndefinedColumn, $"column \"{column.Name}\" referenced in foreign key constraint does not exist", column.Location + 1);
        }
        return ordinal;
    }

    /// <summary>PostgreSQL's transformFkeyCheckAttrs: the primary key or a valid, full, column-only unique index whose
    /// key columns are exactly the referenced ones (in any order).</summary>
    private static int UniqueKeyOf(TableDescriptor referenced, int[] referencedOrdinals)
    {
        var wanted = referencedOrdinals.ToHashSet();
        if (wanted.Count == referencedOrdinals.Length)
        {
            if (!referenced.HasHiddenRowId && wanted.SetEquals(referenced.PrimaryKeyOrdinals) && referenced.PrimaryKeyOrdinals.Count == wanted.Count)
            {
                return TableDescriptor.PrimaryIndexId;
            }
            foreach (IndexDescriptor index in referenced.Indexes)
            {
                if (!index.IsUnique || index.IsPartial || index.State != IndexState.Valid || index.KeyColumns.Any(key => key.IsExpression)) continue;
                if (index.KeyColumns.Count == wanted.Count && wanted.SetEquals(index.KeyColumns.Select(key => referenced.OrdinalOfColumnId(key.ColumnId))))
                {
                    if (index.Deferral.IsDeferrable())
                    {
                        throw new SqlException(SqlState.ObjectNotInPrerequisiteState,
                            $"cannot use a deferrable unique constraint for referenced table \"{referenced.Name}\"");
                    }
                    return index.Id;
                }
            }
        }
        throw new SqlException(SqlState.InvalidForeignKey, $"there is no unique constraint matching given keys for referenced table \"{referenced.Name}\"");
    }

    /// <summary>Whether a referencing value can be looked up as a referenced one: the same type, or two of a family
    /// with an implicit cast between them (integers and numeric, the string types).</summary>
    private static bool Comparable(SqlType type, SqlType referencedType) =>
        type.Kind == referencedType.Kind
        || type.IsNumber && referencedType.IsNumber
            && (ValueCast.CanCast(type, referencedType, ValueCast.Context.Implicit) || ValueCast.CanCast(referencedType, type, ValueCast.Context.Implicit))
        || type.IsString && referencedType.IsString;

    /// <summary>DROP TABLE of <paramref name="dropped"/>: a foreign key of a table that stays references a dropped
    /// table fails the drop (2BP01) or, with CASCADE, is dropped; a table that stays and was referenced by a dropped
    /// one forgets it. Returns the notices of CASCADE.</summary>
    public static async ValueTask<List<string>> DropAsync(List<TableDescriptor> dropped, bool cascade, SqlCatalog catalog, ITransactionStore store,
        CancellationToken cancellationToken)
    {
        bool IsDropped(string name) => dropped.Exists(table => table.Name == name);
        var changed = new Dictionary<string, TableDescriptor>(StringComparer.Ordinal);
        async ValueTask<TableDescriptor> CurrentAsync(string name) =>
            changed.TryGetValue(name, out TableDescriptor? table) ? table : (await catalog.GetTableAsync(store, name, cancellationToken))!;
        var dependents = new List<(string Constraint, string Table, string Referenced)>();
        foreach (TableDescriptor table in dropped)
        {
            foreach (string referencingName in table.ReferencedBy.Where(name => !IsDropped(name)))
            {
                TableDescriptor referencing = await CurrentAsync(referencingName);
                var kept = new List<ForeignKeyConstraint>();
                foreach (ForeignKeyConstraint foreignKey in referencing.ForeignKeys)
                {
                    if (foreignKey.ReferencedTable == table.Name) dependents.Add((foreignKey.Name, referencing.Name, table.Name));
                    else kept.Add(foreignKey);
                }
                changed[referencingName] = referencing.WithSchema(foreignKeys: kept);
            }
            foreach (string referencedName in table.ForeignKeys.Select(foreignKey => foreignKey.ReferencedTable).Distinct(StringComparer.Ordinal)
                .Where(name => !IsDropped(name)))
            {
                TableDescriptor referenced = await CurrentAsync(referencedName);
                changed[referencedName] = referenced.WithSchema(referencedBy: referenced.ReferencedBy.Where(name => name != table.Name).ToArray());
            }
        }
        if (dependents.Count > 0 && !cascade)
        {
            string referencedTable = dependents[0].Referenced;
            throw new SqlException(SqlState.DependentObjectsStillExist, $"cannot drop table {referencedTable} because other objects depend on it",
                detail: string.Join("\n", dependents.Select(dependent => $"constraint {dependent.Constraint} on table {dependent.Table} depends on table {dependent.Referenced}")),
                hint: "Use DROP ... CASCADE to drop the dependent objects too.");
        }
        foreach (TableDescriptor table in changed.Values) SqlCatalog.WriteTable(store, table);
        return dependents.Count switch
        {
            0 => [],
            1 => [$"drop cascades to constraint {dependents[0].Constraint} on table {dependents[0].Table}"],
            _ => [$"drop cascades to {dependents.Count} other objects"],
        };
    }
}
