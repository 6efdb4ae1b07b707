using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Functions;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Planner;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>ALTER TABLE's column commands: ADD COLUMN with its default, defaults, NOT NULL, TYPE and identity.</summary>
internal static partial class AlterTableExecutor
{
    private static async ValueTask AddColumnAsync(AlteredTable altered, AddColumnCmd add, SqlCatalog catalog, ITransactionStore store,
        CancellationToken cancellationToken)
    {
        if (altered.IndexOf(add.Column.Name, mustExist: false) >= 0)
        {
            if (add.MissingOk)
            {
                altered.Notices.Add($"column \"{add.Column.Name}\" of relation \"{altered.Name}\" already exists, skipping");
                return;
            }
            throw new SqlException(SqlState.DuplicateColumn, $"column \"{add.Column.Name}\" of relation \"{altered.Name}\" already exists");
        }
        if (add.Column.IsPrimaryKey)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "ADD COLUMN with PRIMARY KEY is not supported", add.Column.Location + 1);
        }
        if (add.Column.Generated is not null)
        {
            // Every existing row would need the column computed and written, a rewrite that is not built.
            throw new SqlException(SqlState.FeatureNotSupported, "ADD COLUMN ... GENERATED ALWAYS AS ... STORED is not supported", add.Column.Location + 1);
        }
        (ColumnDef definition, SequenceDescriptor? sequence) = await CreateTableExecutor.ExpandColumnAsync(altered.Name, add.Column, altered.NewSequences,
            catalog, store, cancellationToken);
        if (sequence is not null) altered.NewSequences.Add(sequence);
        ColumnDescriptor column = TableDefinitionBinder.BindColumn(definition, altered.NextColumnId++, altered.Expressions.Statement.Statement);
        if (column.HasDefault && column.DefaultExpression is null)
        {
            column = column with { MissingValue = column.DefaultValue };
        }
        else if (column.DefaultExpression is not null)
        {
            // PostgreSQL evaluates a default that is not volatile once, for all existing rows (now() is the
            // transaction's time in each); a volatile one (nextval, random()) once per row, which rewrites them.
            BoundExpression value = SqlBinder.DefaultOf(column);
            if (BoundExpressionTree.Any(value, node => node is BoundFunction { Function.Volatility: Volatility.Volatile }))
            {
                altered.RewrittenColumns[column.Id] = column;
            }
            else
            {
                column = column with { MissingValue = ExpressionEvaluator.Evaluate(value, [], altered.Expressions) };
            }
        }
        if (column.NotNull && column.MissingValue is null) altered.NotNullChecks.Add(column.Id);
        altered.Columns.Add(column);
    }

    private static void SetDefault(AlteredTable altered, ColumnDefaultCmd command)
    {
        int index = altered.IndexOf(command.Column, mustExist: true);
        ColumnDescriptor column = altered.Columns[index];
        if (column.Identity is not null)
        {
            throw new SqlException(SqlState.SyntaxError, $"column \"{column.Name}\" of relation \"{altered.Name}\" is an identity column",
                hint: command.Default is null ? "Use ALTER TABLE ... ALTER COLUMN ... DROP IDENTITY instead." : null);
        }
        if (column.Generated is not null)
        {
            throw new SqlException(SqlState.SyntaxError, $"column \"{column.Name}\" of relation \"{altered.Name}\" is a generated column",
                hint: command.Default is null ? "Use ALTER TABLE ... ALTER COLUMN ... DROP EXPRESSION instead." : null);
        }
        if (command.Default is null)
        {
            altered.Columns[index] = column with { HasDefault = false, DefaultValue = null, DefaultExpression = null };
            return;
        }
        (object? value, string? expression) = TableDefinitionBinder.BindDefault(command.Default, command.DefaultText, column, altered.Expressions.Statement.Statement);
        altered.Columns[index] = column with { HasDefault = true, DefaultValue = value, DefaultExpression = expression };
    }

    private static void SetNotNull(AlteredTable altered, ColumnNotNullCmd command)
    {
        int index = altered.IndexOf(command.Column, mustExist: true);
        ColumnDescriptor column = altered.Columns[index];
        if (command.NotNull)
        {
            if (!column.NotNull) altered.NotNullChecks.Add(column.Id);
            altered.Columns[index] = column with { NotNull = true };
            return;
        }
        if (altered.KeyColumnIds.Contains(column.Id))
        {
            throw new SqlException(SqlState.InvalidTableDefinition, $"column \"{column.Name}\" is in a primary key");
        }
        if (column.Identity is not null)
        {
            throw new SqlException(SqlState.SyntaxError, $"column \"{column.Name}\" of relation \"{altered.Name}\" is an identity column");
        }
        altered.NotNullChecks.Remove(column.Id);
        altered.Columns[index] = column with { NotNull = false };
    }

    /// <summary>TYPE: a change that leaves every stored value (and key) reading back as the same value of the new type
    /// (integer widening, varchar/text to an equal or wider limit) changes only the catalog; any other is a rewrite of
    /// the rows by a job once the statement commits (see <see cref="TableRewriteJob"/>), recorded here and checked as
    /// far as it can be without reading the rows.</summary>
    private static void ChangeType(AlteredTable altered, ColumnTypeCmd command)
    {
        int index = altered.IndexOf(command.Column, mustExist: true);
        ColumnDescriptor column = altered.Columns[index];
        (SqlType type, _) = TypeResolver.Resolve(command.TypeName);
        CheckCollation(command.Collation, type);
        if (type == column.Type && !command.HasUsing) return;
        if (SchemaDependencies.GeneratedFrom(altered.Schema(), column.Name) is { } generated)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "cannot alter type of a column used by a generated column",
                detail: $"Column \"{column.Name}\" is used by generated column \"{generated.Name}\".");
        }
        if (!command.HasUsing && !ValueCast.CanCast(column.Type, type, ValueCast.Context.Assignment))
        {
            throw new SqlException(SqlState.DatatypeMismatch, $"column \"{column.Name}\" cannot be cast automatically to type {type.DisplayName}",
                hint: $"You might need to specify \"USING {column.Name}::{type.DisplayNameWithModifier}\".");
        }
        if (altered.Conversions.Any(conversion => conversion.SourceColumnId == column.Id))
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"cannot alter type of column \"{column.Name}\" twice");
        }
        if (!command.HasUsing && ReadsBackUnchanged(column.Type, type))
        {
            altered.Columns[index] = column with
            {
                Type = type,
                DefaultValue = Convert(column.DefaultValue, type),
                MissingValue = Convert(column.MissingValue, type),
            };
            return;
        }
        // A key column's new values would move every row to a new key, and a foreign key's columns must keep the type
        // of the columns they reference: neither is rewritten.
        if (altered.KeyColumnIds.Contains(column.Id))
        {
            throw new SqlException(SqlState.FeatureNotSupported,
                $"ALTER COLUMN ... TYPE of primary key column \"{column.Name}\" from {column.Type.DisplayNameWithModifier} to {type.DisplayNameWithModifier} is not supported (it would move the rows)");
        }
        if (altered.ForeignKeys.Any(foreignKey => foreignKey.ColumnIds.Contains(column.Id)) || altered.ReferencedBy.Count > 0 && altered.Indexes
                .Any(candidate => candidate.IsConstraint && candidate.KeyColumns.Any(key => key.ColumnId == column.Id)))
        {
            throw new SqlException(SqlState.FeatureNotSupported,
                $"ALTER COLUMN ... TYPE of column \"{column.Name}\", which a foreign key involves, is not supported when it rewrites the rows");
        }
        var conversion = new ColumnConversion(column.Id, altered.NextColumnId, type, command.UsingText);
        if (command.UsingText is not null)
        {
            BoundExpression value = WriteSchema.BindExpression(altered.Schema(), command.UsingText);
            if (value.Type.Kind != TypeKind.Unknown && value.Type != type && !ValueCast.CanCast(value.Type, type, ValueCast.Context.Assignment))
            {
                throw new SqlException(SqlState.DatatypeMismatch,
                    $"result of USING clause for column \"{column.Name}\" cannot be cast automatically to type {type.DisplayName}",
                    hint: "You might need to add an explicit cast.");
            }
        }
        RewriteSchema.CastDefault(column, type, altered.Expressions.Statement.Statement.DateTimeSettings);
        altered.NextColumnId++;
        altered.Conversions.Add(conversion);
    }

    /// <summary>Text compares byte-wise (the C collation) everywhere, so the collations that name that order are
    /// accepted and change nothing; any other is refused as PostgreSQL refuses an unknown one.</summary>
    private static void CheckCollation(string? collation, SqlType type)
    {
        if (collation is null) return;
        if (type.Kind is not (TypeKind.Text or TypeKind.Varchar or TypeKind.Bpchar))
        {
            throw new SqlException(SqlState.DatatypeMismatch, $"collations are not supported by type {type.DisplayName}");
        }
        if (collation is not ("C" or "POSIX" or "default"))
        {
            throw new SqlException(SqlState.UndefinedObject, $"collation \"{collation}\" for encoding \"UTF8\" does not exist");
        }
    }

    private static bool ReadsBackUnchanged(SqlType from, SqlType to) => (from.Kind, to.Kind) switch
    {
        (TypeKind.Int2, TypeKind.Int4 or TypeKind.Int8) or (TypeKind.Int4, TypeKind.Int8) => true,
        (TypeKind.Varchar or TypeKind.Text, TypeKind.Text) => true,
        (TypeKind.Varchar or TypeKind.Text, TypeKind.Varchar) => to.Modifier < 0 || from.Kind == TypeKind.Varchar && from.Modifier >= 0 && from.Modifier <= to.Modifier,
        _ => false,
    };

    private static object? Convert(object? value, SqlType type) =>
        value is null ? null : ValueInput.Parse(ValueFormatter.Format(value, DateTimeSettings.Default)!, type, settings: DateTimeSettings.Default);

    private static async ValueTask AddIdentityAsync(AlteredTable altered, AddIdentityCmd command, SqlCatalog catalog, ITransactionStore store,
        CancellationToken cancellationToken)
    {
        int index = altered.IndexOf(command.Column, mustExist: true);
        ColumnDescriptor column = altered.Columns[index];
        string where = $"column \"{column.Name}\" of relation \"{altered.Name}\"";
        if (column.Type.Kind is not (TypeKind.Int2 or TypeKind.Int4 or TypeKind.Int8))
        {
            throw new SqlException(SqlState.InvalidParameterValue, "identity column type must be smallint, integer, or bigint");
        }
        if (!column.NotNull) throw new SqlException(SqlState.ObjectNotInPrerequisiteState, $"{where} must be declared NOT NULL before identity can be added");
        if (column.Identity is not null) throw new SqlException(SqlState.ObjectNotInPrerequisiteState, $"{where} is already an identity column");
        if (column.HasDefault) throw new SqlException(SqlState.ObjectNotInPrerequisiteState, $"{where} already has a default value");
        var type = new TypeName(column.Type.Kind switch { TypeKind.Int2 => "int2", TypeKind.Int4 => "int4", _ => "int8" }, [], command.Location);
        (SequenceDescriptor sequence, string defaultText) = await CreateTableExecutor.OwnedSequenceAsync(altered.Name, column.Name, type, command.Options,
            isIdentity: true, altered.NewSequences, catalog, store, cancellationToken);
        altered.NewSequences.Add(sequence);
        altered.Columns[index] = column with { HasDefault = true, DefaultExpression = defaultText, Identity = command.Identity };
    }

    private static void ChangeIdentity(AlteredTable altered, AlterTableCmd command)
    {
        string name = command is SetIdentityCmd set ? set.Column : ((DropIdentityCmd)command).Column;
        int index = altered.IndexOf(name, mustExist: true);
        ColumnDescriptor column = altered.Columns[index];
        if (column.Identity is null)
        {
            string message = $"column \"{column.Name}\" of relation \"{altered.Name}\" is not an identity column";
            if (command is DropIdentityCmd { MissingOk: true })
            {
                altered.Notices.Add(message + ", skipping");
                return;
            }
            throw new SqlException(SqlState.ObjectNotInPrerequisiteState, message);
        }
        if (command is SetIdentityCmd setIdentity)
        {
            altered.Columns[index] = column with { Identity = setIdentity.Identity };
            return;
        }
        if (OwnedSequenceName(column) is { } sequence) altered.DroppedSequences.Add(sequence);
        altered.Columns[index] = column with { HasDefault = false, DefaultValue = null, DefaultExpression = null, Identity = null };
    }

    /// <summary>The existing rows: each gets its own value of a new column with a volatile default (a rewrite, within
    /// this transaction's limits), and must satisfy the NOT NULL constraints this statement added (23502).</summary>
    private static async ValueTask RewriteRowsAsync(AlteredTable altered, TableDescriptor table, ITransactionStore store, CancellationToken cancellationToken)
    {
        var rewritten = altered.RewrittenColumns.Values
            .Select(column => (Ordinal: table.OrdinalOfColumnId(column.Id), Default: SqlBinder.DefaultOf(column)))
            .ToList();
        var notNullOrdinals = altered.NotNullChecks.Select(table.OrdinalOfColumnId).ToList();
        AccessPath path = AccessPathPlanner.Choose(table, where: null);
        await foreach (IReadOnlyList<KeyValuePair<byte[], byte[]>> page in RowSource.ReadPagesAsync(store, path, cancellationToken))
        {
            var writes = new List<KeyValuePair<byte[], byte[]>>(rewritten.Count == 0 ? 0 : page.Count);
            foreach (KeyValuePair<byte[], byte[]> entry in page)
            {
                object?[] values = RowEncoder.Decode(table, entry.Value);
                foreach ((int ordinal, BoundExpression value) in rewritten) values[ordinal] = ExpressionEvaluator.Evaluate(value, values, altered.Expressions);
                foreach (int ordinal in notNullOrdinals)
                {
                    if (values[ordinal] is null)
                    {
                        throw new SqlException(SqlState.NotNullViolation,
                            $"column \"{table.Columns[ordinal].Name}\" of relation \"{table.Name}\" contains null values");
                    }
                }
                if (rewritten.Count > 0) writes.Add(new(entry.Key, RowEncoder.Encode(table, values)));
            }
            // Written after the page is read, behind the scan's position.
            foreach (KeyValuePair<byte[], byte[]> write in writes) store.Put(write.Key, write.Value);
        }
    }
}
