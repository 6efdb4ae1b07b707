using System.Globalization;
using System.Runtime.CompilerServices;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// Parse-analysis (PostgreSQL's analyze.c / parse_expr.c): resolves names against the one table in scope, assigns
/// types with PostgreSQL's coercion rules (an untyped literal takes the type of the other side, numbers promote
/// int2 &lt; int4 &lt; int8 &lt; numeric &lt; float8), folds casts of constants and reports PostgreSQL's errors.
/// One binder per statement; the statement kinds live in partial files.
/// </summary>
internal sealed partial class SqlBinder
{
    /// <summary>The names this query level sees (FROM items, WITH queries, enclosing levels).</summary>
    private readonly BindScope _scope;

    /// <summary>What the whole statement shares: parameters, the tables it names, ids for subqueries.</summary>
    private readonly BindContext _context;
    private int _depth;

    /// <summary>Where aggregates may appear, the calls found so far; null where they are not allowed.</summary>
    private List<BoundAggregateCall>? _aggregateCalls;
    private string _aggregateForbiddenIn = "WHERE";
    private bool _insideAggregate;

    /// <summary>Where window functions may appear (the select list and ORDER BY), the calls found so far.</summary>
    private List<BoundWindowCall>? _windowCalls;

    /// <summary>A binder for expressions over at most one table (column defaults, CHECK-like definitions), whose columns
    /// are the ordinals of the table's rows. Statements bind with the scope-based constructor below. Without a
    /// <paramref name="statement"/> (a stored expression read back), literals are read with the default settings.</summary>
    public SqlBinder(TableDescriptor? table, string? alias, ParameterContext? parameters = null, Executor.StatementContext? statement = null)
        : this(statement is null ? new BindContext(parameters, tables: null) : new BindContext(parameters, tables: null) { Statement = statement },
            new BindScope(parent: null))
    {
        if (table is not null) _scope.AddItem(TableItem(table, alias ?? table.Name, offset: 0, location: -1));
    }

    public SqlBinder(BindContext context, BindScope scope)
    {
        _context = context;
        _scope = scope;
    }

    private ParameterContext? Parameters => _context.Parameters;

    /// <summary>The statement's settings, which literals are read and constants cast with.</summary>
    private DateTimeSettings Settings => _context.Statement.DateTimeSettings;

    /// <summary>The scope item of a stored table whose columns start at <paramref name="offset"/> of the row.</summary>
    internal static ScopeItem TableItem(TableDescriptor table, string referenceName, int offset, int location, IReadOnlyList<string>? columnAliases = null)
    {
        var columns = new ScopeColumn[table.Columns.Count];
        for (int ordinal = 0; ordinal < columns.Length; ordinal++)
        {
            ColumnDescriptor column = table.Columns[ordinal];
            string name = columnAliases is not null && ordinal < columnAliases.Count ? columnAliases[ordinal] : column.Name;
            columns[ordinal] = new ScopeColumn(name, new BoundColumn(offset + ordinal, column.Type, $"{referenceName}.{column.Name}", -1), table, ordinal);
        }
        return new ScopeItem(referenceName, columns, location, SystemColumns: SystemColumns.Of(Catalog.System.ObjectIds.Relation(table.Id), columns, table.PrimaryKeyOrdinals));
    }

    public BoundExpression Bind(Expression expression)
    {
        if (++_depth > SqlLimits.ExpressionDepthMax || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw SqlParser.StackDepthExceeded();
        }
        try
        {
            return BindCore(expression);
        }
        finally
        {
            _depth--;
        }
    }

