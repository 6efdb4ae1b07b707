using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;
using Log.Journal.Records;

namespace Log.QueryNode.Sql.Planner;

/// <summary>
/// Picks the access path from the WHERE clause's top-level AND terms that compare a primary key column with a
/// constant: equality on every key column gives a point lookup, equality on a prefix (and a range on the next
/// column) a bounded scan, anything else a full scan of the table.
/// </summary>
internal static class AccessPathPlanner
{
    private readonly record struct Bound(object Value, bool Inclusive);

    public static AccessPath Choose(TableDescriptor table, BoundExpression? where) =>
        IndexPathPlanner.Improve(table, where, ChoosePrimaryKeyPath(table, where));

    private static AccessPath ChoosePrimaryKeyPath(TableDescriptor table, BoundExpression? where)
    {
        int keyCount = table.PrimaryKeyOrdinals.Count;
        object?[]? equalities = null;
        Bound?[]? lowers = null;
        Bound?[]? uppers = null;
        List<object>?[]? inLists = null;
        if (where is not null && keyCount > 0)
        {
            equalities = new object?[keyCount];
            lowers = new Bound?[keyCount];
            uppers = new Bound?[keyCount];
            inLists = new List<object>?[keyCount];
            CollectTerms(table, where, equalities, lowers, uppers, inLists);
        }

        KeyEncoder prefix = CatalogKeys.PrimaryIndexPrefix(table.Id);
        int fixedColumns = 0;
        while (equalities is not null && fixedColumns < keyCount && equalities[fixedColumns] is { } value)
        {
            prefix.WriteValue(value);
            fixedColumns++;
        }
        if (fixedColumns == keyCount && keyCount > 0)
        {
            byte[] key = prefix.ToArray();
            return new AccessPath(AccessKind.PointLookup, key, key);
        }
        if (inLists is not null && fixedColumns == keyCount - 1 && inLists[fixedColumns] is { } list)
        {
            var keys = new SortedSet<byte[]>(KeyComparer.Instance);
            foreach (object value in list)
            {
                KeyEncoder encoder = CopyOf(prefix);
                encoder.WriteValue(value);
                keys.Add(encoder.ToArray());
            }
            return new AccessPath(AccessKind.MultiPointLookup, prefix.ToArray(), prefix.ToPrefixEnd()) { Keys = keys.ToArray() };
        }
        Bound? lower = lowers is null ? null : lowers[fixedColumns];
        Bound? upper = uppers is null ? null : uppers[fixedColumns];
        if (fixedColumns == 0 && lower is null && upper is null)
        {
            return new AccessPath(AccessKind.FullScan, prefix.ToArray(), prefix.ToPrefixEnd());
        }
        byte[] start = prefix.ToArray();
        byte[] end = prefix.ToPrefixEnd();
        if (lower is { } low)
        {
            KeyEncoder encoder = CopyOf(prefix);
            encoder.WriteValue(low.Value);
            start = low.Inclusive ? encoder.ToArray() : encoder.ToPrefixEnd();
        }
        if (upper is { } high)
        {
            KeyEncoder encoder = CopyOf(prefix);
            encoder.WriteValue(high.Value);
            end = high.Inclusive ? encoder.ToPrefixEnd() : encoder.ToArray();
        }
        return new AccessPath(AccessKind.RangeScan, start, end);
    }

    internal static KeyEncoder CopyOf(KeyEncoder encoder)
    {
        // KeyEncoder is a struct over a shared buffer: re-encode from its bytes so two bounds do not overwrite each other.
        byte[] bytes = encoder.ToArray();
        var copy = new KeyEncoder(bytes.Length + 32);
        copy.WriteRaw(bytes);
        return copy;
    }

