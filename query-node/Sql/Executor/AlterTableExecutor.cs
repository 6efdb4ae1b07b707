using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// ALTER TABLE: ADD/DROP COLUMN, RENAME COLUMN, RENAME TO, ALTER COLUMN SET/DROP DEFAULT, SET/DROP NOT NULL, TYPE
/// (where the stored values read back unchanged), identity changes, OWNER TO. Rows are maps by column id, so most
/// changes rewrite only the descriptor: a new column reads as NULL in old rows, or as the value of its constant (or
/// non-volatile) default, kept in the column as PostgreSQL's "missing value"; a dropped column's values are ignored
/// (its id is never reused). Only a new column whose default is volatile (nextval, random(), an identity) rewrites the
/// existing rows, in this transaction and so within its row limit. The descriptor's version goes up, and rewriting
/// the descriptor key makes concurrent statements that used the old one fail at commit (OC001).
/// </summary>
internal static partial class AlterTableExecutor
{
    /// <summary>The table as the commands so far have changed it, and what remains to do once they all ran.</summary>
    private sealed class AlteredTable(TableDescriptor table, StatementContext statement, ITransactionStore store)
    {
        public TableDescriptor Original { get; } = table;

        /// <summary>What the statement's expressions over the table's rows (new columns' defaults, CHECKs) are computed in.</summary>
        public ExecutionContext Expressions { get; } = ExecutionContext.ForExpressions(statement, store);
        public List<ColumnDescriptor> Columns { get; } = table.Columns.ToList();
        public List<int> KeyColumnIds { get; } = table.PrimaryKeyOrdinals.Select(ordinal => table.Columns[ordinal].Id).ToList();
        public int NextColumnId { get; set; } = table.NextColumnId;
        public string Name { get; set; } = table.Name;
        public List<string> Notices { get; } = [];

        /// <summary>The table's secondary indexes and CHECK constraints, less those a dropped column took with it.</summary>
        public IReadOnlyList<IndexDescriptor> Indexes { get; set; } = table.Indexes;
        public IReadOnlyList<CheckConstraint> Checks { get; set; } = table.Checks;

        /// <summary>The table as altered so far (for the dependency checks on its indexes and constraints).</summary>
        public TableDescriptor Schema() => Original.WithSchema(columns: Columns, indexes: Indexes, checks: Checks);

        /// <summary>Sequences of new serial or identity columns, written once the commands succeed.</summary>
        public List<SequenceDescriptor> NewSequences { get; } = [];

        /// <summary>Sequences of dropped columns and identities.</summary>
        public List<string> DroppedSequences { get; } = [];

        /// <summary>Renamed columns, old name to new, so the sequences they own follow them.</summary>
        public Dictionary<string, string> RenamedColumns { get; } = new(StringComparer.Ordinal);

        /// <summary>New columns each existing row gets its own value of (a volatile default): column id to default.</summary>
        public Dictionary<int, ColumnDescriptor> RewrittenColumns { get; } = [];

        /// <summary>The owner OWNER TO gives the table (0: the login role).</summary>
        public long OwnerOid { get; set; } = table.OwnerOid;

        /// <summary>Columns converted to new types by a rewrite of the rows once the statement commits.</summary>
        public List<ColumnConversion> Conversions { get; } = [];

        /// <summary>Column ids whose NOT NULL the existing rows must satisfy.</summary>
        public HashSet<int> NotNullChecks { get; } = [];

        /// <summary>Constraints (see AlterTableExecutor.Constraints.cs): the next index id, the foreign keys, the tables
        /// referencing this one, unique indexes to build once the statement commits, the other tables whose
        /// descriptors change with it, and the CHECK and FOREIGN KEY constraints the existing rows must satisfy.</summary>
        public int NextIndexId { get; set; } = table.NextIndexId;
        public IReadOnlyList<ForeignKeyConstraint> ForeignKeys { get; set; } = table.ForeignKeys;
        public IReadOnlyList<string> ReferencedBy { get; set; } = table.ReferencedBy;
        /// <summary>Indexes the statement adds (ADD PRIMARY KEY / UNIQUE), built by jobs once it commits.</summary>
        public List<string> AddedIndexNames { get; } = [];
        public Dictionary<string, TableDescriptor> OtherTables { get; } = new(StringComparer.Ordinal);
        public HashSet<string> ConstraintsToCheck { get; } = new(StringComparer.Ordinal);

        public int IndexOf(string column, bool mustExist)
        {
            int index = Columns.FindIndex(existing => existing.Name == column);
            if (index < 0 && mustExist)
            {
                throw new SqlException(SqlState.UndefinedColumn, $"column \"{column}\" of relation \"{Name}\" does not exist");
            }
            return index;
        }
    }

