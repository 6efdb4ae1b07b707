using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Planner;

/// <summary>
/// Rewrites that keep a predicate's meaning and make it cheaper: <c>x = 1 OR x = 2 OR ...</c> over one expression and
/// constants becomes <c>x IN (1, 2, ...)</c> (which a primary key access path can also use), and an IN list of constants
/// longer than a few entries is tested through a hash set instead of entry by entry. (A WHERE with 100,000 OR terms
/// over 1,000 rows took 10^8 comparisons.)
/// </summary>
internal static class PredicateSimplifier
{
    /// <summary>Constant IN lists shorter than this are compared entry by entry (cheaper than hashing).</summary>
    private const int HashedListLengthMin = 8;

    public static BoundExpression Simplify(BoundExpression expression)
    {
        switch (expression)
        {
            case BoundConstant or BoundColumn or BoundOuterParam or BoundSubquery:
                return expression;
            case BoundBoolean { Kind: BoolExprKind.Or } disjunction when AsInList(disjunction) is { } inList:
                return Hash(inList);
            case BoundIn inExpression:
                return Hash(inExpression with { Operand = Simplify(inExpression.Operand) });
            default:
                return BoundExpressionTree.MapChildren(expression, Simplify);
        }
    }

    /// <summary>An OR whose every term is <c>x = constant</c> (or <c>constant = x</c>) with the same x: as an IN list.</summary>
    private static BoundIn? AsInList(BoundBoolean or)
    {
        BoundExpression? operand = null;
        var constants = new List<BoundExpression>(or.Arguments.Count);
        foreach (BoundExpression term in or.Arguments)
        {
            if (term is not BoundComparison { Operator: ComparisonOperator.Equal } equality || equality.OperandType.Kind == TypeKind.Bpchar) return null;
            // A prepared statement's parameter counts as a constant: x = $1 OR x = $2 is a key access too.
            (BoundExpression side, BoundExpression constant) = equality.Right is BoundConstant or BoundParameter ? (equality.Left, equality.Right) : (equality.Right, equality.Left);
            if (constant is not (BoundConstant or BoundParameter) || side is BoundConstant or BoundParameter
                || BoundExpressionTree.Any(side, node => node is BoundSubquery)) return null;
            if (operand is null) operand = side;
            else if (!operand.Equals(side)) return null;
            constants.Add(constant);
        }
        return operand is null ? null : new BoundIn(operand, constants, IsNot: false);
    }

    private static BoundIn Hash(BoundIn inExpression)
    {
        if (inExpression.List.Count < HashedListLengthMin || inExpression.Operand.Type.Kind == TypeKind.Bpchar) return inExpression;
        foreach (BoundExpression item in inExpression.List)
        {
            if (item is not BoundConstant) return inExpression;
        }
        return inExpression with { Hashed = new ValueSet(inExpression.List.Select(item => ((BoundConstant)item).Value)) };
    }
}
