using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

internal static class CreateTableExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(CreateStmt create, SqlCatalog catalog, ITransactionStore store, StatementContext statement, CancellationToken cancellationToken)
    {
        string name = SqlEngine.CatalogNameOf(create.Relation, statement.Relations);
        if (await catalog.RelationKindAsync(store, name, cancellationToken) is not null)
        {
            if (create.IfNotExists)
            {
                return new StatementResult(null, null, "CREATE TABLE") { Notices = [$"relation \"{name}\" already exists, skipping"] };
            }
            throw new SqlException(SqlState.DuplicateTable, $"relation \"{name}\" already exists");
        }
        create = await TableLikeExpander.ExpandAsync(create, catalog, store, statement, cancellationToken);
        (CreateStmt expanded, List<SequenceDescriptor> sequences) = await ExpandSerialColumnsAsync(create, catalog, store, statement, cancellationToken);
        // Validate the definition before taking an id, so a bad definition writes nothing.
        TableDescriptor probe = TableDefinitionBinder.Bind(expanded, tableId: 0, statement);
        long tableId = await SqlCatalog.AllocateTableIdAsync(store, cancellationToken);
        TableDescriptor table = new(tableId, probe.Name, probe.Version, probe.NextColumnId, probe.Columns, probe.PrimaryKeyOrdinals,
            probe.Indexes, probe.Checks, probe.NextIndexId);
        await CheckIndexNamesAreFreeAsync(table, catalog, store, cancellationToken);
        (table, List<TableDescriptor> referenced) = await ForeignKeyDefinition.BindAsync(table, expanded, catalog, store, statement, cancellationToken);
        SqlCatalog.WriteTable(store, table);
        foreach (TableDescriptor parent in referenced) SqlCatalog.WriteTable(store, parent);
        foreach (SequenceDescriptor sequence in sequences) await SequenceExecutor.CreateSequenceAsync(sequence, store, cancellationToken);
        return new StatementResult(null, null, "CREATE TABLE");
    }

    /// <summary>serial, bigserial and smallserial as PostgreSQL expands them: an integer column NOT NULL DEFAULT
    /// nextval('table_column_seq'), and that sequence, OWNED BY the column (so DROP TABLE drops it). An identity column
    /// gets the same sequence (with its options, marked as an identity's) and keeps its identity kind.</summary>
    private static async ValueTask<(CreateStmt Create, List<SequenceDescriptor> Sequences)> ExpandSerialColumnsAsync(CreateStmt create, SqlCatalog catalog,
        ITransactionStore store, StatementContext statement, CancellationToken cancellationToken)
    {
        var sequences = new List<SequenceDescriptor>();
        var columns = new List<ColumnDef>(create.Columns.Count);
        string tableName = SqlEngine.CatalogNameOf(create.Relation, statement.Relations);
        foreach (ColumnDef column in create.Columns)
        {
            (ColumnDef expanded, SequenceDescriptor? sequence) = await ExpandColumnAsync(tableName, column, sequences, catalog, store, cancellationToken);
            columns.Add(expanded);
            if (sequence is not null) sequences.Add(sequence);
        }
        return (sequences.Count == 0 ? create : create with { Columns = columns }, sequences);
    }

    /// <summary>One column of CREATE TABLE or ALTER TABLE ADD COLUMN: a serial or identity column becomes an integer
    /// column NOT NULL DEFAULT nextval of its new sequence (returned, not yet written); any other column is as given.</summary>
    public static async ValueTask<(ColumnDef Column, SequenceDescriptor? Sequence)> ExpandColumnAsync(string tableName, ColumnDef column,
        List<SequenceDescriptor> chosen, SqlCatalog catalog, ITransactionStore store, CancellationToken cancellationToken)
    {
        string? integerType = column.TypeName.Name switch
        {
            "serial" or "serial4" => "int4",
            "bigserial" or "serial8" => "int8",
            "smallserial" or "serial2" => "int2",
            _ => null,
        };
        if (integerType is null && column.Identity is null) return (column, null);
        if (column.Default is not null || integerType is not null && column.Identity is not null)
        {
            throw new SqlException(SqlState.SyntaxError, column.Identity is null
                ? $"multiple default values specified for column \"{column.Name}\" of table \"{tableName}\""
                : $"both default and identity specified for column \"{column.Name}\" of table \"{tableName}\"",
                column.Default is null ? null : column.Default.Location + 1);
        }
        TypeName type = integerType is null ? column.TypeName : new TypeName(integerType, [], column.TypeName.Location);
        (SequenceDescriptor sequence, string defaultText) = await OwnedSequenceAsync(tableName, column.Name, type, column.IdentityOptions,
            column.Identity is not null, chosen, catalog, store, cancellationToken);
        var select = (SelectStmt)Parser.SqlParser.ParseAll("select " + defaultText)[0].Statement;
        return (column with { TypeName = type, IsNotNull = true, Default = select.TargetList[0].Value, DefaultText = defaultText }, sequence);
    }

    /// <summary>The sequence a serial or identity column owns (not yet written: the table's id comes first) and the
    /// column's default that draws from it. An identity column must be an integer type, as PostgreSQL requires.</summary>
    public static async ValueTask<(SequenceDescriptor Sequence, string DefaultText)> OwnedSequenceAsync(string tableName, string columnName, TypeName type,
        IReadOnlyList<SequenceOption> options, bool isIdentity, List<SequenceDescriptor> chosen, SqlCatalog catalog, ITransactionStore store,
        CancellationToken cancellationToken)
    {
        if (isIdentity && TypeResolver.Resolve(type).Type.Kind is not (TypeKind.Int2 or TypeKind.Int4 or TypeKind.Int8))
        {
            throw new SqlException(SqlState.InvalidParameterValue, "identity column type must be smallint, integer, or bigint");
        }
        string sequenceName = await ChooseSequenceNameAsync(tableName, columnName, chosen, catalog, store, cancellationToken);
        SequenceOptionsBinder.Result bound = SequenceOptionsBinder.Bind(sequenceName, [.. options, new SequenceOption("as", type, type.Location)], existing: null);
        SequenceDescriptor sequence = bound.Sequence with { OwnedByTable = tableName, OwnedByColumn = columnName, IsIdentity = isIdentity };
        return (sequence, RelationNames.NextvalDefault(sequenceName));
    }

    /// <summary>PostgreSQL's ChooseRelationName: table_column_seq, with a number added until the name is free.</summary>
    private static async ValueTask<string> ChooseSequenceNameAsync(string table, string column, List<SequenceDescriptor> chosen, SqlCatalog catalog,
        ITransactionStore store, CancellationToken cancellationToken)
    {
        string baseName = $"{table}_{column}_seq";
        string name = baseName;
        for (int suffix = 1; chosen.Exists(sequence => sequence.Name == name) || await catalog.RelationKindAsync(store, name, cancellationToken) is not null; suffix++)
        {
            name = baseName + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return name;
    }

    /// <summary>A table and its indexes share the relation namespace: neither may take an existing relation's name.</summary>
    private static async ValueTask CheckIndexNamesAreFreeAsync(TableDescriptor table, SqlCatalog catalog, ITransactionStore store, CancellationToken cancellationToken)
    {
        foreach (string name in table.Indexes.Select(index => index.Name).Prepend(table.Name))
        {
            if (await catalog.RelationExistsAsync(store, name, cancellationToken))
            {
                throw new SqlException(SqlState.DuplicateTable, $"relation \"{name}\" already exists");
            }
        }
    }
}
