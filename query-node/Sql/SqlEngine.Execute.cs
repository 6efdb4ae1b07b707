using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Planner;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql;

public sealed partial class SqlEngine
{
    private readonly SqlCatalog _catalog = new();

    /// <summary>Binds, plans and runs one statement inside a transaction; DDL and DML both go through <paramref name="store"/>.
    /// Expected errors are <see cref="SqlException"/>s; the store may hold partial writes of a failed statement, so the
    /// session must roll the transaction back (PostgreSQL's "current transaction is aborted").</summary>
    public ValueTask<StatementResult> ExecuteAsync(ParsedStatement statement, ITransactionStore store, CancellationToken cancellationToken) =>
        ExecuteAsync(statement, parameters: null, parameterTypeOids: null, store, cancellationToken);

    /// <summary>Runs a statement with values for its $1..$n (extended protocol). A value is a string (text format,
    /// read with the parameter's type input function), a CLR value (bool, short, int, long, float, double, decimal)
    /// or null. <paramref name="parameterTypeOids"/> are the types given at Parse (0 or missing = inferred).</summary>
    public ValueTask<StatementResult> ExecuteAsync(ParsedStatement statement, IReadOnlyList<object?>? parameters,
        IReadOnlyList<int>? parameterTypeOids, ITransactionStore store, CancellationToken cancellationToken) =>
        ExecuteAsync(statement, parameters, parameterTypeOids, store, DateTimeSettings.Default, cancellationToken);

    /// <summary>Runs a statement as the overload above, with the session's TimeZone and DateStyle order, which date/time
    /// input (literals, parameters, coercions) and casts between date/time types and text follow.</summary>
    public ValueTask<StatementResult> ExecuteAsync(ParsedStatement statement, IReadOnlyList<object?>? parameters,
        IReadOnlyList<int>? parameterTypeOids, ITransactionStore store, DateTimeSettings dateTimeSettings, CancellationToken cancellationToken) =>
        ExecuteAsync(statement, parameters, parameterTypeOids, store, dateTimeSettings, streamRows: false, cancellationToken);

