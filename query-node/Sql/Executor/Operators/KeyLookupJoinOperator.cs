using Log.Journal.Records;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>
/// An inner or left join whose inner side is a stored table whose whole primary key equals expressions of the outer
/// row: instead of reading the inner table, it looks the inner rows up by key, for a batch of outer rows at a time
/// (one multi-key read per batch, each distinct key once), as DSQL's nested loop with batched key lookups does.
/// The inner scan's filter applies to each row found; the residual (the rest of the join condition) to each pair.
/// <para>
/// Lookups pay off while the outer side is small beside the inner table, which the planner cannot know without
/// statistics. So the join decides as it runs: when the outer side passes <see cref="SqlLimits.LookupJoinOuterRowsMax"/>
/// rows it becomes the hash join the planner would have chosen (<paramref name="fallback"/>'s shape: the inner scan
/// hashed, the outer rows probing it), fed the outer rows read so far and then the rest.
/// </para>
/// </summary>
internal sealed class KeyLookupJoinOperator(JoinType kind, PhysicalOperator left, TableScanOperator inner, int leftWidth, int rightWidth,
    IReadOnlyList<BoundExpression> keyExpressions, BoundExpression? residual, IReadOnlyList<BoundExpression> leftHashKeys,
    IReadOnlyList<BoundExpression> rightHashKeys, BoundExpression? hashResidual) : PhysicalOperator
{
    private readonly CompiledExpression? _residual = residual is null ? null : new CompiledExpression(residual);

    public override string Name => "Nested Loop";

    /// <summary>The width of the outer row, where the inner row's columns start.</summary>
    public int LeftWidth => leftWidth;

    /// <summary>Over the outer row: the inner table's primary key values.</summary>
    public IReadOnlyList<BoundExpression> KeyExpressions => keyExpressions;

    /// <summary>Over the joined row.</summary>
    public BoundExpression? Residual => residual;

    /// <summary>The fallback hash join's keys, over the outer row.</summary>
    public IReadOnlyList<BoundExpression> LeftHashKeys => leftHashKeys;

    /// <summary>The fallback hash join's keys, over the inner row.</summary>
    public IReadOnlyList<BoundExpression> RightHashKeys => rightHashKeys;

    /// <summary>The fallback hash join's residual, over the joined row.</summary>
    public BoundExpression? HashResidual => hashResidual;

    public override IReadOnlyList<PhysicalOperator> Children => [left, inner];

    /// <summary>The columns of the joined row read above and by the residuals (see <see cref="HashJoinOperator.ReadOnly"/>),
    /// handed to the fallback hash join; null for all.</summary>
    private int[]? _readColumns;

    public void ReadOnly(IEnumerable<int> ordinals) => _readColumns = [.. ordinals];

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        await foreach (IReadOnlyList<object?[]> batch in ExecuteBatchesCoreAsync(context))
        {
            for (int index = 0; index < batch.Count; index++) yield return batch[index];
        }
    }

    /// <summary>The joined rows of each lookup batch, or the fallback hash join's batches.</summary>
    protected override IAsyncEnumerable<IReadOnlyList<object?[]>> ExecuteBatchesCoreAsync(ExecutionContext context) => JoinAsync(context, consumer: null);

    /// <summary>Hands each joined row to <paramref name="consumer"/> instead of returning it, for a consumer that keeps
    /// no row array (an aggregate): the fallback hash join then joins each match into one reused array
    /// (<see cref="HashJoinOperator.TryVisitRowsAsync"/>).</summary>
    public async ValueTask<bool> TryVisitRowsAsync(ExecutionContext context, Action<object?[]> consumer)
    {
        await foreach (IReadOnlyList<object?[]> _ in JoinAsync(context, consumer)) throw new InvalidOperationException("a visiting join returned a batch");
        return true;
    }

    /// <summary>The join: its rows in batches, or each to <paramref name="consumer"/> when one is given (then no batch).</summary>
    private async IAsyncEnumerable<IReadOnlyList<object?[]>> JoinAsync(ExecutionContext context, Action<object?[]>? consumer)
    {
        var buffered = new List<object?[]>();
        await using IAsyncEnumerator<IReadOnlyList<object?[]>> outer = left.ExecuteBatchesAsync(context).GetAsyncEnumerator(context.CancellationToken);
        while (buffered.Count <= SqlLimits.LookupJoinOuterRowsMax && await outer.MoveNextAsync()) buffered.AddRange(outer.Current);
        if (buffered.Count > SqlLimits.LookupJoinOuterRowsMax)
        {
            // A large outer side: the hash join, over the rows read so far and the rest.
            var resumed = new ResumedInput(buffered, outer);
            var hashJoin = new HashJoinOperator(kind, resumed, inner, leftWidth, rightWidth, leftHashKeys, rightHashKeys, hashResidual);
            if (_readColumns is not null) hashJoin.ReadOnly(_readColumns);
            if (consumer is not null)
            {
                await hashJoin.TryVisitRowsAsync(context, consumer);
                yield break;
            }
            await foreach (IReadOnlyList<object?[]> batch in hashJoin.ExecuteBatchesAsync(context)) yield return batch;
            yield break;
        }
        for (int start = 0; start < buffered.Count; start += SqlLimits.LookupJoinBatchRowsMax)
        {
            int count = Math.Min(SqlLimits.LookupJoinBatchRowsMax, buffered.Count - start);
            object?[]?[] innerRows = await LookUpAsync(buffered, start, count, context);
            var joinedRows = new List<object?[]>(count);
            for (int index = 0; index < count; index++)
            {
                object?[] outerRow = buffered[start + index];
                object?[]? innerRow = innerRows[index];
                if (innerRow is not null)
                {
                    object?[] joined = NestedLoopJoinOperator.Concatenate(outerRow, innerRow);
                    if (_residual is null || await _residual.EvaluateAsync(joined, context) is true)
                    {
                        joinedRows.Add(joined);
                        continue;
                    }
                }
                if (kind == JoinType.Left) joinedRows.Add(NestedLoopJoinOperator.Concatenate(outerRow, new object?[rightWidth]));
            }
            if (consumer is not null)
            {
                foreach (object?[] joined in joinedRows) consumer(joined);
                continue;
            }
            if (joinedRows.Count > 0) yield return joinedRows;
        }
    }

    /// <summary>The inner row of each outer row of the batch that passes the inner filter, or null.</summary>
    private async ValueTask<object?[]?[]> LookUpAsync(List<object?[]> outerRows, int start, int count, ExecutionContext context)
    {
        var positions = new int[count];
        var distinctKeys = new List<byte[]>(count);
        var keyPositions = new Dictionary<byte[], int>(count, KeyComparer.Instance);
        for (int index = 0; index < count; index++)
        {
            byte[]? key = KeyOf(outerRows[start + index], context);
            if (key is null)
            {
                positions[index] = -1; // a NULL key column matches nothing, as = says
                continue;
            }
            if (!keyPositions.TryGetValue(key, out int position))
            {
                position = distinctKeys.Count;
                keyPositions.Add(key, position);
                distinctKeys.Add(key);
            }
            positions[index] = position;
        }
        byte[]?[] values = distinctKeys.Count == 0 ? [] : await context.Store.GetManyAsync(distinctKeys, context.CancellationToken);
        var found = new object?[]?[values.Length];
        for (int index = 0; index < values.Length; index++)
        {
            if (values[index] is not { } value) continue;
            object?[] row = inner.DecodeRow(value);
            if (!inner.PassesFilter(row, context)) continue;
            if (inner.ForUpdate) context.Store.AddConflictCheck(distinctKeys[index], isSchema: false);
            found[index] = row;
        }
        var result = new object?[]?[count];
        for (int index = 0; index < count; index++) result[index] = positions[index] < 0 ? null : found[positions[index]];
        return result;
    }

    private byte[]? KeyOf(object?[] outerRow, ExecutionContext context)
    {
        KeyEncoder encoder = CatalogKeys.PrimaryIndexPrefix(inner.Table.Id);
        foreach (BoundExpression expression in keyExpressions)
        {
            object? value = ExpressionEvaluator.Evaluate(expression, outerRow, context);
            if (value is null) return null;
            encoder.WriteValue(value);
        }
        return encoder.ToArray();
    }

    /// <summary>The outer side handed to the fallback hash join: the rows already read, then the rest of the run.</summary>
    private sealed class ResumedInput(List<object?[]> buffered, IAsyncEnumerator<IReadOnlyList<object?[]>> rest) : PhysicalOperator
    {
        public override string Name => "Resumed";

        protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
        {
            await foreach (IReadOnlyList<object?[]> batch in ExecuteBatchesCoreAsync(context))
            {
                foreach (object?[] row in batch) yield return row;
            }
        }

        protected override async IAsyncEnumerable<IReadOnlyList<object?[]>> ExecuteBatchesCoreAsync(ExecutionContext context)
        {
            for (int start = 0; start < buffered.Count; start += SqlLimits.OperatorBatchRowsMax)
            {
                yield return buffered.GetRange(start, Math.Min(SqlLimits.OperatorBatchRowsMax, buffered.Count - start));
            }
            buffered.Clear();
            while (await rest.MoveNextAsync()) yield return rest.Current;
        }
    }
}
