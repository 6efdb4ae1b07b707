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
/// predicate (<see cref="PredicateImplication"/>). A scan that already reads an index in its order keeps it.
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
            if (descriptor.State != IndexState.Valid || !InIndexOrder(sort, project, index)) continue;
            if (scan.Path.Kind == AccessKind.IndexScan && scan.Path.Index?.Id == descriptor.Id) return true;
            if (scan.Path.Kind != AccessKind.FullScan) continue;
            if (index.Predicate is not null && !PredicateImplication.Implies(conjuncts, index.Predicate)) continue;
            KeyEncoder prefix = CatalogKeys.IndexPrefix(table.Id, descriptor.Id);
            scan.ReadAlong(new AccessPath(AccessKind.IndexScan, prefix.ToArray(), prefix.ToPrefixEnd()) { Index = descriptor });
            return true;
        }
        return false;
    }

    private static bool InIndexOrder(LogicalSort sort, LogicalProject project, WriteIndex index)
    {
        IReadOnlyList<IndexKeyColumn> keys = index.Descriptor.KeyColumns;
        if (sort.Keys.Count > keys.Count) return false;
        for (int position = 0; position < sort.Keys.Count; position++)
        {
            SortKey key = sort.Keys[position];
            BoundExpression sorted = project.Expressions[key.Ordinal];
            if (key.Descending != keys[position].Descending || key.NullsFirst != keys[position].NullsFirst || !OrdersLikeItsKey(sorted.Type)) return false;
            bool same = index.KeyOrdinals[position] >= 0
                ? sorted is BoundColumn column && column.Ordinal == index.KeyOrdinals[position]
                : BoundExpressionTree.Equivalent(sorted, index.KeyExpressions[position]!);
            if (!same) return false;
        }
        return true;
    }

    /// <summary>Types whose key encoding orders as the sort does (text in the "C" collation, as Log sorts it).</summary>
    private static bool OrdersLikeItsKey(SqlType type) =>
        type.IsInteger || type.Kind is TypeKind.Text or TypeKind.Varchar or TypeKind.Numeric or TypeKind.Float8
            or TypeKind.Bool or TypeKind.Date or TypeKind.Timestamp or TypeKind.TimestampTz;
}
