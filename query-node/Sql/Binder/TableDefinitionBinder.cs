using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>CREATE TABLE: resolves column types, the primary key, constant defaults and the UNIQUE and CHECK
/// constraints into a table descriptor.</summary>
internal static class TableDefinitionBinder
{
    /// <summary>A CREATE TABLE's table; its constant defaults are read with the statement's settings (TimeZone, DateStyle).</summary>
    public static TableDescriptor Bind(CreateStmt create, long tableId, Executor.StatementContext statement)
    {
        RelationResolver? relations = statement.Relations;
        string tableName = SqlEngine.CatalogNameOf(create.Relation, relations);
        if (create.Columns.Count > SqlLimits.ColumnsPerTableMax)
        {
            throw new SqlException(EngineSqlState.TooManyColumns, $"tables can have at most {SqlLimits.ColumnsPerTableMax} columns");
        }
        var columns = new List<ColumnDescriptor>();
        var keyOrdinals = new List<int>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        int nextColumnId = 1;
        foreach (ColumnDef definition in create.Columns)
        {
            if (!names.Add(definition.Name))
            {
                throw new SqlException(SqlState.DuplicateColumn, $"column \"{definition.Name}\" specified more than once", definition.Location + 1);
            }
            ColumnDescriptor column = BindColumn(definition, nextColumnId++, statement);
            if (definition.IsPrimaryKey) keyOrdinals.Add(columns.Count);
            columns.Add(column);
        }
        if (create.PrimaryKey is not null)
        {
            foreach ((string name, int location) in create.PrimaryKey)
            {
                int ordinal = columns.FindIndex(column => column.Name == name);
                if (ordinal < 0)
                {
                    throw new SqlException(SqlState.UndefinedColumn, $"column \"{name}\" named in key does not exist", location + 1);
                }
                if (keyOrdinals.Contains(ordinal))
                {
                    throw new SqlException(SqlState.DuplicateColumn, $"column \"{name}\" appears twice in primary key constraint", location + 1);
                }
                keyOrdinals.Add(ordinal);
                columns[ordinal] = columns[ordinal] with { NotNull = true };
            }
        }
        var table = new TableDescriptor(tableId, tableName, version: 1, nextColumnId, columns, keyOrdinals);
        GeneratedColumnBinder.Check(table, create.Columns);
        return ConstraintDefinitionBinder.Bind(table, create);
    }

    /// <summary>A column definition (of CREATE TABLE or ADD COLUMN) as a column with the given id: its type, NOT NULL,
    /// identity and default.</summary>
    public static ColumnDescriptor BindColumn(ColumnDef definition, int columnId, Executor.StatementContext statement)
    {
        (SqlType type, _) = TypeResolver.Resolve(definition.TypeName);
        var column = new ColumnDescriptor(columnId, definition.Name, type, definition.IsNotNull || definition.IsPrimaryKey, false, null)
        {
            Identity = definition.Identity,
        };
        if (definition.Generated is not null) return GeneratedColumnBinder.BindColumn(definition, column);
        if (definition.Default is null) return column;
        (object? value, string? expression) = BindDefault(definition.Default, definition.DefaultText, column, statement);
        return column with { HasDefault = true, DefaultValue = value, DefaultExpression = expression };
    }

    /// <summary>A constant default is evaluated once, here, and stored; a clock function (now(), current_date,
    /// localtimestamp) is stored as SQL text by its name (pg_get_expr prints CURRENT_TIMESTAMP and now() apart), any other expression as its source text; both are
    /// evaluated at each insert.</summary>
    public static (object? Value, string? Expression) BindDefault(Expression expression, string? definitionText, ColumnDescriptor column,
        Executor.StatementContext statement)
    {
        var binder = new SqlBinder(table: null, alias: null, statement: statement);
        BoundExpression bound;
        try
        {
            bound = binder.CoerceForAssignment(binder.Bind(expression), column, expression.Location);
        }
        catch (SqlException exception) when (exception.SqlState == SqlState.UndefinedColumn)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "cannot use column reference in DEFAULT expression", exception.Position);
        }
        if (bound is BoundConstant constant) return (constant.Value, null);
        BoundExpression clock = bound is BoundCast { Context: ValueCast.Context.Assignment } cast ? cast.Operand : bound;
        string? text = clock is BoundFunction { Arguments.Count: 0 } function ? function.Function.Name switch
        {
            "current_timestamp" => "current_timestamp",
            "now" or "transaction_timestamp" or "statement_timestamp" or "clock_timestamp" => function.Function.Name + "()",
            "current_date" => "current_date",
            "localtimestamp" => "localtimestamp",
            _ => null,
        } : null;
        if (text is not null) return (null, text);
        // Any other expression is kept as its source text and bound afresh at each INSERT (nextval, gen_random_uuid, ...).
        return (null, definitionText ?? throw new SqlException(SqlState.FeatureNotSupported, "this DEFAULT expression is not supported", expression.Location + 1));
    }
}
