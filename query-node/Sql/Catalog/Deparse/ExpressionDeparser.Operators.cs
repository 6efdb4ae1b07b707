using System.Text;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Functions;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog.Deparse;

/// <summary>Operators, calls, casts and CASE: where parse analysis chose operand types, and so where ruleutils shows
/// an implicit cast.</summary>
internal sealed partial class ExpressionDeparser
{
    private void WriteOperator(StringBuilder builder, string name, Expression left, Expression right)
    {
        (SqlType? leftTarget, SqlType? rightTarget) = OperandTypes(name, TypeOf(left), TypeOf(right));
        Open(builder);
        Write(builder, left, leftTarget, new Parent(ParentKind.Operator, name, IsLeft: true));
        builder.Append(' ').Append(name).Append(' ');
        Write(builder, right, rightTarget, new Parent(ParentKind.Operator, name));
        Close(builder);
    }

    /// <summary>The operand types of the operator PostgreSQL's catalog resolves for these argument types: an untyped
    /// literal takes the other side's type; the integer types and the float types have cross-type operators (but
    /// % only same-type ones); other mixed numbers meet at numeric, or at double precision beside a float; the string
    /// types compare as text, except char(n) with char(n) (and char(n) LIKE text).</summary>
    private static (SqlType? Left, SqlType? Right) OperandTypes(string name, SqlType left, SqlType right)
    {
        if (left.Kind == TypeKind.Unknown && right.Kind == TypeKind.Unknown) return (SqlType.Text, SqlType.Text);
        if (name == "||" && (left.Kind == TypeKind.Unknown ? !right.IsArray : right.Kind == TypeKind.Unknown && !left.IsArray))
        {
            // A literal beside a non-array is text (textanycat / anytextcat), whatever the other side's type.
            return (left.Kind == TypeKind.Unknown || IsString(left) ? SqlType.Text : left, right.Kind == TypeKind.Unknown || IsString(right) ? SqlType.Text : right);
        }
        if (left.Kind == TypeKind.Unknown) left = right;
        if (right.Kind == TypeKind.Unknown) right = left;
        bool like = name.Contains("~~", StringComparison.Ordinal);
        if (IsString(left) && (IsString(right) || like))
        {
            if (left.Kind == TypeKind.Bpchar && (right.Kind == TypeKind.Bpchar || like)) return (left, like ? SqlType.Text : right);
            return (SqlType.Text, SqlType.Text);
        }
        if (name == "||")
        {
            return (IsString(left) ? SqlType.Text : left, IsString(right) ? SqlType.Text : right);
        }
        if (left.IsNumber && right.IsNumber && left.Kind != right.Kind)
        {
            if (IsInteger(left) && IsInteger(right))
            {
                if (name != "%") return (left, right);
                SqlType wider = IntegerRank(left) > IntegerRank(right) ? left : right;
                return (wider, wider);
            }
            if (IsFloat(left) && IsFloat(right)) return (left, right);
            SqlType common = IsFloat(left) || IsFloat(right) ? SqlType.Float8 : SqlType.Numeric;
            return (IsFloat(left) ? left : common, IsFloat(right) ? right : common);
        }
        return (left, right);
    }

    private static bool IsString(SqlType type) => type.Kind is TypeKind.Text or TypeKind.Varchar or TypeKind.Bpchar;

    private static bool IsInteger(SqlType type) => type.Kind is TypeKind.Int2 or TypeKind.Int4 or TypeKind.Int8;

    private static bool IsFloat(SqlType type) => type.Kind is TypeKind.Float4 or TypeKind.Float8;

    private static int IntegerRank(SqlType type) => type.Kind switch { TypeKind.Int2 => 0, TypeKind.Int4 => 1, _ => 2 };

    /// <summary>BETWEEN as the grammar expands it: <c>((x &gt;= low) AND (x &lt;= high))</c>, NOT BETWEEN as
    /// <c>((x &lt; low) OR (x &gt; high))</c>.</summary>
    private void WriteBetween(StringBuilder builder, BetweenExpr between)
    {
        Open(builder);
        WriteOperator(builder, between.IsNot ? "<" : ">=", between.Argument, between.Low);
        builder.Append(between.IsNot ? " OR " : " AND ");
        WriteOperator(builder, between.IsNot ? ">" : "<=", between.Argument, between.High);
        Close(builder);
    }