    private BoundExpression BindCore(Expression expression)
    {
        switch (expression)
        {
            case A_Const constant:
                return BindConstant(constant);
            case ColumnRef columnRef:
                return BindColumnRef(columnRef);
            case ParamRef parameter:
                if (Parameters is null || parameter.Number > Parameters.Count)
                {
                    throw new SqlException(EngineSqlState.UndefinedParameter, $"there is no parameter ${parameter.Number}", parameter.Location + 1);
                }
                return Parameters.Bind(parameter.Number, parameter.Location, Settings);
            case A_Expr operatorExpression:
                return BindOperator(operatorExpression);
            case BoolExpr boolExpr:
                var arguments = new BoundExpression[boolExpr.Arguments.Count];
                string name = boolExpr.Kind switch { BoolExprKind.And => "AND", BoolExprKind.Or => "OR", _ => "NOT" };
                for (int index = 0; index < arguments.Length; index++)
                {
                    arguments[index] = CoerceToBoolean(Bind(boolExpr.Arguments[index]), boolExpr.Arguments[index], name);
                }
                return new BoundBoolean(boolExpr.Kind, arguments);
            case NullTest nullTest:
                return new BoundNullTest(Bind(nullTest.Argument), nullTest.IsNot);
            case BooleanTest booleanTest:
                string testName = "IS " + (booleanTest.IsNot ? "NOT " : "") + (booleanTest.Value switch { true => "TRUE", false => "FALSE", _ => "UNKNOWN" });
                return new BoundBooleanTest(CoerceToBoolean(Bind(booleanTest.Argument), booleanTest.Argument, testName), booleanTest.Value, booleanTest.IsNot);
            case InExpr inExpr:
                return BindIn(inExpr);
            case BetweenExpr between:
                return BindBetween(between);
            case LikeExpr like:
                return BindLike(like);
            case TypeCast cast:
                return BindTypeCast(cast);
            case FuncCall call:
                return BindFunction(call);
            case CaseExpr caseExpr:
                return BindInConditional(() => BindCase(caseExpr), "CASE");
            case SubLink link:
                return BindSubLink(link);
            case SimilarToExpr similar:
                return BindSimilarTo(similar);
            case A_ArrayExpr array:
                return BindArrayConstructor(array, null);
            case A_ArrayOpExpr arrayOperator:
                return BindArrayOperator(arrayOperator);
            case A_Indirection indirection:
                return BindIndirection(indirection);
            case RowExpr row:
                return BindRowConstructor(row);
            case FieldIndirection fieldIndirection:
                return BindFieldIndirection(fieldIndirection);
            case SetToDefault setToDefault:
                throw new SqlException(SqlState.SyntaxError, "DEFAULT is not allowed in this context", setToDefault.Location + 1);
            default:
                throw new SqlException(SqlState.FeatureNotSupported, $"expression {expression.GetType().Name} is not supported", expression.Location + 1);
        }
    }

    private static BoundConstant BindConstant(A_Const constant)
    {
        switch (constant.Kind)
        {
            case ConstantKind.Integer:
                if (int.TryParse(constant.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int int4)) return new BoundConstant(int4, SqlType.Int4);
                if (long.TryParse(constant.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long int8)) return new BoundConstant(int8, SqlType.Int8);
                return NumericConstant(constant);
            case ConstantKind.Decimal:
                return NumericConstant(constant);
            case ConstantKind.String:
                return new BoundConstant(constant.Text, SqlType.Unknown);
            case ConstantKind.Boolean:
                return new BoundConstant(constant.Text == "true", SqlType.Bool);
            default:
                return new BoundConstant(null, SqlType.Unknown);
        }
    }

    /// <summary>A numeric literal: numeric at any size numeric holds (1e100 too, as in PostgreSQL).</summary>
    private static BoundConstant NumericConstant(A_Const constant) =>
        new(NumericOperations.Parse(constant.Text!, constant.Location + 1), SqlType.Numeric);

    private BoundExpression BindColumnRef(ColumnRef columnRef)
    {
        if (columnRef.Star)
        {
            // t.* as a value (count(t.*)): the whole row.
            if (columnRef.Fields.Count == 1 && BindWholeRow(columnRef.Fields[0]) is { } wholeRow) return wholeRow;
            throw new SqlException(SqlState.FeatureNotSupported, "a * is not supported in this position", columnRef.Location + 1);
        }
        IReadOnlyList<string> fields = columnRef.Fields;
        // schema.table.column: the FROM item is named after the table (the scope holds no schemas).
        (BoundExpression Expression, ScopeColumn? Column)? resolved = _scope.Resolve(fields, columnRef.Location);
        if (resolved is not null) return resolved.Value.Expression;
        if (fields.Count == 1 && BindWholeRow(fields[0]) is { } row) return row;
        if (fields.Count > 1)
        {
            string qualifier = fields[^2];
            if (!_scope.HasRelation(qualifier))
            {
                throw new SqlException(SqlState.UndefinedTable, $"missing FROM-clause entry for table \"{qualifier}\"", columnRef.Location + 1);
            }
            throw new SqlException(SqlState.UndefinedColumn, $"column {qualifier}.{fields[^1]} does not exist", columnRef.Location + 1);
        }
        throw new SqlException(SqlState.UndefinedColumn, $"column \"{fields[^1]}\" does not exist", columnRef.Location + 1);
    }

    /// <summary>A boolean argument (of AND, WHERE, ...): an untyped literal converts to boolean, other types are errors.</summary>
    public BoundExpression CoerceToBoolean(BoundExpression bound, Expression source, string context)
    {
        if (bound.Type.Kind == TypeKind.Bool) return bound;
        if (bound.Type.Kind == TypeKind.Unknown) return CoerceUnknown(bound, SqlType.Bool, source.Location);
        throw new SqlException(SqlState.DatatypeMismatch, $"argument of {context} must be type boolean, not type {bound.Type.DisplayName}", source.Location + 1);
    }

