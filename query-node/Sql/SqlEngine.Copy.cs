using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql;

/// <summary>The table side of COPY ... FROM STDIN: the target columns, and rows written through INSERT's own path
/// (type input, typmods, NOT NULL, primary key, the transaction's limits). The session owns the COPY data stream and
/// the text/CSV row formats.</summary>
public sealed class CopyTarget
{
    internal CopyTarget(TableDescriptor table, int[] targetOrdinals)
    {
        Table = table;
        TargetOrdinals = targetOrdinals;
    }

    internal TableDescriptor Table { get; }
    internal int[] TargetOrdinals { get; }

    /// <summary>The names of the columns each data row fills, in order.</summary>
    public IReadOnlyList<string> ColumnNames => TargetOrdinals.Select(ordinal => Table.Columns[ordinal].Name).ToArray();

    /// <summary>The type OIDs of those columns, whose binary formats a binary COPY's fields are in.</summary>
    public IReadOnlyList<int> ColumnTypeOids => TargetOrdinals.Select(ordinal => Table.Columns[ordinal].Type.Oid).ToArray();
}

public sealed partial class SqlEngine
{
    /// <summary>COPY relation [(columns)] FROM STDIN: the table and the columns a data row fills (all of them, in order,
    /// when none are named). Errors as INSERT reports them (42P01, 42703, 42701).</summary>
    public async ValueTask<CopyTarget> BindCopyTargetAsync(ParsedStatement statement, ITransactionStore store, CancellationToken cancellationToken,
        ISessionEnvironment? session = null)
    {
        ArgumentNullException.ThrowIfNull(statement);
        if (statement.Tree is not CopyStmt { Relation: { } relation } copy)
        {
            throw new ArgumentException("not a COPY of a table", nameof(statement));
        }
        // The table is found along the session's search_path.
        StatementContext statementContext = NewStatementContext(store, DateTimeSettings.Default, session, cancellationToken);
        TableDescriptor table = await GetTableForStatementAsync(relation, store, statementContext, cancellationToken);
        // COPY FROM inserts: INSERT on the table, or on each column it fills.
        var targets = new Dictionary<RangeVar, (Catalog.Privileges, IReadOnlyList<string>?)>(ReferenceEqualityComparer.Instance)
        {
            [relation] = (Catalog.Privileges.Insert, copy.Columns ?? table.Columns.Select(column => column.Name).ToList()),
        };
        await CheckRelationPrivilegesAsync(copy, relation, targets, Catalog.System.ObjectIds.Relation(table.Id), "table", table.Name, table.OwnerOid,
            table.Columns.Select(column => column.Name).ToList(), column => table.OrdinalOf(column) is var ordinal and >= 0 ? table.Columns[ordinal].Id : null,
            store, statementContext, cancellationToken);
        if (copy.Columns is null)
        {
            return new CopyTarget(table, Enumerable.Range(0, table.Columns.Count).ToArray());
        }
        var ordinals = new int[copy.Columns.Count];
        for (int index = 0; index < ordinals.Length; index++)
        {
            int ordinal = table.OrdinalOf(copy.Columns[index]);
            if (ordinal < 0)
            {
                throw new SqlException(SqlState.UndefinedColumn, $"column \"{copy.Columns[index]}\" of relation \"{RelationNames.NameOf(table.Name)}\" does not exist");
            }
            if (Array.IndexOf(ordinals, ordinal, 0, index) >= 0)
            {
                throw new SqlException(SqlState.DuplicateColumn, $"column \"{copy.Columns[index]}\" specified more than once");
            }
            ordinals[index] = ordinal;
        }
        return new CopyTarget(table, ordinals);
    }

    /// <summary>Writes one COPY data row: each field (null = SQL NULL) read with its column's input function, the other
    /// columns get their defaults, then the row is checked and written as INSERT does.</summary>
    public ValueTask InsertCopyRowAsync(CopyTarget target, IReadOnlyList<string?> fields, ITransactionStore store, CancellationToken cancellationToken) =>
        InsertCopyRowAsync(target, fields, store, DateTimeSettings.Default, cancellationToken);

