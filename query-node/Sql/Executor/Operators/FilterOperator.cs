using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>Keeps the rows for which the predicate is true. Its AND terms without subqueries are checked first, so a
/// subquery runs only for rows that pass the rest.</summary>
internal sealed class FilterOperator : PhysicalOperator
{
    private readonly PhysicalOperator _input;
    private readonly CompiledCondition? _plainTerms;
    private readonly CompiledExpression[] _subqueryTerms;

    public FilterOperator(PhysicalOperator input, BoundExpression predicate)
    {
        _input = input;
        var plain = new List<BoundExpression>();
        var withSubqueries = new List<CompiledExpression>();
        foreach (BoundExpression term in Conjuncts.Of(predicate))
        {
            var compiled = new CompiledExpression(term);
            if (compiled.HasSubqueries) withSubqueries.Add(compiled);
            else plain.Add(term);
        }
        _plainTerms = Conjuncts.Combine(plain) is { } combined ? new CompiledCondition(combined) : null;
        _subqueryTerms = withSubqueries.ToArray();
        Predicate = predicate;
    }

    public BoundExpression Predicate { get; }

    public override string Name => "Filter";

    public override IReadOnlyList<PhysicalOperator> Children => [_input];

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        await foreach (object?[] row in _input.ExecuteAsync(context))
        {
            if (_plainTerms is not null && !_plainTerms.IsTrue(row, context)) continue;
            bool keep = true;
            foreach (CompiledExpression term in _subqueryTerms)
            {
                if (await term.EvaluateAsync(row, context) is not true)
                {
                    keep = false;
                    break;
                }
            }
            if (keep) yield return row;
        }
    }

    /// <summary>Without subqueries, a batch of the input's filtered at once.</summary>
    protected override IAsyncEnumerable<IReadOnlyList<object?[]>> ExecuteBatchesCoreAsync(ExecutionContext context) =>
        _subqueryTerms.Length > 0 ? base.ExecuteBatchesCoreAsync(context) : FilterBatchesAsync(context);

    private async IAsyncEnumerable<IReadOnlyList<object?[]>> FilterBatchesAsync(ExecutionContext context)
    {
        await foreach (IReadOnlyList<object?[]> batch in _input.ExecuteBatchesAsync(context))
        {
            var kept = new List<object?[]>(batch.Count);
            foreach (object?[] row in batch)
            {
                if (_plainTerms is null || _plainTerms.IsTrue(row, context)) kept.Add(row);
            }
            if (kept.Count > 0) yield return kept;
        }
    }
}

/// <summary>The AND terms of a predicate, and back.</summary>
internal static class Conjuncts
{
    public static IEnumerable<BoundExpression> Of(BoundExpression predicate)
    {
        if (predicate is BoundBoolean { Kind: BoolExprKind.And } and)
        {
            foreach (BoundExpression argument in and.Arguments)
            {
                foreach (BoundExpression term in Of(argument)) yield return term;
            }
        }
        else
        {
            yield return predicate;
        }
    }

    public static BoundExpression? Combine(IReadOnlyList<BoundExpression> terms) => terms.Count switch
    {
        0 => null,
        1 => terms[0],
        _ => new BoundBoolean(BoolExprKind.And, terms),
    };
}
