using System.Text;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog.Deparse;

/// <summary>A relation whose columns an expression reads, by the name the expression knows it by (its alias).</summary>
internal sealed record DeparseRelation(TableDescriptor Table, string ReferenceName);

/// <summary>
/// Writes an expression the catalog stores (a CHECK, a DEFAULT, an index expression or predicate, a view's
/// expressions) as PostgreSQL's ruleutils.c prints the analysed form it stores: every operator in parentheses,
/// BETWEEN expanded, IN as <c>= ANY (ARRAY[...])</c>, LIKE as <c>~~</c>, a string literal as a constant of the type it
/// took (<c>'x'::text</c>), and the implicit casts parse analysis inserts shown as <c>(x)::type</c>
/// (<c>(amount &gt; (0)::numeric)</c>, <c>(name)::text</c> for a varchar).
/// It walks the parse tree rather than the bound tree because binding folds a cast of a constant into the constant,
/// losing what ruleutils shows (an integer literal cast to numeric prints as <c>(0)::numeric</c>, a numeric literal as
/// <c>0.5</c>); the binder still answers every question of type (what a column, call or operand resolves to).
/// </summary>
internal sealed partial class ExpressionDeparser
{
    private readonly IReadOnlyList<DeparseRelation> _relations;
    private readonly bool _qualify;
    private readonly bool _pretty;

    /// <param name="relations">The relations the expression's columns belong to, by the names it knows them by.</param>
    /// <param name="qualify">Whether column references are printed qualified by their relation, as pg_get_viewdef does.</param>
    /// <param name="pretty">ruleutils' PRETTYFLAG_PAREN (pg_get_viewdef(v, true)): parentheses only where precedence
    /// needs them, and casts as <c>x::type</c>.</param>
    public ExpressionDeparser(IReadOnlyList<DeparseRelation> relations, bool qualify, bool pretty)
    {
        _relations = relations;
        _qualify = qualify;
        _pretty = pretty;
    }

    /// <summary>A deparser for an expression over one table's columns (a CHECK, an index expression), or none.</summary>
    public ExpressionDeparser(TableDescriptor? table, bool pretty = false)
        : this(table is null ? [] : [new DeparseRelation(table, table.Name)], qualify: false, pretty)
    {
    }

    /// <summary>The indentation a CASE starts at: 0 in a constraint, deeper in a view's lists.</summary>
    public int BaseIndent
    {
        get => _indent;
        init => _indent = value;
    }

    /// <summary>The expression as ruleutils prints it at the top level (a CHECK's or index predicate's body).</summary>
    public string Deparse(Expression expression)
    {
        var builder = new StringBuilder();
        Write(builder, expression, null, Parent.None);
        return builder.ToString();
    }

    /// <summary>The stored text of an expression deparsed, or the text itself when Log cannot parse or type it (the
    /// catalog must still answer).</summary>
    public static string DeparseText(TableDescriptor? table, string text, bool pretty = false)
    {
        try
        {
            return new ExpressionDeparser(table, pretty).Deparse(Parser.SqlParser.ParseExpressionText(text));
        }
        catch (SqlException)
        {
            return text;
        }
    }

    /// <summary>Whether ruleutils prints the expression bare where a column could stand (an index key): a function
    /// call, COALESCE and its kin, a SQL value function or a cast written as one; anything else gets parentheses.</summary>
    public static bool LooksLikeFunction(string text)
    {
        try
        {
            return Parser.SqlParser.ParseExpressionText(text) is FuncCall;
        }
        catch (SqlException)
        {
            return false;
        }
    }

    /// <summary>The type the binder gives an expression, Unknown for a string literal or NULL (and for anything it
    /// cannot bind alone).</summary>
    private SqlType TypeOf(Expression expression)
    {
        try
        {
            return Bind(expression).Type;
        }
        catch (SqlException)
        {
            return SqlType.Unknown;
        }
    }

    private BoundExpression Bind(Expression expression)
    {
        var scope = new BindScope(parent: null);
        int offset = 0;
        foreach (DeparseRelation relation in _relations)
        {
            scope.AddItem(SqlBinder.TableItem(relation.Table, relation.ReferenceName, offset, location: -1));
            offset += relation.Table.Columns.Count;
        }
        return new SqlBinder(new BindContext(null, null), scope).Bind(expression);
    }