    public static async ValueTask<StatementResult> ExecuteAsync(AlterTableStmt alter, SqlCatalog catalog, ITransactionStore store, StatementContext statement, CancellationToken cancellationToken)
    {
        if (alter.MissingOk && SqlEngine.IsSchemaMissing(alter.Relation, statement.Relations))
        {
            return new StatementResult(null, null, "ALTER TABLE") { Notices = [$"relation \"{alter.Relation.RelationName}\" does not exist, skipping"] };
        }
        SqlEngine.CheckSchema(alter.Relation, statement.Relations);
        string name = SqlEngine.CatalogNameOf(alter.Relation, statement.Relations);
        TableDescriptor? table = await catalog.GetTableAsync(store, name, cancellationToken);
        if (table is null)
        {
            if (await catalog.RelationKindAsync(store, name, cancellationToken) is not null)
            {
                throw new SqlException(SqlState.WrongObjectType, $"\"{name}\" is not a table");
            }
            if (alter.MissingOk)
            {
                return new StatementResult(null, null, "ALTER TABLE") { Notices = [$"relation \"{name}\" does not exist, skipping"] };
            }
            throw new SqlException(SqlState.UndefinedTable, $"relation \"{name}\" does not exist", alter.Relation.Location + 1);
        }
        if (table.Rewrite is { } running)
        {
            throw new SqlException(EngineSqlState.ObjectInUse,
                $"cannot ALTER TABLE \"{RelationNames.NameOf(name)}\" because its rewrite (job {running.JobId}) is still running");
        }
        if (alter.Commands is [SetSchemaCmd setSchema]) return await SetSchemaAsync(table, setSchema, catalog, store, cancellationToken);
        var altered = new AlteredTable(table, statement, store);
        foreach (AlterTableCmd command in alter.Commands)
        {
            switch (command)
            {
                case AddColumnCmd add:
                    await AddColumnAsync(altered, add, catalog, store, cancellationToken);
                    break;
                case DropColumnCmd drop:
                    DropColumn(altered, drop);
                    break;
                case RenameColumnCmd rename:
                    int renameIndex = altered.IndexOf(rename.OldName, mustExist: false);
                    if (renameIndex < 0) throw new SqlException(SqlState.UndefinedColumn, $"column \"{rename.OldName}\" does not exist");
                    if (altered.IndexOf(rename.NewName, mustExist: false) >= 0)
                    {
                        throw new SqlException(SqlState.DuplicateColumn, $"column \"{rename.NewName}\" of relation \"{RelationNames.NameOf(altered.Name)}\" already exists");
                    }
                    if (SchemaDependencies.IsNamedByExpression(altered.Schema(), rename.OldName))
                    {
                        throw new SqlException(SqlState.FeatureNotSupported,
                            "renaming a column that a CHECK constraint, an index expression or a generated column names is not supported");
                    }
                    altered.Columns[renameIndex] = altered.Columns[renameIndex] with { Name = rename.NewName };
                    altered.RenamedColumns[rename.OldName] = rename.NewName;
                    break;
                case RenameTableCmd renameTable:
                    if (await catalog.RelationKindAsync(store, renameTable.NewName, cancellationToken) is not null)
                    {
                        throw new SqlException(SqlState.DuplicateTable, $"relation \"{renameTable.NewName}\" already exists");
                    }
                    altered.Name = renameTable.NewName;
                    break;
                case ColumnDefaultCmd setDefault:
                    SetDefault(altered, setDefault);
                    break;
                case ColumnNotNullCmd notNull:
                    SetNotNull(altered, notNull);
                    break;
                case ColumnTypeCmd type:
                    ChangeType(altered, type);
                    break;
                case AddIdentityCmd addIdentity:
                    await AddIdentityAsync(altered, addIdentity, catalog, store, cancellationToken);
                    break;
                case SetIdentityCmd or DropIdentityCmd:
                    ChangeIdentity(altered, command);
                    break;
                case AddConstraintCmd addConstraint:
                    await AddConstraintAsync(altered, addConstraint, catalog, store, statement, cancellationToken);
                    break;
                case DropConstraintCmd dropConstraint:
                    await DropConstraintAsync(altered, dropConstraint, catalog, store, cancellationToken);
                    break;
                case ValidateConstraintCmd validate:
                    ValidateConstraint(altered, validate);
                    break;
                case OwnerCmd owner:
                    long ownerOid = RoleNames.Resolve(owner.Role, statement.Session?.LoginUserName ?? "postgres", statement);
                    altered.OwnerOid = ownerOid == ObjectIds.SuperuserRole ? 0 : ownerOid;
                    break;
            }
        }
        if (altered.Columns.Count > SqlLimits.ColumnsPerTableMax)
        {
            throw new SqlException(EngineSqlState.TooManyColumns, $"tables can have at most {SqlLimits.ColumnsPerTableMax} columns");
        }
        var keyOrdinals = altered.KeyColumnIds.Select(id => altered.Columns.FindIndex(column => column.Id == id)).ToArray();
        TableDescriptor descriptor = table.WithSchema(altered.Name, altered.NextColumnId, altered.Columns, keyOrdinals, altered.Indexes, altered.Checks,
            altered.NextIndexId, altered.ForeignKeys, altered.ReferencedBy);
        if (altered.OwnerOid != table.OwnerOid) descriptor = descriptor.WithOwner(altered.OwnerOid);
        IndexBuildRequest? rewrite = null;
        if (altered.Conversions.Count > 0) (descriptor, rewrite) = StartRewrite(altered, descriptor, store);
        foreach (IndexDescriptor dropped in table.Indexes.Where(index => !altered.Indexes.Contains(index))) SqlCatalog.DeleteIndexName(store, dropped.Name);
        foreach (SequenceDescriptor sequence in altered.NewSequences) await SequenceExecutor.CreateSequenceAsync(sequence, store, cancellationToken);
        await UpdateOwnedSequencesAsync(altered, store, cancellationToken);
        foreach (ColumnDescriptor column in table.Columns)
        {
            if (descriptor.OrdinalOfColumnId(column.Id) < 0) SqlCatalog.WriteComment(store, table.Name, column.Id, comment: null);
        }
        if (altered.Name != table.Name)
        {
            SqlCatalog.DeleteTable(store, table);
            await SqlCatalog.MoveCommentsAsync(store, table.Name, altered.Name, cancellationToken);
        }
        SqlCatalog.WriteTable(store, descriptor);
        foreach (TableDescriptor other in altered.OtherTables.Values) SqlCatalog.WriteTable(store, other);
        if (altered.RewrittenColumns.Count > 0 || altered.NotNullChecks.Count > 0)
        {
            await RewriteRowsAsync(altered, descriptor, store, cancellationToken);
        }
        if (altered.ConstraintsToCheck.Count > 0)
        {
            await CheckExistingRowsAsync(altered, descriptor, store, cancellationToken);
        }
        return new StatementResult(null, null, "ALTER TABLE")
        {
            Notices = altered.Notices,
            IndexBuilds = altered.AddedIndexNames
                .Select(name => CreateIndexExecutor.SubmitJob(store, descriptor, descriptor.Indexes.Single(index => index.Name == name), isAsync: false))
                .Concat(rewrite is null ? [] : [rewrite])
                .ToArray(),
        };
    }

