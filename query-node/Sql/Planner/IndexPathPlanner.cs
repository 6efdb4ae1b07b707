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
    private readonly record struct Term(ComparisonOperator Operator, BoundExpression Key, BoundConstant Constant);

    public static AccessPath Improve(TableDescriptor table, BoundExpression? where, AccessPath primaryPath)
    {
        if (where is null || primaryPath.Kind != AccessKind.FullScan || table.Indexes.Count == 0) return primaryPath;
        List<BoundExpression> conjuncts = Conjuncts.Of(where).ToList();
        var terms = new List<Term>();
        foreach (BoundExpression conjunct in conjuncts)
        {
            if (conjunct is not BoundComparison { Operator: not ComparisonOperator.NotEqual } comparison) continue;
            if (comparison.Right is BoundConstant { Value: not null } right) terms.Add(new Term(comparison.Operator, Unwrap(comparison.Left), right));
            else if (comparison.Left is BoundConstant { Value: not null } left) terms.Add(new Term(AccessPathPlanner.Mirror(comparison.Operator), Unwrap(comparison.Right), left));
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
        KeyEncoder prefix = CatalogKeys.IndexPrefix(table.Id, descriptor.Id);
        int fixedKeys = 0;
        for (; fixedKeys < descriptor.KeyColumns.Count; fixedKeys++)
        {
            IndexKeyColumn key = descriptor.KeyColumns[fixedKeys];
            Term? equality = FindTerm(table, index, fixedKeys, terms, op => op == ComparisonOperator.Equal);
            if (equality is null) break;
            prefix.WriteIndexValue(equality.Value.Constant.Value, key.Descending, key.NullsFirst);
        }
        byte[] start = prefix.ToArray();
        byte[] end = prefix.ToPrefixEnd();
        int score = fixedKeys * 2;
        if (fixedKeys < descriptor.KeyColumns.Count && !descriptor.KeyColumns[fixedKeys].Descending)
        {
            if (FindTerm(table, index, fixedKeys, terms, op => op is ComparisonOperator.Greater or ComparisonOperator.GreaterOrEqual) is { } lower)
            {
                start = Bound(prefix, lower.Constant.Value!, lower.Operator != ComparisonOperator.GreaterOrEqual);
                score++;
            }
            if (FindTerm(table, index, fixedKeys, terms, op => op is ComparisonOperator.Less or ComparisonOperator.LessOrEqual) is { } upper)
            {
                end = Bound(prefix, upper.Constant.Value!, upper.Operator == ComparisonOperator.LessOrEqual);
                score++;
            }
        }
        if (score == 0) return (null, 0);
        if (descriptor.IsUnique && fixedKeys == descriptor.KeyColumns.Count) score += 1;
        return (new AccessPath(AccessKind.IndexScan, start, end) { Index = descriptor }, score);
    }

    /// <summary>prefix + value, then its prefix end when the bound is past every key with that value.</summary>
    private static byte[] Bound(KeyEncoder prefix, object value, bool afterValue)
    {
        KeyEncoder encoder = AccessPathKeys.CopyOf(prefix);
        encoder.WriteValue(value);
        return afterValue ? encoder.ToPrefixEnd() : encoder.ToArray();
    }

    /// <summary>A term comparing the index's key at <paramref name="position"/> with a constant it can be encoded as.</summary>
    private static Term? FindTerm(TableDescriptor table, WriteIndex index, int position, List<Term> terms, Func<ComparisonOperator, bool> wanted)
    {
        int ordinal = index.KeyOrdinals[position];
        foreach (Term term in terms)
        {
            if (!wanted(term.Operator)) continue;
            if (ordinal >= 0)
            {
                if (term.Key is BoundColumn column && column.Ordinal == ordinal && AccessPathPlanner.IsKeyCompatible(table.Columns[ordinal].Type, term.Constant)) return term;
            }
            else if (BoundExpressionTree.Equivalent(term.Key, index.KeyExpressions[position]!) && IsExpressionCompatible(index.KeyExpressions[position]!.Type, term.Constant))
            {
                return term;
            }
        }
        return null;
    }

    private static bool IsExpressionCompatible(SqlType type, BoundConstant constant) =>
        type.Kind is TypeKind.Int2 or TypeKind.Int4 or TypeKind.Int8 or TypeKind.Text or TypeKind.Varchar or TypeKind.Float8 or TypeKind.Numeric
            or TypeKind.Bool or TypeKind.Date or TypeKind.Timestamp or TypeKind.TimestampTz
        && AccessPathPlanner.IsKeyCompatible(type, constant);

    /// <summary>A column widened between integer types keeps its key encoding.</summary>
    private static BoundExpression Unwrap(BoundExpression expression) =>
        expression is BoundCast { Context: ValueCast.Context.Implicit, Operand: BoundColumn inner } cast && inner.Type.IsInteger && cast.Type.IsInteger ? inner : expression;
}
