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

    public override IEnumerable<string> Details
    {
        get
        {
            if (kind != JoinType.Inner) yield return $"Join Type: {kind}";
            yield return $"Hash Cond: {leftKeys.Count} key(s)";
        }
    }

    public override async IAsyncEnumerable<object?[]> ExecuteAsync(ExecutionContext context)
    {
        var comparer = new RowEqualityComparer(rightKeys.Count);
        var table = new Dictionary<object?[], List<int>>(comparer);
        var rightRows = new List<object?[]>();
        await foreach (object?[] row in right.ExecuteAsync(context))
        {
            rightRows.Add(row);
            object?[]? key = KeyOf(rightKeys, row, context);
            if (key is null) continue;
            if (!table.TryGetValue(key, out List<int>? bucket)) table.Add(key, bucket = []);
            bucket.Add(rightRows.Count - 1);
        }
        bool[]? rightMatched = kind is JoinType.Right or JoinType.Full ? new bool[rightRows.Count] : null;
        await foreach (object?[] leftRow in left.ExecuteAsync(context))
        {
            bool matched = false;
            object?[]? key = KeyOf(leftKeys, leftRow, context);
            if (key is not null && table.TryGetValue(key, out List<int>? bucket))
            {
                foreach (int index in bucket)
                {
                    object?[] joined = NestedLoopJoinOperator.Concatenate(leftRow, rightRows[index]);
                    if (_residual is not null && await _residual.EvaluateAsync(joined, context) is not true) continue;
                    matched = true;
                    if (rightMatched is not null) rightMatched[index] = true;
                    yield return joined;
                }
            }
            if (!matched && kind is JoinType.Left or JoinType.Full) yield return NestedLoopJoinOperator.Concatenate(leftRow, new object?[rightWidth]);
        }
        if (rightMatched is not null)
        {
            for (int index = 0; index < rightMatched.Length; index++)
            {
                if (!rightMatched[index]) yield return NestedLoopJoinOperator.Concatenate(new object?[leftWidth], rightRows[index]);
            }
        }
    }

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
