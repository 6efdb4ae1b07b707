using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Functions;
using Log.QueryNode.Sql.Parser;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Binder;

/// <summary>Stored generated columns (GENERATED ALWAYS AS (expression) STORED): the expression is kept as source text
/// and computed by the row writer from the row's other columns, so it must be immutable and may name only ordinary
/// columns of its table, as PostgreSQL requires (heap.c's cookDefault and check_nested_generated).</summary>
internal static class GeneratedColumnBinder
{
    /// <summary>The column with its generation expression; the expression is checked against the whole table by
    /// <see cref="Check"/> once every column is known.</summary>
    public static ColumnDescriptor BindColumn(ColumnDef definition, ColumnDescriptor column) =>
        column with { HasDefault = true, Generated = definition.GeneratedText };

    /// <summary>Checks every generated column of a new table: no DEFAULT or identity beside it, no reference to another
    /// generated column, and an immutable expression assignable to the column's type.</summary>
    public static void Check(TableDescriptor table, IReadOnlyList<ColumnDef> definitions)
    {
        foreach (ColumnDef definition in definitions)
        {
            if (definition.Generated is not { } expression) continue;
            if (definition.Default is not null || definition.Identity is not null)
            {
                string other = definition.Default is not null ? "default" : "identity";
                throw new SqlException(SqlState.SyntaxError,
                    $"both {other} and generation expression specified for column \"{definition.Name}\" of table \"{table.Name}\"", definition.Location + 1);
            }
            foreach (ColumnRef reference in ParseTree.Walk(expression).OfType<ColumnRef>())
            {
                int ordinal = table.OrdinalOf(reference.Fields[^1]);
                if (ordinal >= 0 && table.Columns[ordinal].Generated is not null)
                {
                    throw new SqlException(EngineSqlState.InvalidObjectDefinition,
                        $"cannot use generated column \"{reference.Fields[^1]}\" in column generation expression", reference.Location + 1,
                        detail: "A generated column cannot reference another generated column.");
                }
            }
            Bind(table, table.Columns[table.OrdinalOf(definition.Name)], expression);
        }
    }

    /// <summary>The expression that computes <paramref name="column"/> from a row of <paramref name="table"/> (its
    /// columns are row ordinals), cast to the column's type by assignment.</summary>
    public static BoundExpression Bind(TableDescriptor table, ColumnDescriptor column, Expression expression)
    {
        var binder = new SqlBinder(table, table.Name);
        BoundExpression bound = binder.Bind(expression);
        if (!IsImmutable(bound)) throw new SqlException(EngineSqlState.InvalidObjectDefinition, "generation expression is not immutable");
        return binder.CoerceForAssignment(bound, column, expression.Location);
    }

    public static BoundExpression Bind(TableDescriptor table, ColumnDescriptor column) =>
        Bind(table, column, SqlParser.ParseExpressionText(column.Generated!));

    private static bool IsImmutable(BoundExpression expression) =>
        expression is not (BoundFunction { Function.Volatility: not Volatility.Immutable } or BoundSubquery)
        && BoundExpressionTree.Children(expression).All(IsImmutable);
}