    /// <summary>Writes one COPY data row as the overload above; date/time fields are read in the session's TimeZone and
    /// DateStyle order.</summary>
    public async ValueTask InsertCopyRowAsync(CopyTarget target, IReadOnlyList<string?> fields, ITransactionStore store,
        DateTimeSettings dateTimeSettings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(dateTimeSettings);
        StatementContext statement = NewStatementContext(store, dateTimeSettings, session: null, cancellationToken);
        await InsertCopyRowCoreAsync(target, fields, store, statement, cancellationToken);
    }

    private static async ValueTask InsertCopyRowCoreAsync(CopyTarget target, IReadOnlyList<string?> fields, ITransactionStore store, StatementContext statement,
        CancellationToken cancellationToken)
    {
        DateTimeSettings settings = statement.DateTimeSettings;
        TableDescriptor table = target.Table;
        if (fields.Count < target.TargetOrdinals.Length)
        {
            throw new SqlException("22P04", $"missing data for column \"{table.Columns[target.TargetOrdinals[fields.Count]].Name}\"");
        }
        if (fields.Count > target.TargetOrdinals.Length)
        {
            throw new SqlException("22P04", "extra data after last expected column");
        }
        var values = new object?[table.Columns.Count];
        var assigned = new bool[table.Columns.Count];
        for (int index = 0; index < fields.Count; index++)
        {
            int ordinal = target.TargetOrdinals[index];
            ColumnDescriptor column = table.Columns[ordinal];
            assigned[ordinal] = true;
            if (fields[index] is { } text)
            {
                object parsed = ValueInput.Parse(text, column.Type.WithoutModifier, settings);
                values[ordinal] = ValueCast.Convert(parsed, column.Type.WithoutModifier, column.Type, ValueCast.Context.Assignment, settings);
            }
        }
        Executor.ExecutionContext? defaults = null;
        for (int ordinal = 0; ordinal < values.Length; ordinal++)
        {
            if (!assigned[ordinal])
            {
                defaults ??= Executor.ExecutionContext.ForExpressions(statement, store);
                values[ordinal] = ExpressionEvaluator.Evaluate(SqlBinder.DefaultOf(table.Columns[ordinal]), [], defaults);
            }
        }
        await InsertExecutor.WriteAsync(table, values, store, statement, cancellationToken);
    }

    /// <summary>COPY relation [(columns)] TO STDOUT or COPY (query) TO STDOUT: runs the query and returns its rows.</summary>
    public ValueTask<StatementResult> ExecuteCopyQueryAsync(ParsedStatement statement, ITransactionStore store, CancellationToken cancellationToken) =>
        ExecuteCopyQueryAsync(statement, store, DateTimeSettings.Default, cancellationToken);

    /// <summary>COPY ... TO STDOUT as the overload above, with the session's TimeZone and DateStyle order for the query.</summary>
    public ValueTask<StatementResult> ExecuteCopyQueryAsync(ParsedStatement statement, ITransactionStore store,
        DateTimeSettings dateTimeSettings, CancellationToken cancellationToken, ISessionEnvironment? session = null)
    {
        ArgumentNullException.ThrowIfNull(statement);
        if (statement.Tree is not CopyStmt { IsFrom: false } copy)
        {
            throw new ArgumentException("not a COPY TO", nameof(statement));
        }
        SelectStmt select;
        if (copy.Query is not null)
        {
            select = copy.Query;
        }
        else
        {
            string columns = copy.Columns is null ? "*" : string.Join(", ", copy.Columns.Select(QuoteIdentifier));
            string schema = copy.Relation!.SchemaName is null ? "" : QuoteIdentifier(copy.Relation.SchemaName) + ".";
            select = (SelectStmt)Parser.SqlParser.ParseAll($"SELECT {columns} FROM {schema}{QuoteIdentifier(copy.Relation.RelationName)}")[0].Statement;
        }
        // In the session, so that the query's privileges are checked as for the SELECT it is.
        return ExecuteAsync(new ParsedStatement(select, statement.Text, 0), parameters: null, parameterTypeOids: null, store, dateTimeSettings, session,
            streamRows: false, cancellationToken);
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