    /// <summary>x IN (list) as parse analysis turns it into a comparison with an array of the list's common type:
    /// <c>(x = ANY (ARRAY[1, 2]))</c>, NOT IN as <c>&lt;&gt; ALL</c>; varchar compares as text, so its array is cast.</summary>
    private void WriteIn(StringBuilder builder, InExpr inList)
    {
        SqlType operand = TypeOf(inList.Argument);
        SqlType common = operand;
        foreach (Expression item in inList.List)
        {
            SqlType itemType = TypeOf(item);
            if (common.Kind == TypeKind.Unknown) common = itemType;
            else if (itemType.IsNumber && common.IsNumber && itemType.Kind != common.Kind) common = OperandTypes("=", common, itemType).Left ?? common;
        }
        if (common.Kind == TypeKind.Unknown) common = SqlType.Text;
        bool asText = common.Kind == TypeKind.Varchar;
        Open(builder);
        Write(builder, inList.Argument, asText ? SqlType.Text : common, Parent.Test);
        builder.Append(inList.IsNot ? " <> ALL (" : " = ANY (");
        if (asText) builder.Append('(');
        builder.Append("ARRAY[");
        for (int index = 0; index < inList.List.Count; index++)
        {
            if (index > 0) builder.Append(", ");
            Write(builder, inList.List[index], common, Parent.None);
        }
        builder.Append(']');
        if (asText) builder.Append(")::text[]");
        builder.Append(')');
        Close(builder);
    }

    /// <summary>An explicit cast: a literal becomes a constant of the type (<c>'2020-01-01'::date</c>), anything else
    /// is shown cast (<c>(y)::integer</c>), with the type's modifier.</summary>
    private void WriteCast(StringBuilder builder, TypeCast cast, SqlType type)
    {
        string typeName = type.Kind switch
        {
            TypeKind.Unknown => cast.TypeName.Name,
            // char(n) without a length is bpchar itself (what the catalog's own text says, 'ab'::bpchar).
            TypeKind.Bpchar when type.Modifier < 0 => "bpchar",
            _ => type.DisplayNameWithModifier,
        };
        if (cast.Argument is A_Const { Kind: ConstantKind.String or ConstantKind.Null } literal)
        {
            builder.Append(literal.Kind == ConstantKind.Null ? "NULL" : Quote(literal.Text!)).Append("::").Append(typeName);
            return;
        }
        if (_pretty)
        {
            Write(builder, cast.Argument, null, Parent.Cast);
        }
        else
        {
            builder.Append('(');
            Write(builder, cast.Argument, null, Parent.None);
            builder.Append(')');
        }
        builder.Append("::").Append(typeName);
    }

    /// <summary>The SQL-standard functions the grammar turns into value functions, which ruleutils prints by their
    /// keyword (CURRENT_DATE, CURRENT_TIMESTAMP(2)).</summary>
    private static readonly HashSet<string> SqlValueFunctions = new(StringComparer.Ordinal)
    {
        "current_date", "current_time", "current_timestamp", "localtime", "localtimestamp", "current_user", "session_user", "user",
        "current_role", "current_catalog", "current_schema",
    };

    /// <summary>The sequence functions, whose first argument is a regclass on PostgreSQL (nextval('s'::regclass)).</summary>
    private static readonly HashSet<string> SequenceFunctions = new(StringComparer.Ordinal) { "nextval", "currval", "setval" };

