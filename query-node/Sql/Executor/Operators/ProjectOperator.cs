using Log.QueryNode.Sql.Binder;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>Computes the output columns of each input row.</summary>
internal sealed class ProjectOperator(PhysicalOperator input, IReadOnlyList<BoundExpression> expressions) : PhysicalOperator
{
    private readonly CompiledExpression[] _expressions = expressions.Select(expression => new CompiledExpression(expression)).ToArray();
    private readonly bool _hasSubqueries = expressions.Any(expression => SubqueryFinder.Find(expression).Count > 0);

    public PhysicalOperator Input { get; } = input;

    public IReadOnlyList<BoundExpression> Expressions { get; } = expressions;

    public override string Name => "Result";

    public override IReadOnlyList<PhysicalOperator> Children => [Input];

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        await foreach (object?[] row in Input.ExecuteAsync(context))
        {
            var output = new object?[_expressions.Length];
            if (_hasSubqueries)
            {
                for (int index = 0; index < output.Length; index++) output[index] = await _expressions[index].EvaluateAsync(row, context);
            }
            else
            {
                for (int index = 0; index < output.Length; index++) output[index] = _expressions[index].Evaluate(row, context);
            }
            yield return output;
        }
    }

    /// <summary>Without subqueries, a batch of the input's computed at once.</summary>
    protected override IAsyncEnumerable<IReadOnlyList<object?[]>> ExecuteBatchesCoreAsync(ExecutionContext context) =>
        _hasSubqueries ? base.ExecuteBatchesCoreAsync(context) : ProjectBatchesAsync(context);

    private async IAsyncEnumerable<IReadOnlyList<object?[]>> ProjectBatchesAsync(ExecutionContext context)
    {
        await foreach (IReadOnlyList<object?[]> batch in Input.ExecuteBatchesAsync(context))
        {
            var outputs = new object?[batch.Count][];
            for (int row = 0; row < outputs.Length; row++)
            {
                var output = new object?[_expressions.Length];
                for (int index = 0; index < output.Length; index++) output[index] = _expressions[index].Evaluate(batch[row], context);
                outputs[row] = output;
            }
            yield return outputs;
        }
    }
}
