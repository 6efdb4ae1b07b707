using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Planner;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>SELECT: read (point, range or full scan), filter, aggregate, project, sort, DISTINCT, OFFSET/LIMIT,
/// and for FOR UPDATE a conflict check on every returned row.</summary>
internal static class SelectExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(BoundSelect select, AccessPath? path, ITransactionStore store, CancellationToken cancellationToken)
    {
        List<object?[]> rows = await ProduceRowsAsync(select, path, store, cancellationToken);
        return new StatementResult(select.Columns, rows, "SELECT " + rows.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public static async ValueTask<List<object?[]>> ProduceRowsAsync(BoundSelect select, AccessPath? path, ITransactionStore store, CancellationToken cancellationToken)
    {
        long limit = EvaluateCount(select.Limit, EngineSqlState.InvalidRowCountInLimitClause, "LIMIT") ?? long.MaxValue;
        long offset = EvaluateCount(select.Offset, EngineSqlState.InvalidRowCountInResultOffsetClause, "OFFSET") ?? 0;
        if (select.ForUpdate && select.IsAggregate)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "FOR UPDATE is not allowed with aggregate functions");
        }
        // Without sorting (or when the rows are read in the order asked for), DISTINCT or aggregation,
        // rows stream and reading stops at the limit.
        bool readInOrder = ReadInSortOrder(select, path);
        bool canStopEarly = (select.SortKeys.Count == 0 || readInOrder) && !select.Distinct && !select.IsAggregate;
        long wanted = canStopEarly ? SaturatingAdd(limit, offset) : long.MaxValue;

        var projected = new List<object?[]>();
        var keys = select.ForUpdate ? new List<byte[]>() : null;
        if (select.IsAggregate)
        {
            var aggregator = new Aggregator(select);
            if (select.Table is not null)
            {
                await foreach (StoredRow row in RowSource.ReadAsync(store, select.Table, path!, cancellationToken))
                {
                    if (ExpressionEvaluator.IsTrue(select.Where, row.Values)) aggregator.Add(row.Values);
                }
            }
            else if (ExpressionEvaluator.IsTrue(select.Where, [])) aggregator.Add([]);
            foreach (object?[] aggregated in aggregator.Results())
            {
                if (ExpressionEvaluator.IsTrue(select.Having, aggregated)) projected.Add(Project(select, aggregated));
            }
        }
        else if (select.Table is null)
        {
            if (ExpressionEvaluator.IsTrue(select.Where, [])) projected.Add(Project(select, []));
        }
        else if (wanted > 0)
        {
            await foreach (StoredRow row in RowSource.ReadAsync(store, select.Table, path!, cancellationToken))
            {
                if (!ExpressionEvaluator.IsTrue(select.Where, row.Values)) continue;
                projected.Add(Project(select, row.Values));
                keys?.Add(row.Key);
                if (projected.Count >= wanted) break;
            }
        }

        if (select.Distinct) projected = RemoveDuplicates(projected, select.VisibleCount);
        if (select.SortKeys.Count > 0 && !readInOrder) Sort(projected, select.SortKeys);

        int start = (int)Math.Min(offset, projected.Count);
        int count = (int)Math.Min(limit, projected.Count - start);
        bool hasHidden = select.Projection.Count > select.VisibleCount;
        var result = start == 0 && count == projected.Count && !hasHidden ? projected : new List<object?[]>(count);
        if (!ReferenceEquals(result, projected))
        {
            for (int index = start; index < start + count; index++)
            {
                object?[] row = projected[index];
                result.Add(hasHidden ? row[..select.VisibleCount] : row);
            }
        }
        if (keys is not null)
        {
            // Rows were not reordered for FOR UPDATE without sorting; with sorting every read row is locked (a superset).
            foreach (byte[] key in keys) store.AddConflictCheck(key, isSchema: false);
        }
        return result;
    }

    /// <summary>
    /// Whether a table read already returns rows in the order of the sort: the sort is ascending on
    /// the first primary key columns, in key order, and the read follows the primary key (a point
    /// read, a range or a full scan; not a list of points, which come in the list's order). Key
    /// encodings order like the values for the types checked here (ties keep their read order,
    /// which is what the stable sort would keep too); primary key columns are never NULL.
    /// </summary>
    private static bool ReadInSortOrder(BoundSelect select, AccessPath? path)
    {
        // An aggregate's projection reads aggregated rows, whose ordinals are not the table's.
        if (select.SortKeys.Count == 0 || select.IsAggregate || select.Distinct || path is null || select.Table is not { HasHiddenRowId: false } table
            || path.Kind is not (AccessKind.PointLookup or AccessKind.RangeScan or AccessKind.FullScan)
            || select.SortKeys.Count > table.PrimaryKeyOrdinals.Count)
        {
            return false;
        }
        for (int index = 0; index < select.SortKeys.Count; index++)
        {
            BoundSortKey key = select.SortKeys[index];
            if (key.Descending
                || select.Projection[key.ProjectionIndex] is not BoundColumn column
                || column.Ordinal != table.PrimaryKeyOrdinals[index]
                || !(column.Type.IsInteger || column.Type.Kind is TypeKind.Text or TypeKind.Varchar or TypeKind.Numeric or TypeKind.Float8
                    or TypeKind.Bool or TypeKind.Date or TypeKind.Timestamp or TypeKind.TimestampTz))
            {
                return false;
            }
        }
        return true;
    }

    private static long SaturatingAdd(long left, long right) => left > long.MaxValue - right ? long.MaxValue : left + right;

    private static long? EvaluateCount(BoundExpression? expression, string sqlState, string clause)
    {
        if (expression is null) return null;
        object? value = ExpressionEvaluator.Evaluate(expression, []);
        if (value is null) return null;
        long count = (long)value;
        if (count < 0) throw new SqlException(sqlState, $"{clause} must not be negative");
        return count;
    }

    private static object?[] Project(BoundSelect select, object?[] input)
    {
        IReadOnlyList<BoundExpression> projection = select.Projection;
        var output = new object?[projection.Count];
        for (int index = 0; index < output.Length; index++) output[index] = ExpressionEvaluator.Evaluate(projection[index], input);
        return output;
    }

    private static List<object?[]> RemoveDuplicates(List<object?[]> rows, int width)
    {
        var seen = new HashSet<object?[]>(new RowEqualityComparer(width));
        var result = new List<object?[]>(rows.Count);
        foreach (object?[] row in rows) if (seen.Add(row)) result.Add(row);
        return result;
    }

    private static void Sort(List<object?[]> rows, IReadOnlyList<BoundSortKey> keys)
    {
        // A stable sort, as users expect ties to keep their order.
        var indexed = new (object?[] Row, int Index)[rows.Count];
        for (int index = 0; index < indexed.Length; index++) indexed[index] = (rows[index], index);
        Array.Sort(indexed, (left, right) =>
        {
            foreach (BoundSortKey key in keys)
            {
                object? a = left.Row[key.ProjectionIndex];
                object? b = right.Row[key.ProjectionIndex];
                int order;
                if (a is null || b is null)
                {
                    if (a is null && b is null) continue;
                    order = (a is null) == key.NullsFirst ? -1 : 1;
                    return order;
                }
                order = ValueComparer.CompareNonNull(a, b);
                if (order != 0) return key.Descending ? -order : order;
            }
            return left.Index.CompareTo(right.Index);
        });
        for (int index = 0; index < indexed.Length; index++) rows[index] = indexed[index].Row;
    }
}

/// <summary>Row equality for DISTINCT and GROUP BY: NULLs equal each other, values compare with SQL equality.</summary>
internal sealed class RowEqualityComparer(int width) : IEqualityComparer<object?[]>
{
    public bool Equals(object?[]? x, object?[]? y)
    {
        for (int index = 0; index < width; index++)
        {
            object? a = x![index];
            object? b = y![index];
            if (a is null || b is null)
            {
                if (a is null && b is null) continue;
                return false;
            }
            if (!ValueComparer.AreEqual(a, b)) return false;
        }
        return true;
    }

    public int GetHashCode(object?[] row)
    {
        var hash = new HashCode();
        for (int index = 0; index < width; index++)
        {
            object? value = row[index];
            // decimal 1.5 and 1.50 are equal and hash alike; doubles normalise -0.
            hash.Add(value switch
            {
                null => 0,
                decimal m => m.GetHashCode(), // equal decimals (1.5, 1.50) hash alike
                double d => d == 0 ? 0 : d.GetHashCode(),
                _ => value.GetHashCode(),
            });
        }
        return hash.ToHashCode();
    }
}
