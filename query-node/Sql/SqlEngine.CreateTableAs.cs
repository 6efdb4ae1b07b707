using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql;

/// <summary>CREATE TABLE AS and SELECT INTO: a table with the query's column names and types (no primary key, so
/// rows are keyed by a hidden row id, as PostgreSQL's heap has no key either), filled with the query's rows in this
/// transaction, within its row and byte limits like any INSERT. The query's $n are the parameters given (CREATE
/// TABLE AS EXECUTE runs a prepared query with its arguments).</summary>
public sealed partial class SqlEngine
{
    private async ValueTask<StatementResult> ExecuteCreateTableAsAsync(CreateTableAsStmt create, ParameterContext? parameters, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        if (create.Execute is not null) throw new InvalidOperationException("CREATE TABLE AS EXECUTE reaches the engine with the prepared query in place");
        CheckSchema(create.Relation, statementContext.Relations);
        string name = CatalogNameOf(create.Relation, statementContext.Relations);
        if (await _catalog.RelationKindAsync(store, name, cancellationToken) is not null)
        {
            if (create.IfNotExists)
            {
                return new StatementResult(null, null, "CREATE TABLE AS") { Notices = [$"relation \"{name}\" already exists, skipping"] };
            }
            throw new SqlException(SqlState.DuplicateTable, $"relation \"{name}\" already exists");
        }
        (BoundQuery query, BindContext context) = await BindQueryAsync(create.Query, parameters, store, statementContext, cancellationToken);
        IReadOnlyList<string> names = create.ColumnNames ?? [];
        if (names.Count > query.Columns.Count) throw new SqlException(SqlState.SyntaxError, "too many column names were specified");
        var columns = new List<ColumnDescriptor>(query.Columns.Count);
        for (int index = 0; index < query.Columns.Count; index++)
        {
            string columnName = index < names.Count ? names[index] : query.Columns[index].Name;
            if (columns.Exists(column => column.Name == columnName))
            {
                throw new SqlException(SqlState.DuplicateColumn, $"column \"{columnName}\" specified more than once");
            }
            // An untyped literal's column is text, as PostgreSQL resolves unknown output columns.
            SqlType type = query.Types[index].Kind == TypeKind.Unknown ? SqlType.Text : query.Types[index];
            columns.Add(new ColumnDescriptor(index + 1, columnName, type, NotNull: false, HasDefault: false, DefaultValue: null));
        }
        if (columns.Count > SqlLimits.ColumnsPerTableMax)
        {
            throw new SqlException(EngineSqlState.TooManyColumns, $"tables can have at most {SqlLimits.ColumnsPerTableMax} columns");
        }
        long tableId = await SqlCatalog.AllocateTableIdAsync(store, cancellationToken);
        var table = new TableDescriptor(tableId, name, version: 1, columns.Count + 1, columns, []);
        SqlCatalog.WriteTable(store, table);
        if (!create.WithData) return new StatementResult(null, null, "CREATE TABLE AS");
        List<object?[]> rows = await RunQueryAsync(query, context, store, statementContext, cancellationToken);
        foreach (object?[] row in rows)
        {
            await InsertExecutor.WriteAsync(table, row, store, statementContext, cancellationToken);
        }
        return new StatementResult(null, null, "SELECT " + rows.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
