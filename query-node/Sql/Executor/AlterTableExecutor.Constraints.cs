using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Planner;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// ALTER TABLE ... ADD [CONSTRAINT name] PRIMARY KEY | UNIQUE | CHECK | FOREIGN KEY [NOT VALID], VALIDATE CONSTRAINT and
/// DROP CONSTRAINT [IF EXISTS].
///
/// A UNIQUE constraint is a unique index, built after the statement commits by the same bounded, concurrency-safe job
/// as CREATE UNIQUE INDEX (23505 and no constraint if the rows hold a duplicate). A PRIMARY KEY added to a table that
/// has none is such an index too, marked primary, with NOT NULL set on its columns: the rows stay keyed by their hidden
/// row id rather than being rewritten under the new key. A rewrite would have to move every row of the table (100,000
/// for pgbench's accounts at scale 1) past the transaction's 3,000-row limit while writers go on, which the index
/// build already does safely for index entries; the price is one more read for a lookup by the key (index entry, then
/// row). A table created with a primary key keeps it: adding another is 42P16, dropping it 0A000.
///
/// A CHECK or FOREIGN KEY is checked against the rows already there in this statement's transaction (reads only, so no
/// row limit applies), unless NOT VALID: then only new and changed rows are checked until VALIDATE CONSTRAINT checks
/// the rest. Rewriting the descriptors of the table (and of the referenced table) makes a transaction that wrote
/// either with the old definition fail at commit (OC001), so no row escapes the check.
/// </summary>
internal static partial class AlterTableExecutor
{
    private static async ValueTask AddConstraintAsync(AlteredTable altered, AddConstraintCmd command, SqlCatalog catalog, ITransactionStore store,
        StatementContext statement, CancellationToken cancellationToken)
    {
        TableConstraint constraint = command.Constraint;
        switch (constraint.Kind)
        {
            case TableConstraintKind.Unique:
                await AddUniqueIndexAsync(altered, constraint, command.IsPrimaryKey, catalog, store, cancellationToken);
                break;
            case TableConstraintKind.Check:
                CheckConstraint check = ConstraintDefinitionBinder.BindAddedCheck(altered.Schema(), constraint, command.NotValid,
                    name => ConstraintNameTaken(altered, name));
                altered.Checks = [.. altered.Checks, check];
                if (!command.NotValid) altered.ConstraintsToCheck.Add(check.Name);
                break;
            case TableConstraintKind.ForeignKey:
                TableDescriptor schema = altered.Original.WithSchema(columns: altered.Columns, indexes: altered.Indexes, checks: altered.Checks,
                    foreignKeys: altered.ForeignKeys, referencedBy: altered.ReferencedBy);
                (TableDescriptor bound, List<TableDescriptor> referenced) = await ForeignKeyDefinition.BindAsync(schema, [constraint], command.NotValid,
                    catalog, store, statement, cancellationToken);
                ForeignKeyConstraint added = bound.ForeignKeys.First(foreignKey => !altered.ForeignKeys.Any(existing => existing.Name == foreignKey.Name));
                altered.ForeignKeys = bound.ForeignKeys;
                altered.ReferencedBy = bound.ReferencedBy;
                foreach (TableDescriptor other in referenced) altered.OtherTables[other.Name] = other;
                if (!command.NotValid) altered.ConstraintsToCheck.Add(added.Name);
                break;
        }
    }