    /// <summary>Writes an expression brought to <paramref name="target"/> (null: its own type), with the cast
    /// PostgreSQL shows for the coercion; <paramref name="parent"/> decides the parentheses of the pretty form.</summary>
    private void Write(StringBuilder builder, Expression expression, SqlType? target, Parent parent)
    {
        if (expression is A_Const { Kind: ConstantKind.String or ConstantKind.Null } literal)
        {
            SqlType type = target is not { Kind: not TypeKind.Unknown } wanted ? (literal.Kind == ConstantKind.Null ? SqlType.Unknown : SqlType.Text) : wanted;
            if (literal.Kind == ConstantKind.Null && type.Kind == TypeKind.Unknown)
            {
                builder.Append("NULL");
                return;
            }
            builder.Append(literal.Kind == ConstantKind.Null ? "NULL" : Quote(literal.Text!)).Append("::").Append(ImplicitTypeName(type));
            return;
        }
        SqlType own = TypeOf(expression);
        if (target is not { } coerced || SameType(own, coerced) || own.Kind == TypeKind.Unknown || coerced.Kind == TypeKind.Unknown)
        {
            WriteNested(builder, expression, own, parent);
            return;
        }
        if (_pretty)
        {
            WriteNested(builder, expression, own, Parent.Cast);
        }
        else
        {
            builder.Append('(');
            WriteUncoerced(builder, expression, own);
            builder.Append(')');
        }
        builder.Append("::").Append(ImplicitTypeName(coerced));
    }

    /// <summary>Writes an expression in parentheses where the pretty form needs them under its parent.</summary>
    private void WriteNested(StringBuilder builder, Expression expression, SqlType own, Parent parent)
    {
        bool parenthesize = _pretty && NeedsParentheses(expression, parent);
        if (parenthesize) builder.Append('(');
        WriteUncoerced(builder, expression, own);
        if (parenthesize) builder.Append(')');
    }

    /// <summary>The parentheses an expression prints around itself in the plain form (every operator, boolean and
    /// test), which the pretty form leaves to <see cref="NeedsParentheses"/>.</summary>
    private void Open(StringBuilder builder)
    {
        if (!_pretty) builder.Append('(');
    }

    private void Close(StringBuilder builder)
    {
        if (!_pretty) builder.Append(')');
    }

    private static bool SameType(SqlType left, SqlType right) =>
        left.Kind == right.Kind && (left.Kind != TypeKind.Array || SameType(left.ElementType, right.ElementType));

    /// <summary>How ruleutils names the type of a constant or implicit cast: without a modifier, char(n) as bpchar.</summary>
    private static string ImplicitTypeName(SqlType type) => type.Kind switch
    {
        TypeKind.Bpchar => "bpchar",
        TypeKind.Array when type.ElementType.Kind == TypeKind.Bpchar => "bpchar[]",
        _ => type.DisplayName,
    };

