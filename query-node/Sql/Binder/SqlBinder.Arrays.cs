using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Functions;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>Array expressions: ARRAY[...] constructors, subscripts and slices, and x op ANY/ALL (array). Each binds to a
/// call of an internal function (ArrayExpressions), so folding, rewriting and EXPLAIN treat them as any call.</summary>
internal sealed partial class SqlBinder
{
    /// <summary>ARRAY[...]: the elements' common type (or the element type of the cast around it, <paramref name="target"/>);
    /// elements that are arrays themselves make one more dimension (PostgreSQL's multidims ArrayExpr).</summary>
    private BoundExpression BindArrayConstructor(A_ArrayExpr array, SqlType? target)
    {
        if (array.Elements.Count == 0)
        {
            if (target is null)
            {
                throw new SqlException(SqlState.IndeterminateDatatype, "cannot determine type of empty array", array.Location + 1,
                    hint: "Explicitly cast to the desired type, for example ARRAY[]::integer[].");
            }
            return new BoundConstant(PgArray.Empty, target.Value);
        }
        var elements = new BoundExpression[array.Elements.Count];
        for (int index = 0; index < elements.Length; index++)
        {
            elements[index] = array.Elements[index] is A_ArrayExpr inner ? BindArrayConstructor(inner, target) : Bind(array.Elements[index]);
        }
        bool nested = array.Elements.Any(element => element is A_ArrayExpr);
        SqlType common = target is { } cast
            ? nested ? cast : cast.ElementType
            : CommonType(elements, array.Elements, "ARRAY");
        nested |= common.IsArray;
        var coerced = new BoundExpression[elements.Length];
        for (int index = 0; index < coerced.Length; index++)
        {
            coerced[index] = target is null
                ? CoerceAll([elements[index]], [array.Elements[index]], common)[0]
                : elements[index].Type.Kind == TypeKind.Unknown
                    ? CoerceUnknown(elements[index], common, array.Elements[index].Location)
                    : CastTo(elements[index], common, ValueCast.Context.Explicit, array.Elements[index].Location);
        }
        return new BoundFunction(nested ? ArrayExpressions.NestedConstructor : ArrayExpressions.Constructor, coerced,
            nested ? common.WithoutModifier : SqlType.ArrayOf(common.WithoutModifier));
    }

    /// <summary>a[i], a[i][j], a[i:j], a[:j]: integer subscripts (assignment-coerced, as PostgreSQL's transformContainerSubscripts);
    /// any slice makes every subscript a slice and the result an array.</summary>
    private BoundExpression BindIndirection(A_Indirection indirection)
    {
        BoundExpression container = Bind(indirection.Argument);
        if (!container.Type.IsArray)
        {
            throw new SqlException(SqlState.DatatypeMismatch, $"cannot subscript type {container.Type.DisplayName} because it does not support subscripting",
                indirection.Argument.Location + 1);
        }
        bool isSlice = indirection.Indirection.Any(indices => indices.IsSlice);
        var arguments = new List<BoundExpression> { container };
        var shape = new ArrayExpressions.Subscript[indirection.Indirection.Count];
        for (int index = 0; index < shape.Length; index++)
        {
            A_Indices indices = indirection.Indirection[index];
            shape[index] = new ArrayExpressions.Subscript(indices.IsSlice, indices.Lower is not null, indices.Upper is not null);
            if (indices.Lower is not null) arguments.Add(BindSubscript(indices.Lower));
            if (indices.Upper is not null) arguments.Add(BindSubscript(indices.Upper));
        }
        return new BoundFunction(ArrayExpressions.SubscriptFunction(shape, isSlice), arguments, isSlice ? container.Type : container.Type.ElementType);
    }

    private BoundExpression BindSubscript(Expression subscript)
    {
        BoundExpression bound = Bind(subscript);
        if (bound.Type.Kind == TypeKind.Int4) return bound;
        if (bound.Type.Kind != TypeKind.Unknown && !ValueCast.CanCast(bound.Type, SqlType.Int4, ValueCast.Context.Assignment))
        {
            throw new SqlException(SqlState.DatatypeMismatch, "array subscript must have type integer", subscript.Location + 1);
        }
        return CastTo(bound, SqlType.Int4, ValueCast.Context.Assignment, subscript.Location);
    }

    /// <summary>x op ANY (array) / x op ALL (array) for the comparison operators: the operands meet as the comparison
    /// of x with one element would (ScalarArrayOpExpr), an untyped right side is read as an array of x's type.</summary>
    private BoundExpression BindArrayOperator(A_ArrayOpExpr expression)
    {
        BoundExpression left = Bind(expression.Left);
        BoundExpression right = Bind(expression.Right);
        if (right.Type.Kind == TypeKind.Unknown)
        {
            if (left.Type.Kind == TypeKind.Unknown) left = CoerceUnknown(left, SqlType.Text, expression.Left.Location);
            right = CoerceUnknown(right, SqlType.ArrayOf(left.Type.WithoutModifier), expression.Right.Location);
        }
        if (!right.Type.IsArray)
        {
            throw new SqlException(EngineSqlState.WrongObjectType, "op ANY/ALL (array) requires array on right side", expression.Location + 1);
        }
        ComparisonOperator? comparison = ComparisonOf(expression.Operator);
        if (comparison is null)
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"operator {expression.Operator} with {(expression.All ? "ALL" : "ANY")} (array) is not supported",
                expression.Location + 1);
        }
        var element = new BoundConstant(null, right.Type.ElementType);
        var single = new A_Expr(expression.Operator, expression.Left, expression.Right, expression.Location);
        (BoundExpression coercedLeft, BoundExpression coercedElement, SqlType operandType) = ResolveComparisonOperands(expression.Operator, single, left, element);
        BoundExpression coercedRight = CastTo(right, SqlType.ArrayOf(coercedElement.Type.WithoutModifier), ValueCast.Context.Implicit, expression.Right.Location);
        return new BoundFunction(ArrayExpressions.ScalarArrayFunction(comparison.Value, expression.All, operandType), [coercedLeft, coercedRight], SqlType.Bool);
    }
}