    private void WriteCall(StringBuilder builder, FuncCall call)
    {
        if (call.Over is not null || call.AggregateOrder is not null || call.WithinGroup || call.VariadicLast)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "deparsing window, ordered and variadic calls is not supported");
        }
        if (SqlValueFunctions.Contains(call.Name) && call.Schema is null)
        {
            builder.Append(call.Name.ToUpperInvariant());
            if (call.Arguments.Count > 0) builder.Append('(').Append(((A_Const)call.Arguments[0]).Text).Append(')');
            return;
        }
        BoundFunction? bound;
        try
        {
            bound = Bind(call) as BoundFunction;
        }
        catch (SqlException)
        {
            bound = null;
        }
        bool special = bound?.Function.SpecialForm is not (null or SpecialForm.None);
        builder.Append(special ? call.Name.ToUpperInvariant() : call.Name).Append('(');
        if (call.Star) builder.Append('*');
        if (call.Distinct) builder.Append("DISTINCT ");
        for (int index = 0; index < call.Arguments.Count; index++)
        {
            if (index > 0) builder.Append(", ");
            // A named argument keeps its name (ruleutils writes NamedArgExpr as "name => value").
            if (call.ArgumentNames?[index] is { } argumentName) builder.Append(argumentName).Append(" => ");
            Write(builder, call.Arguments[index], ArgumentType(call, bound, index), Parent.None);
        }
        builder.Append(')');
        if (call.Filter is not null)
        {
            builder.Append(" FILTER (WHERE ");
            Write(builder, call.Filter, SqlType.Bool, Parent.None);
            builder.Append(')');
        }
    }

    /// <summary>The type an argument was brought to: the parameter's declared type, or for polymorphic parameters and
    /// COALESCE-like forms the type the binder resolved.</summary>
    private static SqlType? ArgumentType(FuncCall call, BoundFunction? bound, int index)
    {
        if (index == 0 && SequenceFunctions.Contains(call.Name)) return new SqlType(TypeKind.RegClass);
        if (bound is null) return null;
        if (call.ArgumentNames?[index] is { } argumentName)
        {
            // A named argument is bound at its parameter's position.
            index = bound.Function.ParameterNames?.ToList().IndexOf(argumentName) ?? -1;
            if (index < 0) return null;
        }
        if (index >= bound.Arguments.Count) return null;
        IReadOnlyList<ParameterType> parameters = bound.Function.Parameters;
        if (bound.Function.SpecialForm == SpecialForm.None && index < parameters.Count && !parameters[index].IsPolymorphic
            && parameters[index].Pseudo == PseudoType.None)
        {
            return parameters[index].Type;
        }
        return bound.Arguments[index].Type;
    }

    /// <summary>CASE as ruleutils' pretty form lays it out: each WHEN and the ELSE on a line of its own, indented.</summary>
    private void WriteCase(StringBuilder builder, CaseExpr caseExpression, SqlType type)
    {
        builder.Append('\n').Append(' ', _indent).Append("CASE");
        if (caseExpression.Argument is not null)
        {
            builder.Append(' ');
            Write(builder, caseExpression.Argument, null, Parent.None);
        }
        _indent += IndentStep;
        foreach (CaseWhen when in caseExpression.Whens)
        {
            builder.Append('\n').Append(' ', _indent).Append("WHEN ");
            Write(builder, when.Condition, caseExpression.Argument is null ? SqlType.Bool : null, Parent.None);
            builder.Append(" THEN ");
            Write(builder, when.Result, type, Parent.None);
        }
        if (caseExpression.Else is not null)
        {
            builder.Append('\n').Append(' ', _indent).Append("ELSE ");
            Write(builder, caseExpression.Else, type, Parent.None);
        }
        _indent -= IndentStep;
        builder.Append('\n').Append(' ', _indent).Append("END");
    }

    /// <summary>ruleutils' PRETTYINDENT_STD.</summary>
    private const int IndentStep = 4;

    private int _indent;

    private enum ParentKind : byte
    {
        /// <summary>The top of a clause, a function argument, a list element: the child needs no parentheses.</summary>
        None,
        Operator,
        Bool,
        Cast,
        /// <summary>IS [NOT] NULL, IS TRUE, = ANY: any operator below needs parentheses.</summary>
        Test,
    }

    /// <summary>Where an expression stands, for ruleutils' isSimpleNode: the operator (and side) or boolean above it.</summary>
    private readonly record struct Parent(ParentKind Kind, string? Operator = null, bool IsLeft = false, BoolExprKind Bool = BoolExprKind.And)
    {
        public static readonly Parent None = new(ParentKind.None);
        public static readonly Parent Cast = new(ParentKind.Cast);
        public static readonly Parent Test = new(ParentKind.Test);
    }

    /// <summary>Whether the pretty form parenthesises an expression under its parent (ruleutils' isSimpleNode):
    /// operators under a boolean or at the top need none, under an operator only where precedence asks for them
    /// (<c>a * 2 + 1</c>, <c>a - (1 - 2)</c>); AND under OR and NOT under either need none.</summary>
    private static bool NeedsParentheses(Expression expression, Parent parent)
    {
        if (parent.Kind == ParentKind.None) return false;
        switch (expression)
        {
            case A_Expr operatorExpression:
                return parent.Kind switch
                {
                    ParentKind.Bool => false,
                    ParentKind.Operator => OperatorNeedsParentheses(operatorExpression.Left is null ? null : operatorExpression.Operator, parent),
                    _ => true,
                };
            case LikeExpr:
                return parent.Kind != ParentKind.Bool;
            case NullTest or BooleanTest or InExpr or A_ArrayOpExpr:
                return parent.Kind != ParentKind.Bool;
            case BoolExpr boolean:
                return BooleanNeedsParentheses(boolean.Kind, parent);
            case BetweenExpr between:
                return BooleanNeedsParentheses(between.IsNot ? BoolExprKind.Or : BoolExprKind.And, parent);
            default:
                return false;
        }
    }

    private static bool BooleanNeedsParentheses(BoolExprKind kind, Parent parent)
    {
        if (parent.Kind != ParentKind.Bool || parent.Bool == BoolExprKind.Not) return true;
        return kind == BoolExprKind.Or && parent.Bool != BoolExprKind.Or;
    }

    /// <summary>An operator under an operator: * / % under + - bind tighter, the same precedence only on the left.</summary>
    private static bool OperatorNeedsParentheses(string? name, Parent parent)
    {
        if (name is null || parent.Operator is null) return true;
        bool childMultiplies = name is "*" or "/" or "%", childAdds = name is "+" or "-";
        bool parentMultiplies = parent.Operator is "*" or "/" or "%", parentAdds = parent.Operator is "+" or "-";
        if (!(childMultiplies || childAdds) || !(parentMultiplies || parentAdds)) return true;
        if (childMultiplies && parentAdds) return false;
        if (childAdds && parentMultiplies) return true;
        return !parent.IsLeft;
    }
}
