using Log.QueryNode.Sql.Binder;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>
/// A physical operator: pulls rows from its children and streams its own, asynchronously, so a consumer that stops
/// early (LIMIT, EXISTS, a suspended portal) stops the work below it. Operators are immutable plans; each
/// <see cref="ExecuteAsync"/> is a fresh run with its own state. Rows are arrays owned by the consumer once yielded.
/// Operators implement <see cref="ExecuteCoreAsync"/> (and may implement <see cref="ExecuteBatchesCoreAsync"/>) and call
/// their children's public methods, which is where EXPLAIN ANALYZE measures each node.
/// <see cref="Name"/> is PostgreSQL's node name, which EXPLAIN prints.
/// </summary>
internal abstract class PhysicalOperator
{
    public abstract string Name { get; }

    public virtual IReadOnlyList<PhysicalOperator> Children => [];

    /// <summary>The rows of a run; under EXPLAIN ANALYZE (the statement's <see cref="StatementState.Instrumentation"/>)
    /// counted and timed for this node.</summary>
    public IAsyncEnumerable<object?[]> ExecuteAsync(ExecutionContext context) =>
        context.Statement.Instrumentation is { } instrumentation
            ? instrumentation.MeasureRows(this, ExecuteCoreAsync(context), context.CancellationToken)
            : ExecuteCoreAsync(context);

    /// <summary>The same rows in batches, for consumers that go through many rows: one asynchronous step per batch
    /// instead of per row at every level of the tree. Batches are the consumer's to keep. Measured as
    /// <see cref="ExecuteAsync"/> is.</summary>
    public IAsyncEnumerable<IReadOnlyList<object?[]>> ExecuteBatchesAsync(ExecutionContext context) =>
        context.Statement.Instrumentation is { } instrumentation
            ? instrumentation.MeasureBatches(this, ExecuteBatchesCoreAsync(context), context.CancellationToken)
            : ExecuteBatchesCoreAsync(context);

    /// <summary>The operator's own rows (<see cref="ExecuteAsync"/> without measurement).</summary>
    protected abstract IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context);

    /// <summary>The operator's own batches. Operators that produce rows in groups anyway (a scan's pages) or map them
    /// one to one override this; the default groups the rows of <see cref="ExecuteCoreAsync"/> into batches of 1, 2,
    /// 4 ... <see cref="SqlLimits.OperatorBatchRowsMax"/> rows.</summary>
    protected virtual async IAsyncEnumerable<IReadOnlyList<object?[]>> ExecuteBatchesCoreAsync(ExecutionContext context)
    {
        int batchRows = 1;
        var batch = new List<object?[]>(batchRows);
        await foreach (object?[] row in ExecuteCoreAsync(context))
        {
            batch.Add(row);
            if (batch.Count < batchRows) continue;
            yield return batch;
            batchRows = Math.Min(batchRows * 2, SqlLimits.OperatorBatchRowsMax);
            batch = new List<object?[]>(batchRows);
        }
        if (batch.Count > 0) yield return batch;
    }
}

/// <summary>An expression with the subqueries it holds, computed before each evaluation (see <see cref="SubqueryRunner"/>).</summary>
internal sealed class CompiledExpression
{
    public CompiledExpression(BoundExpression expression)
    {
        Expression = expression;
        Subqueries = SubqueryFinder.Find(expression);
    }

    public BoundExpression Expression { get; }

    public IReadOnlyList<BoundSubquery> Subqueries { get; }

    public bool HasSubqueries => Subqueries.Count > 0;

    public async ValueTask<object?> EvaluateAsync(object?[] row, ExecutionContext context)
    {
        if (Subqueries.Count > 0) await SubqueryRunner.PrepareAsync(Subqueries, row, context);
        return ExpressionEvaluator.Evaluate(Expression, row, context);
    }

    public object? Evaluate(object?[] row, ExecutionContext context) => ExpressionEvaluator.Evaluate(Expression, row, context);
}

/// <summary>Finds the subqueries of an expression (not those inside a subquery's own plan).</summary>
internal static class SubqueryFinder
{
    public static IReadOnlyList<BoundSubquery> Find(BoundExpression expression)
    {
        List<BoundSubquery>? found = null;
        Visit(expression, ref found);
        return found is null ? [] : found;
    }

    private static void Visit(BoundExpression expression, ref List<BoundSubquery>? found)
    {
        if (expression is BoundSubquery subquery)
        {
            if (subquery.Test is not null) Visit(subquery.Test, ref found);
            (found ??= []).Add(subquery);
            return;
        }
        foreach (BoundExpression child in BoundExpressionTree.Children(expression)) Visit(child, ref found);
    }
}
