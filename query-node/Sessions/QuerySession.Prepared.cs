using Log.QueryNode.Execution;
using Log.QueryNode.Sql;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Parser.Ast;
using Log.Wire;

namespace Log.QueryNode.Sessions;

/// <summary>
/// SQL-level prepared statements: PREPARE, EXECUTE and DEALLOCATE. As in PostgreSQL they share one table with the
/// protocol's named statements (the server uses <see cref="PreparedStatements"/> for Parse, Bind and Close), so a
/// statement prepared one way runs the other way, and PREPARE makes the same <see cref="PreparedStatement"/> a Parse
/// makes, with the same cached plan (<see cref="CachedPlan"/>): EXECUTE of a query reuses its plan until the catalog
/// changes, as a Bind does. DISCARD ALL and DEALLOCATE ALL drop the named statements, never the unnamed one.
/// </summary>
public sealed partial class QuerySession
{
    private readonly Dictionary<string, IPgPreparedStatement> preparedStatements = new(StringComparer.Ordinal);

    /// <summary>The text of the simple Query being run: what pg_prepared_statements shows for a statement PREPARE made,
    /// as PostgreSQL keeps the whole query string.</summary>
    private string? simpleQueryText;

    public IDictionary<string, IPgPreparedStatement>? PreparedStatements => preparedStatements;

    private async ValueTask<StatementResult> PrepareSqlAsync(ParsedStatement statement, PrepareStmt prepare, CancellationToken cancellationToken)
    {
        if (preparedStatements.ContainsKey(prepare.Name))
        {
            throw new SqlException(SqlState.DuplicatePreparedStatement, $"prepared statement \"{prepare.Name}\" already exists");
        }
        int[] typeOids = prepare.ArgumentTypes.Select(type => TypeResolver.Resolve(type).Type.Oid).ToArray();
        var query = new ParsedStatement(prepare.Query, prepare.QueryText, prepare.QueryParameterCount);
        PreparedStatement prepared = await PrepareStatementAsync(query, typeOids, [], simpleQueryText ?? statement.Text, fromSql: true, cancellationToken);
        preparedStatements[prepare.Name] = prepared;
        return new StatementResult(null, null, statement.CommandTag);
    }

    /// <summary>EXECUTE: the statement runs as a Bind and Execute of it would, with the expressions' values coerced to
    /// its parameter types as an assignment coerces them (PostgreSQL's EvaluateParams).</summary>
    private async ValueTask<StatementResult> ExecuteSqlAsync(ExecuteStmt execute, IPgResponseWriter? writer, bool streamRows, CancellationToken cancellationToken)
    {
        PreparedStatement prepared = FindSqlPrepared(execute.Name);
        if (prepared.Statement is not { } statement)
        {
            return new StatementResult(null, null, "");
        }
        if (settings.TransactionReadOnly && !statement.IsReadOnly)
        {
            throw new SqlException("25006", $"cannot execute {statement.CommandTag} in a read-only transaction");
        }
        object?[] values = await EvaluateExecuteArgumentsAsync(execute, prepared, cancellationToken);
        prepared.CountExecution();
        return await RunAsync(statement, values, prepared.ParameterTypeOids, writer, streamRows, cancellationToken, prepared.Plan);
    }