    /// <summary>Runs a statement; with <paramref name="streamRows"/>, a SELECT returns its rows as a stream
    /// (<see cref="StatementResult.RowStream"/>) that computes each row as it is read, under
    /// <paramref name="cancellationToken"/>. Other statements complete before this returns.</summary>
    public async ValueTask<StatementResult> ExecuteAsync(ParsedStatement statement, IReadOnlyList<object?>? parameters,
        IReadOnlyList<int>? parameterTypeOids, ITransactionStore store, DateTimeSettings dateTimeSettings, bool streamRows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statement);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(dateTimeSettings);
        var context = new StatementContext(cancellationToken, dateTimeSettings, QueryMemoryBytesMax);
        StatementContext.Current = context;
        try
        {
            if (streamRows && statement.Tree is SelectStmt select)
            {
                ParameterContext? parameterContext = parameters is null && parameterTypeOids is null
                    ? null
                    : CreateParameterContext(statement, parameterTypeOids, parameters ?? [], describing: false);
                (BoundQuery query, BindContext bindContext) = await BindQueryAsync(select, parameterContext, store, cancellationToken);
                PlannedQuery planned = QueryPlanner.Plan(query.Plan, bindContext);
                return new StatementResult(query.Columns, StreamRowsAsync(planned, store, context, cancellationToken));
            }
            StatementResult result = await ExecuteStatementAsync(statement, parameters, parameterTypeOids, store, cancellationToken);
            await context.SleepAsync();
            return result;
        }
        finally
        {
            StatementContext.Current = null;
        }
    }

    private ValueTask<StatementResult> ExecuteStatementAsync(ParsedStatement statement, IReadOnlyList<object?>? parameters,
        IReadOnlyList<int>? parameterTypeOids, ITransactionStore store, CancellationToken cancellationToken)
    {
        // A simple-protocol statement has no parameters: $1 there is "there is no parameter $1", as in PostgreSQL.
        ParameterContext? context = parameters is null && parameterTypeOids is null
            ? null
            : CreateParameterContext(statement, parameterTypeOids, parameters ?? [], describing: false);
        CheckSupported(statement.Tree);
        switch (statement.Tree)
        {
            case SelectStmt select:
                return ExecuteSelectAsync(select, context, store, cancellationToken);
            case InsertStmt insert:
                return ExecuteInsertAsync(insert, context, store, cancellationToken);
            case UpdateStmt update:
                return ExecuteUpdateAsync(update, context, store, cancellationToken);
            case DeleteStmt delete:
                return ExecuteDeleteAsync(delete, context, store, cancellationToken);
            case CreateStmt create:
                CheckSchema(create.Relation);
                return CreateTableExecutor.ExecuteAsync(create, _catalog, store, cancellationToken);
            case DropStmt drop:
                return DropTableExecutor.ExecuteAsync(drop, _catalog, store, cancellationToken);
            case AlterTableStmt alter:
                return AlterTableExecutor.ExecuteAsync(alter, _catalog, store, cancellationToken);
            case VariableSetStmt or VariableShowStmt:
                return ValueTask.FromResult(VariableExecutor.Execute(statement.Tree));
            case TransactionStmt:
                throw new InvalidOperationException("transaction control statements are run by the session, not the engine");
            default:
                throw new SqlException(SqlState.FeatureNotSupported, "statement is not supported");
        }
    }

    /// <summary>Describe of the extended protocol: binds the statement (reading the catalog through
    /// <paramref name="store"/>) without running it.</summary>
    public ValueTask<StatementDescription> DescribeAsync(ParsedStatement statement, IReadOnlyList<int>? parameterTypeOids,
        ITransactionStore store, CancellationToken cancellationToken) =>
        DescribeAsync(statement, parameterTypeOids, store, DateTimeSettings.Default, cancellationToken);

    /// <summary>Describe with the session's TimeZone and DateStyle order: binding reads the statement's literals, so a
    /// date that only the session's DateStyle makes valid must not fail here.</summary>
    public async ValueTask<StatementDescription> DescribeAsync(ParsedStatement statement, IReadOnlyList<int>? parameterTypeOids,
        ITransactionStore store, DateTimeSettings dateTimeSettings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statement);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(dateTimeSettings);
        StatementContext.Current = new StatementContext(cancellationToken, dateTimeSettings, QueryMemoryBytesMax);
        try
        {
            return await DescribeStatementAsync(statement, parameterTypeOids, store, cancellationToken);
        }
        finally
        {
            StatementContext.Current = null;
        }
    }

    private async ValueTask<StatementDescription> DescribeStatementAsync(ParsedStatement statement, IReadOnlyList<int>? parameterTypeOids,
        ITransactionStore store, CancellationToken cancellationToken)
    {
        ParameterContext context = CreateParameterContext(statement, parameterTypeOids, null, describing: true)!;
        IReadOnlyList<ResultColumn>? columns = null;
        switch (statement.Tree)
        {
            case SelectStmt select:
                columns = (await BindQueryAsync(select, context, store, cancellationToken)).Query.Columns;
                break;
            case InsertStmt insert:
                columns = (await BindInsertAsync(insert, context, store, cancellationToken)).Insert.Returning?.Columns;
                break;
            case UpdateStmt update:
            {
                TableDescriptor table = await GetTableForStatementAsync(update.Relation, store, cancellationToken);
                columns = new SqlBinder(table, update.Relation.Alias, context).BindUpdate(update).Returning?.Columns;
                break;
            }
            case DeleteStmt delete:
            {
                TableDescriptor table = await GetTableForStatementAsync(delete.Relation, store, cancellationToken);
                columns = new SqlBinder(table, delete.Relation.Alias, context).BindDelete(delete).Returning?.Columns;
                break;
            }
            case VariableShowStmt:
                columns = VariableExecutor.Execute(statement.Tree).Columns;
                break;
        }
        return new StatementDescription(context.ResolvedTypes.Select(type => type.Oid).ToArray(), columns);
    }

    private static ParameterContext? CreateParameterContext(ParsedStatement statement, IReadOnlyList<int>? typeOids,
        IReadOnlyList<object?>? values, bool describing)
    {
        int count = Math.Max(statement.ParameterCount, typeOids?.Count ?? 0);
        if (count == 0 && !describing) return null;
        if (!describing && values!.Count < count)
        {
            throw new SqlException(SqlState.ProtocolViolation,
                $"bind message supplies {values.Count} parameters, but prepared statement \"\" requires {count}");
        }
        var types = new Types.SqlType[count];
        for (int index = 0; index < count; index++)
        {
            types[index] = typeOids is not null && index < typeOids.Count ? ParameterContext.TypeOfOid(typeOids[index]) : Types.SqlType.Unknown;
        }
        return new ParameterContext(types, describing ? null : values);
    }

    /// <summary>Parts of data-modifying statements the parser reads but the engine does not run yet: 0A000, naming them.</summary>
    private static void CheckSupported(Statement tree)
    {
        (string? feature, int location) = tree switch
        {
            InsertStmt { OnConflict: { } conflict } => ("INSERT ... ON CONFLICT", conflict.Location),
            InsertStmt { With: { } with } => ("WITH before INSERT", with.Location),
            UpdateStmt { FromClause.Count: > 0 } update => ("UPDATE ... FROM", update.FromClause[0].Location),
            UpdateStmt { With: { } with } => ("WITH before UPDATE", with.Location),
            DeleteStmt { UsingClause.Count: > 0 } delete => ("DELETE ... USING", delete.UsingClause[0].Location),
            DeleteStmt { With: { } with } => ("WITH before DELETE", with.Location),
            ExplainStmt explain => ("EXPLAIN", explain.Location),
            _ => (null, -1),
        };
        if (feature is not null)
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"{feature} is not supported", location >= 0 ? location + 1 : null);
        }
    }

    internal static void CheckSchema(RangeVar relation)
    {
        if (relation.SchemaName is not null && relation.SchemaName != SqlCatalog.DefaultSchema)
        {
            throw new SqlException("3F000", $"schema \"{relation.SchemaName}\" does not exist", relation.Location + 1);
        }
    }

    /// <summary>The table a statement names, with a schema conflict check so that a concurrent DDL fails this
    /// transaction at commit (OC001).</summary>
    private async ValueTask<TableDescriptor> GetTableForStatementAsync(RangeVar relation, ITransactionStore store, CancellationToken cancellationToken)
    {
        CheckSchema(relation);
        TableDescriptor? table = await _catalog.GetTableAsync(store, relation.RelationName, cancellationToken);
        if (table is null)
        {
            throw new SqlException(SqlState.UndefinedTable, $"relation \"{relation.RelationName}\" does not exist", relation.Location + 1);
        }
        store.AddConflictCheck(CatalogKeys.DescriptorByName(table.Name), isSchema: true);
        return table;
    }

    private async ValueTask<StatementResult> ExecuteSelectAsync(SelectStmt select, ParameterContext? parameters, ITransactionStore store, CancellationToken cancellationToken)
    {
        (BoundQuery query, BindContext context) = await BindQueryAsync(select, parameters, store, cancellationToken);
        List<object?[]> rows = await RunQueryAsync(query, context, store, cancellationToken);
        return new StatementResult(query.Columns, rows, "SELECT " + rows.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Binds a query: first every table it names is read from the catalog (and joins the conflict check, so a
    /// concurrent DDL fails this transaction with OC001), then the binder, which does no I/O, builds its plan.</summary>
    private async ValueTask<(BoundQuery Query, BindContext Context)> BindQueryAsync(SelectStmt select, ParameterContext? parameters,
        ITransactionStore store, CancellationToken cancellationToken)
    {
        var context = new BindContext(parameters, await LookUpTablesAsync(select, store, cancellationToken));
        BoundQuery query = new SqlBinder(context, new BindScope(parent: null)).BindQuery(select);
        return (query, context);
    }

    private async ValueTask<Dictionary<string, TableDescriptor>> LookUpTablesAsync(Node tree, ITransactionStore store, CancellationToken cancellationToken)
    {
        var tables = new Dictionary<string, TableDescriptor>(StringComparer.Ordinal);
        foreach (RangeVar reference in TableReferences.Collect(tree))
        {
            if (tables.ContainsKey(reference.RelationName)) continue;
            if (reference.SchemaName is not null && reference.SchemaName != SqlCatalog.DefaultSchema) continue;
            TableDescriptor? table = await _catalog.GetTableAsync(store, reference.RelationName, cancellationToken);
            if (table is null) continue;
            store.AddConflictCheck(CatalogKeys.DescriptorByName(table.Name), isSchema: true);
            tables.Add(table.Name, table);
        }
        return tables;
    }

    /// <summary>The rows of a planned query as they are produced. Each step runs with the statement's context current
    /// (date/time settings for casts), and waits for the pg_sleep calls of the row before handing it out.</summary>
    private static async IAsyncEnumerable<object?[]> StreamRowsAsync(PlannedQuery planned, ITransactionStore store, StatementContext context,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        StatementState state = planned.NewState(store, context);
        IAsyncEnumerator<object?[]> rows = planned.Root.ExecuteAsync(new Executor.ExecutionContext(state)).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                StatementContext.Current = context;
                if (!await rows.MoveNextAsync()) break;
                await context.SleepAsync();
                yield return rows.Current;
            }
        }
        finally
        {
            StatementContext.Current = null;
            await rows.DisposeAsync();
        }
    }

    /// <summary>Plans and runs a bound query to completion.</summary>
    private static async ValueTask<List<object?[]>> RunQueryAsync(BoundQuery query, BindContext context, ITransactionStore store, CancellationToken cancellationToken)
    {
        PlannedQuery planned = QueryPlanner.Plan(query.Plan, context);
        StatementState state = planned.NewState(store, StatementContext.Current ?? new StatementContext(cancellationToken));
        var rows = new List<object?[]>();
        await foreach (object?[] row in planned.Root.ExecuteAsync(new Executor.ExecutionContext(state)).WithCancellation(cancellationToken))
        {
            rows.Add(row);
        }
        return rows;
    }

    private async ValueTask<(BoundInsert Insert, BindContext? QueryContext)> BindInsertAsync(InsertStmt insert, ParameterContext? parameters, ITransactionStore store, CancellationToken cancellationToken)
    {
        TableDescriptor table = await GetTableForStatementAsync(insert.Relation, store, cancellationToken);
        BoundQuery? query = null;
        BindContext? queryContext = null;
        if (insert.Select is not null)
        {
            (query, queryContext) = await BindQueryAsync(insert.Select, parameters, store, cancellationToken);
        }
        return (new SqlBinder(table, insert.Relation.Alias, parameters).BindInsert(insert, query), queryContext);
    }

    private async ValueTask<StatementResult> ExecuteInsertAsync(InsertStmt insert, ParameterContext? parameters, ITransactionStore store, CancellationToken cancellationToken)
    {
        (BoundInsert bound, BindContext? queryContext) = await BindInsertAsync(insert, parameters, store, cancellationToken);
        List<object?[]>? queryRows = null;
        if (bound.Query is not null)
        {
            // The query runs to completion before the first row is written.
            queryRows = await RunQueryAsync(bound.Query, queryContext!, store, cancellationToken);
        }
        return await InsertExecutor.ExecuteAsync(bound, queryRows, store, cancellationToken);
    }

    private async ValueTask<StatementResult> ExecuteUpdateAsync(UpdateStmt update, ParameterContext? parameters, ITransactionStore store, CancellationToken cancellationToken)
    {
        TableDescriptor table = await GetTableForStatementAsync(update.Relation, store, cancellationToken);
        BoundUpdate bound = new SqlBinder(table, update.Relation.Alias, parameters).BindUpdate(update);
        AccessPath path = AccessPathPlanner.Choose(table, bound.Where);
        return await UpdateExecutor.ExecuteAsync(bound, path, store, cancellationToken);
    }

    private async ValueTask<StatementResult> ExecuteDeleteAsync(DeleteStmt delete, ParameterContext? parameters, ITransactionStore store, CancellationToken cancellationToken)
    {
        TableDescriptor table = await GetTableForStatementAsync(delete.Relation, store, cancellationToken);
        BoundDelete bound = new SqlBinder(table, delete.Relation.Alias, parameters).BindDelete(delete);
        AccessPath path = AccessPathPlanner.Choose(table, bound.Where);
        return await DeleteExecutor.ExecuteAsync(bound, path, store, cancellationToken);
    }
}
