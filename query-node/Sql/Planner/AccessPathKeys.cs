using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using ExecutionContext = Log.QueryNode.Sql.Executor.ExecutionContext;
using Log.QueryNode.Sql.Executor;
using Log.Journal.Records;

namespace Log.QueryNode.Sql.Planner;

/// <summary>A bound of a range on a key column: a constant or a parameter of a prepared statement.</summary>
internal readonly record struct KeyBound(BoundExpression Value, bool Inclusive);

/// <summary>
/// The terms of a WHERE clause that fix the primary key: equalities on a prefix of its columns, then either an IN list
/// on the last column or a range on the next one. Each value is a constant or a prepared statement's parameter; a plan
/// with parameters keeps these terms and encodes the keys when its scan opens (PostgreSQL's generic plan computes an
/// index scan's keys at ExecInitIndexScan the same way), so one cached plan serves every Bind.
/// </summary>
internal sealed class AccessPathKeys(TableDescriptor table, IReadOnlyList<BoundExpression> equalities, IReadOnlyList<BoundExpression>? inList,
    KeyBound? lower, KeyBound? upper)
{
    /// <summary>The kind of read these terms give, whatever their values.</summary>
    public AccessKind Kind =>
        equalities.Count == table.PrimaryKeyOrdinals.Count && equalities.Count > 0 ? AccessKind.PointLookup
        : inList is not null ? AccessKind.MultiPointLookup
        : equalities.Count == 0 && lower is null && upper is null ? AccessKind.FullScan
        : AccessKind.RangeScan;

    /// <summary>Whether any value is a parameter (so the keys can only be encoded when the plan runs).</summary>
    public bool ReadsParameters =>
        equalities.Any(IsParameter) || (inList?.Any(IsParameter) ?? false) || (lower is { } low && IsParameter(low.Value))
        || (upper is { } high && IsParameter(high.Value));

    private static bool IsParameter(BoundExpression expression) => expression is not BoundConstant;

    /// <summary>The path as planned: encoded now when every value is a constant, else with these terms kept for run time.</summary>
    public AccessPath Plan()
    {
        if (!ReadsParameters) return Resolve(context: null);
        KeyEncoder prefix = CatalogKeys.PrimaryIndexPrefix(table.Id);
        return new AccessPath(Kind, prefix.ToArray(), prefix.ToPrefixEnd()) { RunTimeKeys = this };
    }

    /// <summary>The keys for the values in <paramref name="context"/>. A NULL value fixes nothing a key can equal (a
    /// comparison with NULL is never true), so the path then reads no row; a NULL in the IN list is skipped.</summary>
    public AccessPath Resolve(ExecutionContext? context)
    {
        KeyEncoder prefix = CatalogKeys.PrimaryIndexPrefix(table.Id);
        foreach (BoundExpression equality in equalities)
        {
            if (ValueOf(equality, context) is not { } value) return NoRows(prefix);
            prefix.WriteValue(value);
        }
        switch (Kind)
        {
            case AccessKind.PointLookup:
            {
                byte[] key = prefix.ToArray();
                return new AccessPath(AccessKind.PointLookup, key, key);
            }
            case AccessKind.MultiPointLookup:
            {
                var keys = new SortedSet<byte[]>(KeyComparer.Instance);
                foreach (BoundExpression item in inList!)
                {
                    if (ValueOf(item, context) is not { } value) continue;
                    KeyEncoder encoder = CopyOf(prefix);
                    encoder.WriteValue(value);
                    keys.Add(encoder.ToArray());
                }
                return new AccessPath(AccessKind.MultiPointLookup, prefix.ToArray(), prefix.ToPrefixEnd()) { Keys = keys.ToArray() };
            }
            case AccessKind.FullScan:
                return new AccessPath(AccessKind.FullScan, prefix.ToArray(), prefix.ToPrefixEnd());
        }
        byte[] start = prefix.ToArray();
        byte[] end = prefix.ToPrefixEnd();
        if (lower is { } low)
        {
            if (ValueOf(low.Value, context) is not { } value) return NoRows(prefix);
            KeyEncoder encoder = CopyOf(prefix);
            encoder.WriteValue(value);
            start = low.Inclusive ? encoder.ToArray() : encoder.ToPrefixEnd();
        }
        if (upper is { } high)
        {
            if (ValueOf(high.Value, context) is not { } value) return NoRows(prefix);
            KeyEncoder encoder = CopyOf(prefix);
            encoder.WriteValue(value);
            end = high.Inclusive ? encoder.ToPrefixEnd() : encoder.ToArray();
        }
        return new AccessPath(AccessKind.RangeScan, start, end);
    }

    internal static object? ValueOf(BoundExpression expression, ExecutionContext? context) => expression is BoundConstant constant
        ? constant.Value
        : ExpressionEvaluator.Evaluate(expression, [], context ?? throw new InvalidOperationException("a parameterised key needs the execution's parameter values"));

    private static AccessPath NoRows(KeyEncoder prefix) =>
        new(AccessKind.MultiPointLookup, prefix.ToArray(), prefix.ToArray()) { Keys = [] };

    internal static KeyEncoder CopyOf(KeyEncoder encoder)
    {
        // KeyEncoder is a struct over a shared buffer: re-encode from its bytes so two bounds do not overwrite each other.
        byte[] bytes = encoder.ToArray();
        var copy = new KeyEncoder(bytes.Length + 32);
        copy.WriteRaw(bytes);
        return copy;
    }
}
