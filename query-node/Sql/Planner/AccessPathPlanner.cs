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
    /// <summary>The primary key's path for <paramref name="where"/>, or a secondary index's when that reads less.</summary>
    public static AccessPath Choose(TableDescriptor table, BoundExpression? where) =>
        IndexPathPlanner.Improve(table, where, Terms(table, where).Plan());

    /// <summary>The key terms of <paramref name="where"/> that the access path uses.</summary>
    private static AccessPathKeys Terms(TableDescriptor table, BoundExpression? where)
    {
        int keyCount = table.PrimaryKeyOrdinals.Count;
        var equalities = new BoundExpression?[keyCount];
        var lowers = new KeyBound?[keyCount];
        var uppers = new KeyBound?[keyCount];
        var inLists = new List<BoundExpression>?[keyCount];
        if (where is not null && keyCount > 0) CollectTerms(table, where, equalities, lowers, uppers, inLists);

        var fixedValues = new List<BoundExpression>(keyCount);
        while (fixedValues.Count < keyCount && equalities[fixedValues.Count] is { } value) fixedValues.Add(value);
        int fixedColumns = fixedValues.Count;
        if (fixedColumns == keyCount) return new AccessPathKeys(table, fixedValues, null, null, null);
        if (fixedColumns == keyCount - 1 && inLists[fixedColumns] is { } list) return new AccessPathKeys(table, fixedValues, list, null, null);
        return new AccessPathKeys(table, fixedValues, null, lowers[fixedColumns], uppers[fixedColumns]);
    }

    private static void CollectTerms(TableDescriptor table, BoundExpression expression, BoundExpression?[] equalities, KeyBound?[] lowers,
        KeyBound?[] uppers, List<BoundExpression>?[] inLists)
    {
        if (expression is BoundBoolean { Kind: BoolExprKind.And } and)
        {
            foreach (BoundExpression argument in and.Arguments) CollectTerms(table, argument, equalities, lowers, uppers, inLists);
            return;
        }
        if (expression is BoundIn { IsNot: false } inExpression && TryKeyColumn(table, inExpression.Operand, out int inKeyIndex))
        {
            var values = new List<BoundExpression>(inExpression.List.Count);
            foreach (BoundExpression item in inExpression.List)
            {
                // NULL never matches; anything not a usable constant means no key access from this IN.
                if (item is BoundConstant { Value: null }) continue;
                if (!IsKeyValue(table, inKeyIndex, item)) return;
                values.Add(item);
            }
            inLists[inKeyIndex] ??= values;
            return;
        }
        if (expression is not BoundComparison comparison || comparison.Operator == ComparisonOperator.NotEqual) return;
        ComparisonOperator op = comparison.Operator;
        int keyIndex;
        BoundExpression value;
        if (TryKeyColumn(table, comparison.Left, out keyIndex) && IsKeyValue(table, keyIndex, comparison.Right))
        {
            value = comparison.Right;
        }
        else if (TryKeyColumn(table, comparison.Right, out keyIndex) && IsKeyValue(table, keyIndex, comparison.Left))
        {
            value = comparison.Left;
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
                lowers[keyIndex] ??= new KeyBound(value, op == ComparisonOperator.GreaterOrEqual);
                break;
            case ComparisonOperator.Less:
            case ComparisonOperator.LessOrEqual:
                uppers[keyIndex] ??= new KeyBound(value, op == ComparisonOperator.LessOrEqual);
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

    /// <summary>A non-null constant, or a prepared statement's parameter, whose key encoding orders like the column's values.</summary>
    private static bool IsKeyValue(TableDescriptor table, int keyIndex, BoundExpression expression)
    {
        // A parameter may arrive under the binder's widening cast (an int4 $1 compared with a bigint key): the key is
        // computed from the cast value when the scan opens, as it would be for a folded constant.
        if (!IsRunTimeValue(expression) && expression is not BoundConstant { Value: not null }) return false;
        return IsKeyCompatible(table.Columns[table.PrimaryKeyOrdinals[keyIndex]].Type, expression.Type);
    }

    /// <summary>A prepared statement's parameter, maybe under the binder's widening cast between integer types, or a
    /// constant under a cast that reads the session's TimeZone or DateStyle (date to timestamptz), whose key is computed
    /// when the scan opens.</summary>
    internal static bool IsRunTimeValue(BoundExpression expression) =>
        expression is BoundParameter
        || (expression is BoundCast { Operand: BoundParameter parameter } && parameter.Type.IsInteger && expression.Type.IsInteger)
        || (expression is BoundCast { Operand: BoundConstant { Value: not null } constant } && ValueCast.ReadsSessionSettings(constant.Type, expression.Type));

    /// <summary>Whether values of <paramref name="valueType"/> encode into keys that order like the column's stored
    /// values: integers of any width, text against text or varchar, and otherwise the same type when it has a key
    /// encoding (the older types and those with a handler).</summary>
    internal static bool IsKeyCompatible(SqlType columnType, SqlType valueType) =>
        (columnType.IsInteger && valueType.IsInteger)
        || (columnType.Kind is TypeKind.Text or TypeKind.Varchar && valueType.IsString && valueType.Kind != TypeKind.Bpchar)
        || (columnType.Kind == valueType.Kind
            && (columnType.Kind is TypeKind.Float8 or TypeKind.Numeric or TypeKind.Bool or TypeKind.Date or TypeKind.Timestamp or TypeKind.TimestampTz
                || TypeRegistry.Find(columnType.Kind) is { HasKeyEncoding: true }));
}