    private static async ValueTask AddUniqueIndexAsync(AlteredTable altered, TableConstraint constraint, bool primary, SqlCatalog catalog,
        ITransactionStore store, CancellationToken cancellationToken)
    {
        if (primary && (altered.KeyColumnIds.Count > 0 || altered.Indexes.Any(index => index.IsPrimary)))
        {
            throw new SqlException(SqlState.InvalidTableDefinition, $"multiple primary keys for table \"{RelationNames.NameOf(altered.Name)}\" are not allowed");
        }
        var keys = new List<IndexKeyColumn>();
        foreach ((string columnName, _) in constraint.Columns)
        {
            int position = altered.IndexOf(columnName, mustExist: true);
            ColumnDescriptor column = altered.Columns[position];
            keys.Add(new IndexKeyColumn(column.Id, null, Descending: false, NullsFirst: false));
            if (primary && !column.NotNull)
            {
                altered.NotNullChecks.Add(column.Id);
                altered.Columns[position] = column with { NotNull = true };
            }
        }
        ConstraintDefinitionBinder.CheckKeyCount(keys.Count);
        ConstraintDefinitionBinder.CheckIndexCount(altered.Name, altered.Indexes.Count + 1);
        string name;
        if (constraint.Name is { } given)
        {
            if (altered.Indexes.Any(index => index.Name == given) || await catalog.RelationExistsAsync(store, given, cancellationToken))
            {
                throw new SqlException(SqlState.DuplicateTable, $"relation \"{given}\" already exists");
            }
            name = given;
        }
        else
        {
            var taken = new HashSet<string>(StringComparer.Ordinal);
            while (true)
            {
                name = ConstraintDefinitionBinder.ChooseName(altered.Name, primary ? [] : constraint.Columns.Select(column => column.Name).ToList(),
                    primary ? "pkey" : "key", candidate => taken.Contains(candidate) || ConstraintNameTaken(altered, candidate));
                if (!await catalog.RelationExistsAsync(store, name, cancellationToken)) break;
                taken.Add(name);
            }
        }
        if (ConstraintNameTaken(altered, name))
        {
            throw new SqlException(SqlState.DuplicateObject, $"constraint \"{name}\" for relation \"{altered.Name}\" already exists");
        }
        altered.Indexes = [.. altered.Indexes, new IndexDescriptor(altered.NextIndexId++, name, keys, [], null, IsUnique: true,
            constraint.NullsNotDistinct, IndexState.Building, IsConstraint: true, IsPrimary: primary, constraint.Deferral)];
        altered.AddedIndexNames.Add(name);
    }

    /// <summary>Whether a constraint or index of the table already has the name (constraint names are unique per table).</summary>
    private static bool ConstraintNameTaken(AlteredTable altered, string name) =>
        altered.Checks.Any(check => check.Name == name)
        || altered.Indexes.Any(index => index.Name == name)
        || altered.ForeignKeys.Any(foreignKey => foreignKey.Name == name)
        || altered.KeyColumnIds.Count > 0 && altered.Original.PrimaryKeyConstraintName == name;

