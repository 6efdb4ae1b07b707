using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using ExecutionContext = Log.QueryNode.Sql.Executor.ExecutionContext;

namespace Log.QueryNode.Sql.Planner;

/// <summary>
/// The terms of a WHERE clause that bound a secondary index's entries: equalities on its leading keys, then maybe a
/// range on the next (ascending) one. Each value is a constant or a prepared statement's parameter; with parameters the
/// range is encoded when the scan opens, as <see cref="AccessPathKeys"/> does for the primary key, so a prepared
/// <c>WHERE lower(email) = $1</c> reads the index with each Bind's value.
/// </summary>
internal sealed class IndexPathKeys(TableDescriptor table, IndexDescriptor index, IReadOnlyList<BoundExpression> equalities, KeyBound? lower, KeyBound? upper)
{
    public bool ReadsParameters =>
        equalities.Any(IsParameter) || (lower is { } low && IsParameter(low.Value)) || (upper is { } high && IsParameter(high.Value));

    private static bool IsParameter(BoundExpression expression) => expression is not BoundConstant;

    /// <summary>The path as planned: encoded now when every value is a constant, else with these terms kept for run time.</summary>
    public AccessPath Plan()
    {
        if (!ReadsParameters) return Resolve(context: null);
        KeyEncoder prefix = CatalogKeys.IndexPrefix(table.Id, index.Id);
        return new AccessPath(AccessKind.IndexScan, prefix.ToArray(), prefix.ToPrefixEnd()) { Index = index, IndexKeys = this };
    }

    /// <summary>The range of entries for the values in <paramref name="context"/>. A NULL value equals no key (a
    /// comparison with NULL is never true), so the range is then empty.</summary>
    public AccessPath Resolve(ExecutionContext? context)
    {
        KeyEncoder prefix = CatalogKeys.IndexPrefix(table.Id, index.Id);
        for (int position = 0; position < equalities.Count; position++)
        {
            if (ValueOf(equalities[position], context) is not { } value) return NoEntries(prefix);
            IndexKeyColumn key = index.KeyColumns[position];
            prefix.WriteIndexValue(value, key.Descending, key.NullsFirst);
        }
        byte[] start = prefix.ToArray();
        byte[] end = prefix.ToPrefixEnd();
        if (lower is { } low)
        {
            if (ValueOf(low.Value, context) is not { } value) return NoEntries(prefix);
            start = Bound(prefix, value, afterValue: !low.Inclusive);
        }
        if (upper is { } high)
        {
            if (ValueOf(high.Value, context) is not { } value) return NoEntries(prefix);
            end = Bound(prefix, value, afterValue: high.Inclusive);
        }
        // Every key column equal to a value: a unique index has at most the one entry whose key is the prefix itself.
        bool oneEntry = lower is null && upper is null && equalities.Count == index.KeyColumns.Count && index.HasOneEntryPerKey;
        return new AccessPath(AccessKind.IndexScan, start, end) { Index = index, IsOneEntry = oneEntry };
    }

    /// <summary>prefix + value, then its prefix end when the bound is past every key with that value.</summary>
    private static byte[] Bound(KeyEncoder prefix, object value, bool afterValue)
    {
        KeyEncoder encoder = AccessPathKeys.CopyOf(prefix);
        encoder.WriteValue(value);
        return afterValue ? encoder.ToPrefixEnd() : encoder.ToArray();
    }

    private AccessPath NoEntries(KeyEncoder prefix)
    {
        byte[] start = prefix.ToArray();
        return new AccessPath(AccessKind.IndexScan, start, start) { Index = index };
    }

    private static object? ValueOf(BoundExpression expression, ExecutionContext? context) => AccessPathKeys.ValueOf(expression, context);
}
