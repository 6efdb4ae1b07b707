using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Binder;

/// <summary>Which indexes and CHECK constraints depend on a column, for ALTER TABLE: PostgreSQL drops them with the
/// column (DROP COLUMN). Their expressions are stored as SQL text naming columns, so renaming a column that one of
/// them names is refused rather than leaving text that no longer binds.</summary>
internal static class SchemaDependencies
{
    /// <summary>The table's indexes and CHECK constraints that do not involve the column.</summary>
    public static (IndexDescriptor[] Indexes, CheckConstraint[] Checks) Without(TableDescriptor table, ColumnDescriptor column)
    {
        var indexes = table.Indexes.Where(index => !Involves(index, column)).ToArray();
        var checks = table.Checks.Where(check => !Names(check.Expression, column.Name)).ToArray();
        return (indexes, checks);
    }

    /// <summary>Whether an expression of an index or CHECK constraint names the column.</summary>
    public static bool IsNamedByExpression(TableDescriptor table, string columnName) =>
        GeneratedFrom(table, columnName) is not null
        || table.Checks.Any(check => Names(check.Expression, columnName))
        || table.Indexes.Any(index => (index.Predicate is { } predicate && Names(predicate, columnName))
            || index.KeyColumns.Any(key => key.Expression is { } text && Names(text, columnName)));

    /// <summary>The first generated column whose expression names the column, if any (it depends on the column).</summary>
    public static ColumnDescriptor? GeneratedFrom(TableDescriptor table, string columnName) =>
        table.Columns.FirstOrDefault(column => column.Generated is { } text && Names(text, columnName));

    public static bool Involves(IndexDescriptor index, ColumnDescriptor column) =>
        index.KeyColumns.Any(key => key.ColumnId == column.Id && !key.IsExpression || key.Expression is { } text && Names(text, column.Name))
        || index.IncludeColumnIds.Contains(column.Id)
        || index.Predicate is { } predicate && Names(predicate, column.Name);

    private static bool Names(string expressionText, string columnName) =>
        ParseTree.Walk(SqlParser.ParseExpressionText(expressionText)).OfType<ColumnRef>().Any(reference => reference.Fields[^1] == columnName);
}