    private static void CollectTerms(TableDescriptor table, BoundExpression expression, object?[] equalities, Bound?[] lowers, Bound?[] uppers,
        List<object>?[] inLists)
    {
        if (expression is BoundBoolean { Kind: BoolExprKind.And } and)
        {
            foreach (BoundExpression argument in and.Arguments) CollectTerms(table, argument, equalities, lowers, uppers, inLists);
            return;
        }
        if (expression is BoundIn { IsNot: false } inExpression && TryKeyColumn(table, inExpression.Operand, out int inKeyIndex))
        {
            var values = new List<object>(inExpression.List.Count);
            foreach (BoundExpression item in inExpression.List)
            {
                // NULL never matches; anything not a usable constant means no key access from this IN.
                if (item is BoundConstant { Value: null }) continue;
                if (!TryKeyConstant(table, inKeyIndex, item, out object? itemValue)) return;
                values.Add(itemValue!);
            }
            inLists[inKeyIndex] ??= values;
            return;
        }
        if (expression is not BoundComparison comparison || comparison.Operator == ComparisonOperator.NotEqual) return;
        ComparisonOperator op = comparison.Operator;
        int keyIndex;
        object? value;
        if (TryKeyColumn(table, comparison.Left, out keyIndex) && TryKeyConstant(table, keyIndex, comparison.Right, out value))
        {
        }
        else if (TryKeyColumn(table, comparison.Right, out keyIndex) && TryKeyConstant(table, keyIndex, comparison.Left, out value))
        {
            op = Mirror(op);
        }
        else
        {
            return;
        }
        switch (op)
        {
            case ComparisonOperator.Equal:
                equalities[keyIndex] ??= value;
                break;
            case ComparisonOperator.Greater:
            case ComparisonOperator.GreaterOrEqual:
                lowers[keyIndex] ??= new Bound(value!, op == ComparisonOperator.GreaterOrEqual);
                break;
            case ComparisonOperator.Less:
            case ComparisonOperator.LessOrEqual:
                uppers[keyIndex] ??= new Bound(value!, op == ComparisonOperator.LessOrEqual);
                break;
        }
    }

    internal static ComparisonOperator Mirror(ComparisonOperator op) => op switch
    {
        ComparisonOperator.Less => ComparisonOperator.Greater,
        ComparisonOperator.LessOrEqual => ComparisonOperator.GreaterOrEqual,
        ComparisonOperator.Greater => ComparisonOperator.Less,
        ComparisonOperator.GreaterOrEqual => ComparisonOperator.LessOrEqual,
        _ => op,
    };

    /// <summary>A primary key column, bare or widened between integer types (whose key encodings are the same).</summary>
    private static bool TryKeyColumn(TableDescriptor table, BoundExpression expression, out int keyIndex)
    {
        keyIndex = -1;
        BoundColumn? column = expression switch
        {
            BoundColumn bare => bare,
            BoundCast { Context: ValueCast.Context.Implicit, Operand: BoundColumn inner } cast when inner.Type.IsInteger && cast.Type.IsInteger => inner,
            _ => null,
        };
        if (column is null) return false;
        for (int index = 0; index < table.PrimaryKeyOrdinals.Count; index++)
        {
            if (table.PrimaryKeyOrdinals[index] == column.Ordinal)
            {
                keyIndex = index;
                return true;
            }
        }
        return false;
    }

    /// <summary>A non-null constant whose key encoding orders like the column's values.</summary>
    private static bool TryKeyConstant(TableDescriptor table, int keyIndex, BoundExpression expression, out object? value)
    {
        value = null;
        if (expression is not BoundConstant { Value: { } constant } bound) return false;
        if (!IsKeyCompatible(table.Columns[table.PrimaryKeyOrdinals[keyIndex]].Type, bound)) return false;
        value = constant;
        return true;
    }

    /// <summary>Whether a constant's key encoding orders like the column's stored values.</summary>
    internal static bool IsKeyCompatible(SqlType columnType, BoundConstant bound) =>
        (columnType.IsInteger && bound.Type.IsInteger)
        || (columnType.Kind is TypeKind.Text or TypeKind.Varchar && bound.Type.IsString && bound.Type.Kind != TypeKind.Bpchar)
        || (columnType.Kind == bound.Type.Kind && columnType.Kind is TypeKind.Float8 or TypeKind.Numeric or TypeKind.Bool or TypeKind.Date or TypeKind.Timestamp or TypeKind.TimestampTz);
}
