using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Executor.Operators;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Planner;

/// <summary>
/// Secondary index access: when the primary key gives no bounded path, a valid index whose leading key columns (or
/// key expressions) the WHERE clause fixes with equalities, maybe with a range on the next ascending key, is read
/// instead of the whole table; the index that fixes the most leading keys wins, a unique index fixed on every key
/// before others. A partial index is used when the WHERE clause implies its predicate (<see cref="PredicateImplication"/>). The WHERE
/// clause is still applied to every row fetched, so an index path is only ever an optimisation.
/// </summary>
internal static class IndexPathPlanner
{
    /// <summary>A comparison of a key (a column or an expression) with a value: a constant, or a prepared statement's
    /// parameter that the scan evaluates when it opens (<see cref="IndexPathKeys"/>).</summary>
    private readonly record struct Term(ComparisonOperator Operator, BoundExpression Key, BoundExpression Value);

    public static AccessPath Improve(TableDescriptor table, BoundExpression? where, AccessPath primaryPath)
    {
        if (where is null || primaryPath.Kind != AccessKind.FullScan || table.Indexes.Count == 0) return primaryPath;
        List<BoundExpression> conjuncts = Conjuncts.Of(where).ToList();
        var terms = new List<Term>();
        foreach (BoundExpression conjunct in conjuncts)
        {
            if (conjunct is not BoundComparison { Operator: not ComparisonOperator.NotEqual } comparison) continue;
            if (IsValue(comparison.Right)) terms.Add(new Term(comparison.Operator, Unwrap(comparison.Left), comparison.Right));
            else if (IsValue(comparison.Left)) terms.Add(new Term(AccessPathPlanner.Mirror(comparison.Operator), Unwrap(comparison.Right), comparison.Left));
        }
        if (terms.Count == 0) return primaryPath;
        AccessPath? best = null;
        int bestScore = 0;
        WriteSchema schema = WriteSchema.For(table);
        foreach (WriteIndex index in schema.Indexes)
        {
            if (index.Descriptor.State != IndexState.Valid) continue;
            if (index.Predicate is not null && !PredicateImplication.Implies(conjuncts, index.Predicate)) continue;
            (AccessPath? path, int score) = PathFor(table, index, terms);
            if (path is not null && score > bestScore)
            {
                best = path;
                bestScore = score;
            }
        }
        return best ?? primaryPath;
    }

    /// <summary>The index's path and how good it is: two points per key fixed by equality, one for a range, and
    /// a bonus for a unique index fixed on every key (at most one row).</summary>
    private static (AccessPath? Path, int Score) PathFor(TableDescriptor table, WriteIndex index, List<Term> terms)
    {
        IndexDescriptor descriptor = index.Descriptor;
        var equalities = new List<BoundExpression>();
        while (equalities.Count < descriptor.KeyColumns.Count
            && FindTerm(table, index, equalities.Count, terms, op => op == ComparisonOperator.Equal) is { } equality)
        {
            equalities.Add(equality.Value);
        }
        int fixedKeys = equalities.Count;
        int score = fixedKeys * 2;
        KeyBound? lowerBound = null, upperBound = null;
        if (fixedKeys < descriptor.KeyColumns.Count && !descriptor.KeyColumns[fixedKeys].Descending)
        {
            if (FindTerm(table, index, fixedKeys, terms, op => op is ComparisonOperator.Greater or ComparisonOperator.GreaterOrEqual) is { } lower)
            {
                lowerBound = new KeyBound(lower.Value, lower.Operator == ComparisonOperator.GreaterOrEqual);
                score++;
            }
            if (FindTerm(table, index, fixedKeys, terms, op => op is ComparisonOperator.Less or ComparisonOperator.LessOrEqual) is { } upper)
            {
                upperBound = new KeyBound(upper.Value, upper.Operator == ComparisonOperator.LessOrEqual);
                score++;
            }
        }
        if (score == 0) return (null, 0);
        if (descriptor.IsUnique && fixedKeys == descriptor.KeyColumns.Count) score += 1;
        return (new IndexPathKeys(table, descriptor, equalities, lowerBound, upperBound).Plan(), score);
    }

    /// <summary>A non-null constant, or a prepared statement's parameter (maybe under the binder's widening cast between
    /// integer types).</summary>
    private static bool IsValue(BoundExpression expression) => expression is BoundConstant { Value: not null } || AccessPathPlanner.IsRunTimeValue(expression);

    /// <summary>A term comparing the index's key at <paramref name="position"/> with a constant it can be encoded as.</summary>
    private static Term? FindTerm(TableDescriptor table, WriteIndex index, int position, List<Term> terms, Func<ComparisonOperator, bool> wanted)
    {
        int ordinal = index.KeyOrdinals[position];
        foreach (Term term in terms)
        {
            if (!wanted(term.Operator)) continue;
            if (ordinal >= 0)
            {
                if (term.Key is BoundColumn column && column.Ordinal == ordinal && AccessPathPlanner.IsKeyCompatible(table.Columns[ordinal].Type, term.Value.Type)) return term;
            }
            else if (BoundExpressionTree.Equivalent(term.Key, index.KeyExpressions[position]!) && IsExpressionCompatible(index.KeyExpressions[position]!.Type, term.Value.Type))
            {
                return term;
            }
        }
        return null;
    }

    private static bool IsExpressionCompatible(SqlType type, SqlType valueType) =>
        type.Kind is TypeKind.Int2 or TypeKind.Int4 or TypeKind.Int8 or TypeKind.Text or TypeKind.Varchar or TypeKind.Float8 or TypeKind.Numeric
            or TypeKind.Bool or TypeKind.Date or TypeKind.Timestamp or TypeKind.TimestampTz
        && AccessPathPlanner.IsKeyCompatible(type, valueType);

    /// <summary>A column widened between integer types keeps its key encoding.</summary>
    private static BoundExpression Unwrap(BoundExpression expression) =>
        expression is BoundCast { Context: ValueCast.Context.Implicit, Operand: BoundColumn inner } cast && inner.Type.IsInteger && cast.Type.IsInteger ? inner : expression;
}
