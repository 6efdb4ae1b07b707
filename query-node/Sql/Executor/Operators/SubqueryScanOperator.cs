using Log.QueryNode.Sql.Binder;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>A subquery in FROM that reads outer values: its arguments, evaluated against the outer row (the left row of
/// a lateral join), become the parameters its own plan runs with.</summary>
internal sealed class SubqueryScanOperator(PhysicalOperator query, IReadOnlyList<BoundExpression> arguments) : PhysicalOperator
{
    public override string Name => "Subquery Scan";

    public override IReadOnlyList<PhysicalOperator> Children => [query];

    protected override IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        var values = new object?[arguments.Count];
        for (int index = 0; index < values.Length; index++) values[index] = ExpressionEvaluator.Evaluate(arguments[index], context.OuterRow, context);
        return query.ExecuteAsync(context.WithParameters(values));
    }
}