    internal static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    private void WriteUncoerced(StringBuilder builder, Expression expression, SqlType own)
    {
        switch (expression)
        {
            case A_Const constant:
                WriteConstant(builder, constant);
                return;
            case ColumnRef when WholeRow(expression) is { } wholeRow:
                // ruleutils' whole-row Var: relation.* (the select list adds its row type, see ViewDeparser).
                builder.Append(QualifiedName(wholeRow.ReferenceName)).Append(".*");
                return;
            case FieldIndirection { Field: { } field } selection when WholeRow(selection.Argument) is { } selected:
                // PostgreSQL binds (t).column as the column itself.
                builder.Append(QualifiedName(selected.ReferenceName)).Append('.').Append(QualifiedName(field));
                return;
            case FieldIndirection { Field: { } field } selection:
                builder.Append('(');
                Write(builder, selection.Argument, null, Parent.None);
                builder.Append(").").Append(QualifiedName(field));
                return;
            case RowExpr row:
                builder.Append("ROW(");
                for (int index = 0; index < row.Arguments.Count; index++)
                {
                    if (index > 0) builder.Append(", ");
                    Write(builder, row.Arguments[index], null, Parent.None);
                }
                builder.Append(')');
                return;
            case ColumnRef column:
                if (_qualify && QualifierOf(column) is { } qualifier) builder.Append(QualifiedName(qualifier)).Append('.');
                builder.Append(QualifiedName(column.Fields[^1]));
                return;
            case ParamRef parameter:
                builder.Append('$').Append(parameter.Number);
                return;
            case A_Expr { Left: null } prefix:
                Open(builder);
                builder.Append(prefix.Operator).Append(' ');
                Write(builder, prefix.Right, null, new Parent(ParentKind.Operator));
                Close(builder);
                return;
            case A_Expr binary:
                WriteOperator(builder, binary.Operator, binary.Left!, binary.Right);
                return;
            case BoolExpr { Kind: BoolExprKind.Not } not:
                Open(builder);
                builder.Append("NOT ");
                Write(builder, not.Arguments[0], SqlType.Bool, new Parent(ParentKind.Bool, Bool: BoolExprKind.Not));
                Close(builder);
                return;
            case BoolExpr boolean:
                Open(builder);
                for (int index = 0; index < boolean.Arguments.Count; index++)
                {
                    if (index > 0) builder.Append(boolean.Kind == BoolExprKind.And ? " AND " : " OR ");
                    Write(builder, boolean.Arguments[index], SqlType.Bool, new Parent(ParentKind.Bool, Bool: boolean.Kind));
                }
                Close(builder);
                return;
            case NullTest nullTest:
                Open(builder);
                Write(builder, nullTest.Argument, null, Parent.Test);
                builder.Append(nullTest.IsNot ? " IS NOT NULL" : " IS NULL");
                Close(builder);
                return;
            case BooleanTest test:
                Open(builder);
                Write(builder, test.Argument, SqlType.Bool, Parent.Test);
                builder.Append(" IS ").Append(test.IsNot ? "NOT " : "").Append(test.Value switch { true => "TRUE", false => "FALSE", _ => "UNKNOWN" });
                Close(builder);
                return;
            case BetweenExpr between:
                WriteBetween(builder, between);
                return;
            case InExpr inList:
                WriteIn(builder, inList);
                return;
            case A_ArrayOpExpr arrayOperator:
                Open(builder);
                Write(builder, arrayOperator.Left, null, Parent.Test);
                builder.Append(' ').Append(arrayOperator.Operator).Append(arrayOperator.All ? " ALL (" : " ANY (");
                Write(builder, arrayOperator.Right, null, Parent.None);
                builder.Append(')');
                Close(builder);
                return;
            case LikeExpr like:
                WriteOperator(builder, (like.IsNot ? "!" : "") + (like.CaseInsensitive ? "~~*" : "~~"), like.Argument, like.Pattern);
                return;
            case TypeCast cast:
                WriteCast(builder, cast, own);
                return;
            case FuncCall call:
                WriteCall(builder, call);
                return;
            case CaseExpr caseExpression:
                WriteCase(builder, caseExpression, own);
                return;
            case A_ArrayExpr array:
                builder.Append("ARRAY[");
                SqlType? element = own.Kind == TypeKind.Array ? own.ElementType : null;
                for (int index = 0; index < array.Elements.Count; index++)
                {
                    if (index > 0) builder.Append(", ");
                    Write(builder, array.Elements[index], element, Parent.None);
                }
                builder.Append(']');
                return;
            default:
                throw new SqlException(SqlState.FeatureNotSupported, $"deparsing {expression.GetType().Name} is not supported");
        }
    }

    /// <summary>A number as the constant its literal became: bare unless negative (the grammar folds the minus into
    /// the constant, which ruleutils then quotes and casts); booleans as true/false.</summary>
    private static void WriteConstant(StringBuilder builder, A_Const constant)
    {
        switch (constant.Kind)
        {
            case ConstantKind.Boolean:
                builder.Append(constant.Text == "true" ? "true" : "false");
                return;
            case ConstantKind.Integer or ConstantKind.Decimal when constant.Text![0] == '-':
                SqlType type = new SqlBinder((TableDescriptor?)null, null).Bind(constant).Type;
                builder.Append(Quote(constant.Text)).Append("::").Append(type.DisplayName);
                return;
            default:
                builder.Append(constant.Text);
                return;
        }
    }

    private static string QualifiedName(string name) => System.QualifiedNames.Quote(name);

    /// <summary>The relation a bare name stands for as a whole row (SELECT t FROM t), or null when it names a column.</summary>
    internal DeparseRelation? WholeRow(Expression expression) =>
        expression is ColumnRef { Star: false, Fields.Count: 1 } column && QualifierOf(column) is null
            ? _relations.FirstOrDefault(relation => relation.ReferenceName == column.Fields[0])
            : null;

    /// <summary>The relation a column reference belongs to: the one it names, or the first that has the column.</summary>
    private string? QualifierOf(ColumnRef column)
    {
        if (column.Fields.Count >= 2) return column.Fields[^2];
        string name = column.Fields[0];
        return _relations.FirstOrDefault(relation => relation.Table.Columns.Any(candidate => candidate.Name == name))?.ReferenceName;
    }
}
