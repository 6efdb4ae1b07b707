using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>COMMENT ON TABLE / SEQUENCE / VIEW / INDEX / COLUMN: the text goes into the catalog (pg_description's data), in the
/// user's transaction; IS NULL removes it.</summary>
internal static class CommentExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(CommentStmt comment, SqlCatalog catalog, ITransactionStore store, StatementContext statement, CancellationToken cancellationToken)
    {
        SqlEngine.CheckSchema(comment.Relation, statement.Relations);
        string name = SqlEngine.CatalogNameOf(comment.Relation, statement.Relations);
        if (comment.Kind == ObjectType.Index)
        {
            // An index's comment is kept under its name like a relation's; DROP INDEX and DROP TABLE remove it.
            if (await catalog.GetTableOfIndexAsync(store, name, cancellationToken) is null)
            {
                if (await catalog.RelationKindAsync(store, name, cancellationToken) is not null)
                {
                    throw new SqlException(EngineSqlState.WrongObjectType, $"\"{RelationNames.Display(name)}\" is not an index");
                }
                throw new SqlException(SqlState.UndefinedTable, $"relation \"{RelationNames.Display(name)}\" does not exist");
            }
            SqlCatalog.WriteComment(store, name, 0, comment.Comment);
            return new StatementResult(null, null, "COMMENT");
        }
        char? kind = await catalog.RelationKindAsync(store, name, cancellationToken)
            ?? throw new SqlException(SqlState.UndefinedTable, $"relation \"{name}\" does not exist");
        int columnNumber = 0;
        if (comment.Column is { } column)
        {
            columnNumber = kind switch
            {
                SqlCatalog.OrdinaryTable => (await catalog.GetTableAsync(store, name, cancellationToken))!.Columns.FirstOrDefault(existing => existing.Name == column)?.Id ?? 0,
                SqlCatalog.View => (await SqlCatalog.GetViewAsync(store, name, cancellationToken))!.ColumnNames.ToList().IndexOf(column) + 1,
                _ => 0, // a sequence's columns (last_value, ...) take no comments here
            };
            if (columnNumber <= 0) throw new SqlException(SqlState.UndefinedColumn, $"column \"{column}\" of relation \"{name}\" does not exist");
        }
        else
        {
            char expected = comment.Kind switch { ObjectType.Sequence => SqlCatalog.Sequence, ObjectType.View => SqlCatalog.View, _ => SqlCatalog.OrdinaryTable };
            if (kind != expected)
            {
                string noun = comment.Kind switch { ObjectType.Sequence => "sequence", ObjectType.View => "view", _ => "table" };
                throw new SqlException(SqlState.WrongObjectType, $"\"{name}\" is not a {noun}");
            }
        }
        SqlCatalog.WriteComment(store, name, columnNumber, comment.Comment);
        return new StatementResult(null, null, "COMMENT");
    }
}