    /// <summary>EXPLAIN [ANALYZE] EXECUTE name (args): the prepared statement explained with the arguments' values, as
    /// PostgreSQL explains the plan it would run.</summary>
    private async ValueTask<StatementResult> ExplainExecuteAsync(ParsedStatement statement, ExplainStmt explain, IPgResponseWriter? writer, bool streamRows,
        CancellationToken cancellationToken)
    {
        var execute = (ExecuteStmt)explain.Query;
        PreparedStatement prepared = FindSqlPrepared(execute.Name);
        if (prepared.Statement?.Tree is not (SelectStmt or InsertStmt or UpdateStmt or DeleteStmt))
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"EXPLAIN EXECUTE of {prepared.Statement?.CommandTag ?? "an empty statement"} is not supported");
        }
        object?[] values = await EvaluateExecuteArgumentsAsync(execute, prepared, cancellationToken);
        var explained = new ParsedStatement(explain with { Query = prepared.Statement.Tree }, statement.Text, prepared.ParameterTypeOids.Count);
        return await RunAsync(explained, values, prepared.ParameterTypeOids, writer, streamRows, cancellationToken);
    }

    /// <summary>CREATE TABLE name AS EXECUTE name (args): the table of the prepared query's rows for the arguments' values,
    /// as PostgreSQL's ExecCreateTableAs runs it; only a prepared SELECT (42809 otherwise).</summary>
    private async ValueTask<StatementResult> CreateTableAsExecuteAsync(ParsedStatement statement, CreateTableAsStmt create, IPgResponseWriter? writer,
        CancellationToken cancellationToken)
    {
        PreparedStatement prepared = FindSqlPrepared(create.Execute!.Name);
        if (prepared.Statement?.Tree is not SelectStmt query)
        {
            throw new SqlException(SqlState.WrongObjectType, "prepared statement is not a SELECT", create.Execute.Location + 1);
        }
        object?[] values = await EvaluateExecuteArgumentsAsync(create.Execute, prepared, cancellationToken);
        prepared.CountExecution();
        var created = new ParsedStatement(create with { Query = query, Execute = null }, statement.Text, prepared.ParameterTypeOids.Count);
        return await RunAsync(created, values, prepared.ParameterTypeOids, writer, streamRows: false, cancellationToken);
    }

    private StatementResult Deallocate(ParsedStatement statement, DeallocateStmt deallocate)
    {
        if (deallocate.Name is null)
        {
            foreach (string name in preparedStatements.Keys.Where(name => name.Length > 0).ToList())
            {
                preparedStatements.Remove(name);
            }
        }
        else if (!preparedStatements.Remove(deallocate.Name))
        {
            throw StatementDoesNotExist(deallocate.Name);
        }
        return new StatementResult(null, null, statement.CommandTag);
    }

    /// <summary>EXECUTE's arguments, one per parameter of the statement (42601 with PostgreSQL's detail otherwise).</summary>
    private async ValueTask<object?[]> EvaluateExecuteArgumentsAsync(ExecuteStmt execute, PreparedStatement prepared, CancellationToken cancellationToken)
    {
        int expected = prepared.ParameterTypeOids.Count;
        if (execute.Parameters.Count != expected)
        {
            throw new SqlException(SqlState.SyntaxError, $"wrong number of parameters for prepared statement \"{execute.Name}\"",
                detail: $"Expected {expected} parameters but got {execute.Parameters.Count}.");
        }
        Transaction store = await GetOrBeginTransactionAsync(cancellationToken);
        return await engine.EvaluateParametersAsync(execute.Parameters, prepared.ParameterTypeOids, store, settings.DateTimeSettings,
            Environment, cancellationToken);
    }

    private PreparedStatement FindSqlPrepared(string name) =>
        preparedStatements.TryGetValue(name, out IPgPreparedStatement? found) && found is PreparedStatement prepared ? prepared : throw StatementDoesNotExist(name);

    private static SqlException StatementDoesNotExist(string name) =>
        new(SqlState.InvalidSqlStatementName, $"prepared statement \"{name}\" does not exist");

    /// <summary>What Describe reports for EXECUTE: the prepared statement's columns (none when there is no such statement
    /// yet: EXECUTE then fails when it runs).</summary>
    private IReadOnlyList<PgField>? DescribeExecute(ExecuteStmt execute) =>
        preparedStatements.TryGetValue(execute.Name, out IPgPreparedStatement? found) ? found.ResultFields : null;

    /// <summary>The named statements as pg_prepared_statements lists them (the unnamed one is not listed).</summary>
    private IReadOnlyList<Sql.Executor.PreparedStatementInfo> ListPreparedStatements() => preparedStatements
        .Where(entry => entry.Key.Length > 0 && entry.Value is PreparedStatement)
        .Select(entry =>
        {
            var prepared = (PreparedStatement)entry.Value;
            return new Sql.Executor.PreparedStatementInfo(entry.Key, prepared.SourceText, prepared.PrepareTimeUtc, prepared.ParameterTypeOids,
                prepared.FromSql, prepared.GenericPlans, prepared.CustomPlans);
        })
        .ToList();
}
