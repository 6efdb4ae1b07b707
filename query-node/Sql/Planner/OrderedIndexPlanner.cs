using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Executor.Operators;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Planner;

/// <summary>
/// ORDER BY ... LIMIT over a stored table: a valid secondary index whose leading keys are the sort keys (columns, or
/// the same expressions), each in the same direction and NULLS placement, holds the rows in the wanted order, so the
/// scan reads the index from its start instead of the table and the sort goes; the limit above then stops the scan
/// after its rows. Only under a LIMIT, as PostgreSQL's costs would choose: without one, fetching every row through
/// the index costs more than sorting a full scan. A partial index qualifies when the scan's filter implies its
/// predicate (<see cref="PredicateImplication"/>). A scan that already reads an index in its order keeps it. Sort keys
/// that are each the index's key in the opposite direction and NULLS placement (ORDER BY k DESC on an ascending index)
/// read the index backwards, as PostgreSQL's backward index scan does.
/// </summary>
internal static class OrderedIndexPlanner
{
    public static bool TryReadInIndexOrder(LogicalSort sort, PhysicalOperator input)
    {
        if (sort.Input is not LogicalProject project || input is not ProjectOperator projectOperator) return false;
        PhysicalOperator source = projectOperator.Input;
        if (source is FilterOperator filter) source = filter.Children[0];
        if (source is not TableScanOperator { ForUpdate: false, Path.RunTimeKeys: null } scan) return false;
        TableDescriptor table = scan.Table;
        List<BoundExpression> conjuncts = scan.Filter is null ? [] : Conjuncts.Of(scan.Filter).ToList();
        foreach (WriteIndex index in WriteSchema.For(table).Indexes)
        {
            IndexDescriptor descriptor = index.Descriptor;
            if (descriptor.State != IndexState.Valid || IndexOrder(sort, project, index) is not { } backward) continue;
            if (scan.Path.Kind == AccessKind.IndexScan && scan.Path.Index?.Id == descriptor.Id)
            {
                if (backward) scan.ReadAlong(scan.Path with { Backward = true });
                return true;
            }
            if (scan.Path.Kind != AccessKind.FullScan) continue;
            if (index.Predicate is not null && !PredicateImplication.Implies(conjuncts, index.Predicate)) continue;
            KeyEncoder prefix = CatalogKeys.IndexPrefix(table.Id, descriptor.Id);
            scan.ReadAlong(new AccessPath(AccessKind.IndexScan, prefix.ToArray(), prefix.ToPrefixEnd()) { Index = descriptor, Backward = backward });
            return true;
        }
        return false;
    }

    /// <summary>Whether the sort's keys are the index's leading keys in its order (false), or each in the opposite
    /// direction and NULLS placement, which reading the index backwards gives (true); null when neither.</summary>
    private static bool? IndexOrder(LogicalSort sort, LogicalProject project, WriteIndex index)
    {
        IReadOnlyList<IndexKeyColumn> keys = index.Descriptor.KeyColumns;
        if (sort.Keys.Count > keys.Count || sort.Keys.Count == 0) return null;
        bool backward = sort.Keys[0].Descending != keys[0].Descending;
        for (int position = 0; position < sort.Keys.Count; position++)
        {
            SortKey key = sort.Keys[position];
            BoundExpression sorted = project.Expressions[key.Ordinal];
            if ((key.Descending != keys[position].Descending) != backward || (key.NullsFirst != keys[position].NullsFirst) != backward
                || !OrdersLikeItsKey(sorted.Type))
            {
                return null;
            }
            bool same = index.KeyOrdinals[position] >= 0
                ? sorted is BoundColumn column && column.Ordinal == index.KeyOrdinals[position]
                : BoundExpressionTree.Equivalent(sorted, index.KeyExpressions[position]!);
            if (!same) return null;
        }
        return backward;
    }

    /// <summary>Types whose key encoding orders as the sort does (text in the "C" collation, as Log sorts it).</summary>
    private static bool OrdersLikeItsKey(SqlType type) =>
        type.IsInteger || type.Kind is TypeKind.Text or TypeKind.Varchar or TypeKind.Numeric or TypeKind.Float8
            or TypeKind.Bool or TypeKind.Date or TypeKind.Timestamp or TypeKind.TimestampTz;
}