    /// <summary>An untyped literal (or NULL) takes a type: its text goes through the type's input function now.</summary>
    private BoundExpression CoerceUnknown(BoundExpression bound, SqlType target, int location)
    {
        if (bound is BoundConstant constant)
        {
            if (constant.ParameterNumber > 0) Parameters?.Infer(constant.ParameterNumber, target.WithoutModifier);
            if (constant.Value is null) return new BoundConstant(null, target);
            return new BoundConstant(ValueInput.Parse((string)constant.Value, target, Settings, location + 1), target);
        }
        return new BoundCast(bound, target, ValueCast.Context.Explicit);
    }

    /// <summary>Brings an expression to a type: folds constants, inserts a cast otherwise.</summary>
    private BoundExpression CastTo(BoundExpression bound, SqlType target, ValueCast.Context context, int location)
    {
        if (bound.Type.Kind == TypeKind.Unknown) return CoerceUnknown(bound, target, location);
        if (bound.Type == target) return bound;
        if (bound.Type.Kind == target.Kind && bound.Type.Element == target.Element && target.Modifier < 0) return bound;
        if (bound is BoundConstant constant && !ValueCast.ReadsSessionSettings(constant.Type, target))
        {
            return new BoundConstant(ValueCast.Convert(constant.Value, constant.Type, target, context, Settings), target);
        }
        return new BoundCast(bound, target, context);
    }

    /// <summary>The value stored into a column: PostgreSQL's assignment coercion, with its errors.</summary>
    public BoundExpression CoerceForAssignment(BoundExpression bound, ColumnDescriptor column, int location)
    {
        if (bound.Type.Kind != TypeKind.Unknown && !ValueCast.CanCast(bound.Type, column.Type, ValueCast.Context.Assignment))
        {
            throw new SqlException(SqlState.DatatypeMismatch,
                $"column \"{column.Name}\" is of type {column.Type.DisplayNameWithModifier} but expression is of type {bound.Type.DisplayName}",
                location + 1, hint: "You will need to rewrite or cast the expression.");
        }
        return CastTo(bound, column.Type, ValueCast.Context.Assignment, location);
    }

    private static SqlException OperatorDoesNotExist(string op, SqlType? left, SqlType right, int location) =>
        new(SqlState.UndefinedFunction,
            left is null ? $"operator does not exist: {op} {right.DisplayName}" : $"operator does not exist: {left.Value.DisplayName} {op} {right.DisplayName}",
            location + 1, hint: "No operator matches the given name and argument types. You might need to add explicit type casts.");

    /// <summary>PostgreSQL's select_common_type: untyped literals follow the others, numbers promote, strings meet at text.</summary>
    private static SqlType CommonType(IReadOnlyList<BoundExpression> expressions, IReadOnlyList<Expression> sources, string context)
    {
        SqlType? result = null;
        for (int index = 0; index < expressions.Count; index++)
        {
            SqlType type = expressions[index].Type;
            if (type.Kind == TypeKind.Unknown) continue;
            if (result is null)
            {
                result = type.WithoutModifier;
            }
            else if (result.Value.Kind == type.Kind && result.Value.Element == type.Element)
            {
            }
            else if (result.Value.IsNumber && type.IsNumber)
            {
                if (type.NumericRank > result.Value.NumericRank) result = type.WithoutModifier;
            }
            else if (result.Value.IsString && type.IsString)
            {
                result = SqlType.Text;
            }
            else if (result.Value.IsDateTime && type.IsDateTime)
            {
                if (type.DateTimeRank > result.Value.DateTimeRank) result = type.WithoutModifier;
            }
            else
            {
                throw new SqlException(SqlState.DatatypeMismatch, $"{context} types {result.Value.DisplayName} and {type.DisplayName} cannot be matched", sources[index].Location + 1);
            }
        }
        return result ?? SqlType.Text;
    }

    private BoundExpression[] CoerceAll(IReadOnlyList<BoundExpression> expressions, IReadOnlyList<Expression> sources, SqlType target)
    {
        var result = new BoundExpression[expressions.Count];
        for (int index = 0; index < result.Length; index++)
        {
            result[index] = expressions[index].Type.IsString && target.IsString
                ? expressions[index]
                : CastTo(expressions[index], target, ValueCast.Context.Implicit, sources[index].Location);
        }
        return result;
    }
}
