using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>
/// An equi-join: the right side is read into a hash table on its key expressions, then each left row probes it with
/// its own. A NULL key matches nothing, as SQL's = says. Residual is the rest of the join condition, checked on each
/// pair. Left, right and full joins NULL-extend the rows without a match.
/// </summary>
internal sealed class HashJoinOperator(JoinType kind, PhysicalOperator left, PhysicalOperator right, int leftWidth, int rightWidth,
    IReadOnlyList<BoundExpression> leftKeys, IReadOnlyList<BoundExpression> rightKeys, BoundExpression? residual) : PhysicalOperator
{
    private readonly CompiledExpression? _residual = residual is null ? null : new CompiledExpression(residual);

    public override string Name => "Hash Join";

    /// <summary>For EXPLAIN.</summary>
    public JoinType Kind => kind;

    /// <summary>For EXPLAIN: the width of the left row, where the right row's columns start.</summary>
    public int LeftWidth => leftWidth;

    /// <summary>For EXPLAIN.</summary>
    public IReadOnlyList<BoundExpression> LeftKeys => leftKeys;

    /// <summary>For EXPLAIN: over the right row.</summary>
    public IReadOnlyList<BoundExpression> RightKeys => rightKeys;

    /// <summary>For EXPLAIN.</summary>
    public BoundExpression? Residual => residual;

    public override IReadOnlyList<PhysicalOperator> Children => [left, right];

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        await foreach (IReadOnlyList<object?[]> batch in ExecuteBatchesCoreAsync(context))
        {
            foreach (object?[] row in batch) yield return row;
        }
    }

    /// <summary>The joined rows of each batch of probing rows, in batches of at most
    /// <see cref="SqlLimits.OperatorBatchRowsMax"/> rows (however many rows of the table one probe matches).</summary>
    protected override async IAsyncEnumerable<IReadOnlyList<object?[]>> ExecuteBatchesCoreAsync(ExecutionContext context)
    {
        // Rows with equal keys are chained in input order: the table maps a key to its first and last row, and
        // next[row] is the following row of the same key (-1: none). One integer key (the common join on a key
        // column) is hashed as a long, with no key array, boxing or general comparison per row.
        bool integerKey = leftKeys.Count == 1 && leftKeys[0].Type.IsInteger && rightKeys[0].Type.IsInteger;
        var integerTable = integerKey ? new Dictionary<long, (int First, int Last)>() : null;
        var table = integerKey ? null : new Dictionary<object?[], (int First, int Last)>(new RowEqualityComparer(rightKeys.Count));
        var rightRows = new List<object?[]>();
        var next = new List<int>();
        long reserved = 0;
        try
        {
            await foreach (IReadOnlyList<object?[]> batch in right.ExecuteBatchesAsync(context))
            {
                foreach (object?[] row in batch)
                {
                    long size = QueryMemory.SizeOf(row) + QueryMemory.HashEntryBytes;
                    context.Memory.Reserve(size, Name);
                    reserved += size;
                    int index = rightRows.Count;
                    rightRows.Add(row);
                    next.Add(-1);
                    if (integerTable is not null)
                    {
                        if (IntegerKeyOf(rightKeys[0], row, context) is not { } integer) continue;
                        if (integerTable.TryGetValue(integer, out var chain))
                        {
                            next[chain.Last] = index;
                            integerTable[integer] = (chain.First, index);
                        }
                        else
                        {
                            integerTable.Add(integer, (index, index));
                        }
                    }
                    else
                    {
                        object?[]? key = KeyOf(rightKeys, row, context);
                        if (key is null) continue;
                        if (table!.TryGetValue(key, out var chain))
                        {
                            next[chain.Last] = index;
                            table[key] = (chain.First, index);
                        }
                        else
                        {
                            table.Add(key, (index, index));
                        }
                    }
                }
            }
            // With no rows to match, an inner or right join has none to give: the probing side is not read at all, as
            // PostgreSQL's hash join skips its outer plan (a correlated subquery joining a catalog runs once per outer row).
            if (rightRows.Count == 0 && kind is JoinType.Inner or JoinType.Right) yield break;
            bool[]? rightMatched = kind is JoinType.Right or JoinType.Full ? new bool[rightRows.Count] : null;
            var output = new List<object?[]>();
            await foreach (IReadOnlyList<object?[]> leftBatch in left.ExecuteBatchesAsync(context))
            {
                foreach (object?[] leftRow in leftBatch)
                {
                    bool matched = false;
                    int first = -1;
                    if (integerTable is not null)
                    {
                        if (IntegerKeyOf(leftKeys[0], leftRow, context) is { } integer && integerTable.TryGetValue(integer, out var chain)) first = chain.First;
                    }
                    else if (KeyOf(leftKeys, leftRow, context) is { } key && table!.TryGetValue(key, out var chain))
                    {
                        first = chain.First;
                    }
                    for (int index = first; index >= 0; index = next[index])
                    {
                        object?[] joined = NestedLoopJoinOperator.Concatenate(leftRow, rightRows[index]);
                        if (_residual is not null && await _residual.EvaluateAsync(joined, context) is not true) continue;
                        matched = true;
                        if (rightMatched is not null) rightMatched[index] = true;
                        output.Add(joined);
                        if (output.Count < SqlLimits.OperatorBatchRowsMax) continue;
                        yield return output;
                        output = [];
                    }
                    if (!matched && kind is JoinType.Left or JoinType.Full) output.Add(NestedLoopJoinOperator.Concatenate(leftRow, new object?[rightWidth]));
                }
                if (output.Count > 0)
                {
                    yield return output;
                    output = [];
                }
            }
            if (rightMatched is not null)
            {
                for (int index = 0; index < rightMatched.Length; index++)
                {
                    if (rightMatched[index]) continue;
                    output.Add(NestedLoopJoinOperator.Concatenate(new object?[leftWidth], rightRows[index]));
                    if (output.Count < SqlLimits.OperatorBatchRowsMax) continue;
                    yield return output;
                    output = [];
                }
                if (output.Count > 0) yield return output;
            }
        }
        finally
        {
            context.Memory.Release(reserved);
        }
    }

    private static long? IntegerKeyOf(BoundExpression expression, object?[] row, ExecutionContext context) =>
        ExpressionEvaluator.Evaluate(expression, row, context) switch
        {
            null => null,
            int value => value,
            long value => value,
            short value => value,
            object other => throw new InvalidOperationException($"an integer join key evaluated to {other.GetType().Name}"),
        };

    private static object?[]? KeyOf(IReadOnlyList<BoundExpression> expressions, object?[] row, ExecutionContext context)
    {
        var key = new object?[expressions.Count];
        for (int index = 0; index < key.Length; index++)
        {
            object? value = ExpressionEvaluator.Evaluate(expressions[index], row, context);
            if (value is null) return null;
            key[index] = value;
        }
        return key;
    }
}
