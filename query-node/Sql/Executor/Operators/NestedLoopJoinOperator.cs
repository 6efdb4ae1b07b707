using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>
/// A nested-loop join of any kind. The right side is read once and kept, unless it is lateral: then it runs again for
/// each left row, which it reads as its outer row. Right and full joins remember which right rows matched and emit
/// the rest, NULL-extended, at the end.
/// </summary>
internal sealed class NestedLoopJoinOperator(JoinType kind, PhysicalOperator left, PhysicalOperator right, int leftWidth, int rightWidth,
    BoundExpression? condition, bool lateral) : PhysicalOperator
{
    private readonly CompiledExpression? _condition = condition is null ? null : new CompiledExpression(condition);

    public override string Name => "Nested Loop";

    /// <summary>For EXPLAIN.</summary>
    public JoinType Kind => kind;

    /// <summary>For EXPLAIN: the width of the left row, where the right row's columns start.</summary>
    public int LeftWidth => leftWidth;

    /// <summary>For EXPLAIN.</summary>
    public BoundExpression? Condition => condition;

    public override IReadOnlyList<PhysicalOperator> Children => [left, right];

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        List<object?[]>? rightRows = null;
        bool[]? rightMatched = null;
        long reserved = 0;
        try
        {
            if (!lateral)
            {
                rightRows = [];
                await foreach (object?[] row in right.ExecuteAsync(context))
                {
                    long size = QueryMemory.SizeOf(row) + IntPtr.Size;
                    context.Memory.Reserve(size, Name);
                    reserved += size;
                    rightRows.Add(row);
                }
                if (kind is JoinType.Right or JoinType.Full) rightMatched = new bool[rightRows.Count];
            }
            await foreach (object?[] leftRow in left.ExecuteAsync(context))
            {
                bool matched = false;
                if (lateral)
                {
                    await foreach (object?[] rightRow in right.ExecuteAsync(context.WithLateralRow(leftRow)))
                    {
                        object?[] joined = Concatenate(leftRow, rightRow);
                        if (_condition is not null && await _condition.EvaluateAsync(joined, context) is not true) continue;
                        matched = true;
                        yield return joined;
                    }
                }
                else
                {
                    for (int index = 0; index < rightRows!.Count; index++)
                    {
                        object?[] joined = Concatenate(leftRow, rightRows[index]);
                        if (_condition is not null && await _condition.EvaluateAsync(joined, context) is not true) continue;
                        matched = true;
                        if (rightMatched is not null) rightMatched[index] = true;
                        yield return joined;
                    }
                    context.CancellationToken.ThrowIfCancellationRequested();
                }
                if (!matched && kind is JoinType.Left or JoinType.Full) yield return Concatenate(leftRow, new object?[rightWidth]);
            }
            if (rightMatched is not null)
            {
                for (int index = 0; index < rightMatched.Length; index++)
                {
                    if (!rightMatched[index]) yield return Concatenate(new object?[leftWidth], rightRows![index]);
                }
            }
        }
        finally
        {
            context.Memory.Release(reserved);
        }
    }

    public static object?[] Concatenate(object?[] left, object?[] right)
    {
        var row = new object?[left.Length + right.Length];
        left.CopyTo(row, 0);
        right.CopyTo(row, left.Length);
        return row;
    }
}
