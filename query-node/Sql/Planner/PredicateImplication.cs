using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Executor.Operators;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Planner;

/// <summary>
/// Whether a query's WHERE clause implies a partial index's predicate, so that every row the query wants has an entry
/// in the index. Simple implication only, as PostgreSQL's predtest does for the common cases: each AND term of the
/// predicate is one of the WHERE clause's AND terms, or a comparison of the same expression with a constant that a
/// WHERE term bounds at least as tightly (x &gt; 10 implies x &gt; 5 and x &gt;= 10; x = 7 implies x &gt; 5), or
/// "x IS NOT NULL" where a WHERE term compares x with a constant (a comparison with NULL is never true).
/// </summary>
internal static class PredicateImplication
{
    public static bool Implies(IReadOnlyList<BoundExpression> whereConjuncts, BoundExpression predicate) =>
        Conjuncts.Of(predicate).All(term => whereConjuncts.Any(conjunct => ImpliesTerm(conjunct, term)));

    private static bool ImpliesTerm(BoundExpression known, BoundExpression wanted)
    {
        if (BoundExpressionTree.Equivalent(known, wanted)) return true;
        if (Bound(known) is not { } have) return false;
        if (wanted is BoundNullTest { IsNot: true } notNull) return BoundExpressionTree.Equivalent(have.Subject, notNull.Operand);
        if (Bound(wanted) is not { } need || !BoundExpressionTree.Equivalent(have.Subject, need.Subject)) return false;
        if (have.Value.GetType() != need.Value.GetType()) return false;
        int order = ValueComparer.CompareNonNull(have.Value, need.Value); // the known constant against the wanted one
        return need.Operator switch
        {
            ComparisonOperator.Greater => have.Operator switch
            {
                ComparisonOperator.Greater => order >= 0,
                ComparisonOperator.GreaterOrEqual or ComparisonOperator.Equal => order > 0,
                _ => false,
            },
            ComparisonOperator.GreaterOrEqual => have.Operator is ComparisonOperator.Greater or ComparisonOperator.GreaterOrEqual or ComparisonOperator.Equal && order >= 0,
            ComparisonOperator.Less => have.Operator switch
            {
                ComparisonOperator.Less => order <= 0,
                ComparisonOperator.LessOrEqual or ComparisonOperator.Equal => order < 0,
                _ => false,
            },
            ComparisonOperator.LessOrEqual => have.Operator is ComparisonOperator.Less or ComparisonOperator.LessOrEqual or ComparisonOperator.Equal && order <= 0,
            ComparisonOperator.Equal => have.Operator == ComparisonOperator.Equal && order == 0,
            _ => false,
        };
    }

    /// <summary>"subject op constant" with the constant on the right (mirrored if it was on the left); null when the
    /// term is not a comparison with a non-null constant.</summary>
    private static (ComparisonOperator Operator, BoundExpression Subject, object Value)? Bound(BoundExpression term) => term switch
    {
        BoundComparison { Operator: not ComparisonOperator.NotEqual, Right: BoundConstant { Value: { } value, ParameterNumber: 0 } } comparison =>
            (comparison.Operator, comparison.Left, value),
        BoundComparison { Operator: not ComparisonOperator.NotEqual, Left: BoundConstant { Value: { } value, ParameterNumber: 0 } } comparison =>
            (AccessPathPlanner.Mirror(comparison.Operator), comparison.Right, value),
        _ => null,
    };
}
