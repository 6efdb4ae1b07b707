using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

internal sealed partial class SqlBinder
{
    /// <summary>Binds INSERT; <paramref name="query"/> is the already bound SELECT of INSERT ... SELECT (bound in its own scope).</summary>
    public BoundInsert BindInsert(InsertStmt insert, BoundQuery? query)
    {
        TableDescriptor table = _table!;
        var targetOrdinals = new List<int>();
        var targetLocations = new List<int>();
        if (insert.Columns is null)
        {
            for (int ordinal = 0; ordinal < table.Columns.Count; ordinal++)
            {
                targetOrdinals.Add(ordinal);
                targetLocations.Add(insert.Relation.Location);
            }
        }
        else
        {
            foreach (ResTarget column in insert.Columns)
            {
                int ordinal = table.OrdinalOf(column.Name!);
                if (ordinal < 0)
                {
                    throw new SqlException(SqlState.UndefinedColumn, $"column \"{column.Name}\" of relation \"{table.Name}\" does not exist", column.Location + 1);
                }
                if (targetOrdinals.Contains(ordinal))
                {
                    throw new SqlException(SqlState.DuplicateColumn, $"column \"{column.Name}\" specified more than once", column.Location + 1);
                }
                targetOrdinals.Add(ordinal);
                targetLocations.Add(column.Location);
            }
        }

        var rows = new List<BoundExpression[]>(insert.ValuesLists.Count);
        if (query is not null)
        {
            if (query.Columns.Count > targetOrdinals.Count)
            {
                throw new SqlException(SqlState.SyntaxError, "INSERT has more expressions than target columns");
            }
            if (query.Columns.Count < targetOrdinals.Count && insert.Columns is not null)
            {
                throw new SqlException(SqlState.SyntaxError, "INSERT has more target columns than expressions", targetLocations[query.Columns.Count] + 1);
            }
            targetOrdinals.RemoveRange(query.Columns.Count, targetOrdinals.Count - query.Columns.Count);
            for (int index = 0; index < targetOrdinals.Count; index++)
            {
                ColumnDescriptor column = table.Columns[targetOrdinals[index]];
                SqlType sourceType = query.Types[index];
                if (sourceType.Kind != TypeKind.Unknown && !ValueCast.CanCast(sourceType, column.Type, ValueCast.Context.Assignment))
                {
                    throw new SqlException(SqlState.DatatypeMismatch,
                        $"column \"{column.Name}\" is of type {column.Type.DisplayNameWithModifier} but expression is of type {sourceType.DisplayName}",
                        hint: "You will need to rewrite or cast the expression.");
                }
            }
        }
        var valuesBinder = new SqlBinder(table: null, alias: null, Parameters) { _aggregateForbiddenIn = "VALUES" };
        foreach (IReadOnlyList<Expression> values in insert.ValuesLists)
        {
            if (values.Count > targetOrdinals.Count)
            {
                throw new SqlException(SqlState.SyntaxError, "INSERT has more expressions than target columns", values[targetOrdinals.Count].Location + 1);
            }
            if (values.Count < targetOrdinals.Count && insert.Columns is not null)
            {
                throw new SqlException(SqlState.SyntaxError, "INSERT has more target columns than expressions", targetLocations[values.Count] + 1);
            }
            var row = new BoundExpression[table.Columns.Count];
            var assigned = new bool[table.Columns.Count];
            for (int index = 0; index < values.Count; index++)
            {
                int ordinal = targetOrdinals[index];
                ColumnDescriptor column = table.Columns[ordinal];
                Expression value = values[index];
                row[ordinal] = value is SetToDefault
                    ? DefaultOf(column)
                    : valuesBinder.CoerceForAssignment(valuesBinder.BindValue(value, table), column, value.Location);
                assigned[ordinal] = true;
            }
            for (int ordinal = 0; ordinal < row.Length; ordinal++)
            {
                if (!assigned[ordinal]) row[ordinal] = DefaultOf(table.Columns[ordinal]);
            }
            rows.Add(row);
        }
        return new BoundInsert(table, rows, query, targetOrdinals, BindReturning(insert.ReturningList));
    }

    /// <summary>A VALUES item: no columns are in scope; naming one gets PostgreSQL's hint.</summary>
    private BoundExpression BindValue(Expression value, TableDescriptor table)
    {
        try
        {
            return Bind(value);
        }
        catch (SqlException exception) when (exception.SqlState == SqlState.UndefinedColumn && value is ColumnRef { Fields.Count: 1 } columnRef
            && table.OrdinalOf(columnRef.Fields[0]) >= 0)
        {
            throw new SqlException(SqlState.UndefinedColumn, exception.Message, exception.Position,
                hint: $"There is a column named \"{columnRef.Fields[0]}\" in table \"{table.Name}\", but it cannot be referenced from this part of the query.");
        }
    }

    /// <summary>A column's default: its stored constant, or its stored clock expression bound afresh (so it is evaluated
    /// for every row), or NULL.</summary>
    public static BoundExpression DefaultOf(ColumnDescriptor column)
    {
        if (column.DefaultExpression is null) return new BoundConstant(column.HasDefault ? column.DefaultValue : null, column.Type);
        var select = (SelectStmt)Parser.SqlParser.ParseAll("select " + column.DefaultExpression)[0].Statement;
        var binder = new SqlBinder(table: null, alias: null);
        return binder.CoerceForAssignment(binder.Bind(select.TargetList[0].Value), column, -1);
    }
}