    private static async ValueTask DropConstraintAsync(AlteredTable altered, DropConstraintCmd command, SqlCatalog catalog, ITransactionStore store,
        CancellationToken cancellationToken)
    {
        string name = command.Name;
        altered.ConstraintsToCheck.Remove(name);
        if (altered.Checks.Any(check => check.Name == name))
        {
            altered.Checks = altered.Checks.Where(check => check.Name != name).ToArray();
            return;
        }
        if (altered.Indexes.FirstOrDefault(index => index.Name == name && index.IsConstraint) is { } index)
        {
            await CheckNotReferencedAsync(altered, index, catalog, store, cancellationToken);
            altered.Indexes = altered.Indexes.Where(existing => existing != index).ToArray();
            return;
        }
        if (altered.ForeignKeys.FirstOrDefault(foreignKey => foreignKey.Name == name) is { } dropped)
        {
            altered.ForeignKeys = altered.ForeignKeys.Where(foreignKey => foreignKey != dropped).ToArray();
            if (altered.ForeignKeys.Any(foreignKey => foreignKey.ReferencedTable == dropped.ReferencedTable)) return;
            if (dropped.ReferencedTable == altered.Original.Name)
            {
                altered.ReferencedBy = altered.ReferencedBy.Where(referencing => referencing != altered.Original.Name).ToArray();
                return;
            }
            TableDescriptor? referenced = altered.OtherTables.GetValueOrDefault(dropped.ReferencedTable)
                ?? await catalog.GetTableAsync(store, dropped.ReferencedTable, cancellationToken);
            if (referenced is not null)
            {
                altered.OtherTables[referenced.Name] = referenced.WithSchema(
                    referencedBy: referenced.ReferencedBy.Where(referencing => referencing != altered.Original.Name).ToArray());
            }
            return;
        }
        if (altered.KeyColumnIds.Count > 0 && name == altered.Original.PrimaryKeyConstraintName)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "dropping the primary key of a table whose rows are stored by it is not supported");
        }
        if (!command.MissingOk) throw UndefinedConstraint(altered, name);
        altered.Notices.Add($"constraint \"{name}\" of relation \"{altered.Name}\" does not exist, skipping");
    }

    /// <summary>A unique index a foreign key references cannot go (PostgreSQL's dependency check, 2BP01).</summary>
    private static async ValueTask CheckNotReferencedAsync(AlteredTable altered, IndexDescriptor index, SqlCatalog catalog, ITransactionStore store,
        CancellationToken cancellationToken)
    {
        foreach (string referencingName in altered.ReferencedBy)
        {
            IReadOnlyList<ForeignKeyConstraint> foreignKeys = referencingName == altered.Original.Name
                ? altered.ForeignKeys
                : (await catalog.GetTableAsync(store, referencingName, cancellationToken))?.ForeignKeys ?? [];
            if (foreignKeys.FirstOrDefault(foreignKey => foreignKey.ReferencedTable == altered.Original.Name && foreignKey.ReferencedIndexId == index.Id) is { } dependent)
            {
                throw new SqlException(SqlState.DependentObjectsStillExist,
                    $"cannot drop constraint {index.Name} on table {altered.Name} because other objects depend on it",
                    detail: $"constraint {dependent.Name} on table {referencingName} depends on index {index.Name}",
                    hint: "Use DROP ... CASCADE to drop the dependent objects too.");
            }
        }
    }

    private static void ValidateConstraint(AlteredTable altered, ValidateConstraintCmd command)
    {
        string name = command.Name;
        if (altered.Checks.FirstOrDefault(check => check.Name == name) is { } check)
        {
            if (check.IsValidated) return;
            altered.Checks = altered.Checks.Select(existing => existing == check ? check with { IsValidated = true } : existing).ToArray();
            altered.ConstraintsToCheck.Add(name);
            return;
        }
        if (altered.ForeignKeys.FirstOrDefault(foreignKey => foreignKey.Name == name) is { } foreignKey)
        {
            if (foreignKey.IsValidated) return;
            altered.ForeignKeys = altered.ForeignKeys.Select(existing => existing == foreignKey ? foreignKey with { IsValidated = true } : existing).ToArray();
            altered.ConstraintsToCheck.Add(name);
            return;
        }
        if (ConstraintNameTaken(altered, name))
        {
            throw new SqlException(SqlState.WrongObjectType, $"constraint \"{name}\" of relation \"{altered.Name}\" is not a foreign key or check constraint");
        }
        throw UndefinedConstraint(altered, name);
    }

    private static SqlException UndefinedConstraint(AlteredTable altered, string name) =>
        new(SqlState.UndefinedObject, $"constraint \"{name}\" of relation \"{altered.Name}\" does not exist");

    /// <summary>The rows already in the table against the CHECK and FOREIGN KEY constraints this statement added or
    /// validated (23514, 23503 for the first that fails).</summary>
    private static async ValueTask CheckExistingRowsAsync(AlteredTable altered, TableDescriptor table, ITransactionStore store, CancellationToken cancellationToken)
    {
        var checks = table.Checks.Where(check => altered.ConstraintsToCheck.Contains(check.Name))
            .Select(check => (check.Name, Expression: WriteSchema.BindExpression(table, check.Expression)))
            .ToList();
        var foreignKeys = table.ForeignKeys.Where(foreignKey => altered.ConstraintsToCheck.Contains(foreignKey.Name)).ToList();
        AccessPath path = AccessPathPlanner.Choose(table, where: null);
        await foreach (IReadOnlyList<KeyValuePair<byte[], byte[]>> page in RowSource.ReadPagesAsync(store, path, cancellationToken))
        {
            var rows = page.Select(entry => RowEncoder.Decode(table, entry.Value)).ToList();
            foreach (object?[] row in rows)
            {
                foreach ((string name, BoundExpression expression) in checks)
                {
                    if (ExpressionEvaluator.Evaluate(expression, row, altered.Expressions) is false)
                    {
                        throw new SqlException(SqlState.CheckViolation, $"check constraint \"{name}\" of relation \"{table.Name}\" is violated by some row");
                    }
                }
            }
            foreach (ForeignKeyConstraint foreignKey in foreignKeys)
            {
                await ForeignKeyChecks.CheckExistingRowsAsync(table, foreignKey, rows, store, cancellationToken);
            }
        }
    }
}