    /// <summary>Sequences owned by the table's columns follow a renamed table or column; those of dropped columns and
    /// identities go.</summary>
    private static async ValueTask UpdateOwnedSequencesAsync(AlteredTable altered, ITransactionStore store, CancellationToken cancellationToken)
    {
        if (altered.DroppedSequences.Count == 0 && altered.RenamedColumns.Count == 0 && altered.Name == altered.Original.Name) return;
        foreach (SequenceDescriptor sequence in await SqlCatalog.GetOwnedSequencesAsync(store, altered.Original.Name, cancellationToken))
        {
            if (altered.DroppedSequences.Contains(sequence.Name))
            {
                SqlCatalog.DeleteSequence(store, sequence);
                await SqlCatalog.MoveCommentsAsync(store, sequence.Name, newName: null, cancellationToken);
                continue;
            }
            string column = sequence.OwnedByColumn is { } owner && altered.RenamedColumns.TryGetValue(owner, out string? renamed) ? renamed : sequence.OwnedByColumn!;
            SqlCatalog.WriteSequence(store, sequence with { OwnedByTable = altered.Name, OwnedByColumn = column });
        }
    }

    private static void DropColumn(AlteredTable altered, DropColumnCmd drop)
    {
        int index = altered.IndexOf(drop.Name, mustExist: false);
        if (index < 0)
        {
            if (!drop.MissingOk) altered.IndexOf(drop.Name, mustExist: true);
            altered.Notices.Add($"column \"{drop.Name}\" of relation \"{RelationNames.NameOf(altered.Name)}\" does not exist, skipping");
            return;
        }
        ColumnDescriptor column = altered.Columns[index];
        if (altered.KeyColumnIds.Contains(column.Id))
        {
            throw new SqlException(SqlState.FeatureNotSupported, "cannot drop a primary key column", drop.Location + 1);
        }
        if (SchemaDependencies.GeneratedFrom(altered.Schema(), column.Name) is { } generated)
        {
            throw new SqlException(EngineSqlState.DependentObjectsStillExist,
                $"cannot drop column {column.Name} of table {altered.Name} because other objects depend on it",
                detail: $"column {generated.Name} of table {altered.Name} depends on column {column.Name} of table {altered.Name}",
                hint: "Use DROP ... CASCADE to drop the dependent objects too.");
        }
        // Indexes and CHECK constraints on the column go with it, as in PostgreSQL.
        (altered.Indexes, altered.Checks) = SchemaDependencies.Without(altered.Schema(), column);
        if (OwnedSequenceName(column) is { } sequence) altered.DroppedSequences.Add(sequence);
        altered.Columns.RemoveAt(index);
        altered.RewrittenColumns.Remove(column.Id);
        altered.Conversions.RemoveAll(conversion => conversion.SourceColumnId == column.Id);
        altered.NotNullChecks.Remove(column.Id);
    }

    /// <summary>The sequence a serial or identity column's default draws from, which goes when the column does.</summary>
    private static string? OwnedSequenceName(ColumnDescriptor column)
    {
        if (column.DefaultExpression is not { } text || !text.StartsWith("nextval('", StringComparison.Ordinal) || !text.EndsWith("')", StringComparison.Ordinal))
        {
            return null;
        }
        return text["nextval('".Length..^2].Replace("''", "'", StringComparison.Ordinal);
    }
}
