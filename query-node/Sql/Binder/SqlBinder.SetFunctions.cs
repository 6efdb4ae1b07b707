using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// Set-returning functions in a select list (PostgreSQL 10+'s tSRF semantics, parse_func.c's check_srf_call_placement):
/// each call is bound and collected, and after aggregation and window functions the select step puts a
/// <see cref="LogicalProjectSet"/> under the projection whose extra columns the calls become. Several calls in one list
/// advance in lock step; a call whose arguments hold another one gets a ProjectSet of its own above the inner one's.
/// </summary>
internal sealed partial class SqlBinder
{
    /// <summary>Where set-returning functions may appear (the select list, ORDER BY, DISTINCT ON), the calls found so
    /// far; null where they are not allowed (the clause is named by <see cref="_aggregateForbiddenIn"/>).</summary>
    private List<BoundSetFunctionCall>? _setFunctionCalls;

    /// <summary>Set while binding CASE or COALESCE, whose arms PostgreSQL does not let a set-returning function into.</summary>
    private string? _setFunctionConditional;

    private const string LateralHint = "You might be able to move the set-returning function into a LATERAL FROM item.";

    private BoundExpression BindSetFunctionCall(FuncCall call)
    {
        if (_insideAggregate)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "aggregate function calls cannot contain set-returning function calls", call.Location + 1, hint: LateralHint);
        }
        if (_insideWindowFunction)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "window function calls cannot contain set-returning function calls", call.Location + 1, hint: LateralHint);
        }
        if (_setFunctionConditional is not null)
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"set-returning functions are not allowed in {_setFunctionConditional}", call.Location + 1, hint: LateralHint);
        }
        if (_setFunctionCalls is null)
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"set-returning functions are not allowed in {_aggregateForbiddenIn}", call.Location + 1);
        }
        if (call.Star || call.Distinct || call.Filter is not null || call.AggregateOrder is not null)
        {
            throw new SqlException(EngineSqlState.WrongObjectType, $"{(call.Star ? call.Name + "(*)" : "DISTINCT")} specified, but {call.Name} is not an aggregate function", call.Location + 1);
        }
        var arguments = call.Arguments.Select(Bind).ToArray();
        (TableFunction function, BoundExpression[] typedArguments, SqlType type, IReadOnlyList<(string Name, SqlType Type)>? columns) =
            BindSetReturningCall(call, arguments, inFrom: false);
        IReadOnlyList<SqlType>? recordFields = null;
        IReadOnlyList<string>? recordFieldNames = null;
        if (columns is { Count: > 1 })
        {
            // A function with several OUT columns returns record in a select list: (key,value).
            recordFields = columns.Select(column => column.Type).ToArray();
            recordFieldNames = columns.Select(column => column.Name).ToArray();
            type = SqlType.Record;
        }
        var bound = new BoundSetFunctionCall(function, typedArguments, type, call.Name, call.Location)
        {
            RecordFields = recordFields,
            RecordFieldNames = recordFieldNames,
        };
        _setFunctionCalls.Add(bound);
        return bound;
    }

    /// <summary>Binds an expression in which set-returning functions are refused (CASE's and COALESCE's arms).</summary>
    private BoundExpression BindInConditional(Func<BoundExpression> bind, string construct)
    {
        string? saved = _setFunctionConditional;
        _setFunctionConditional = construct;
        try
        {
            return bind();
        }
        finally
        {
            _setFunctionConditional = saved;
        }
    }

    /// <summary>Puts the ProjectSet nodes under the projection: the innermost calls first, each level's calls in one node,
    /// each call replaced in the targets by the column of the node that computes it.</summary>
    private static LogicalPlan PlanSetFunctions(LogicalPlan plan, List<BoundExpression> targets)
    {
        while (true)
        {
            var calls = new List<BoundSetFunctionCall>();
            foreach (BoundExpression target in targets) CollectInnermostSetFunctions(target, calls);
            if (calls.Count == 0) return plan;
            int firstColumn = plan.Width;
            plan = new LogicalProjectSet(plan, calls);
            BoundExpression Replace(BoundExpression expression)
            {
                if (expression is BoundSetFunctionCall call && calls.IndexOf(call) is int index and >= 0)
                {
                    return new BoundColumn(firstColumn + index, call.Type, call.Name, call.Location);
                }
                return BoundExpressionTree.MapChildren(expression, Replace);
            }
            for (int index = 0; index < targets.Count; index++) targets[index] = Replace(targets[index]);
        }
    }

    /// <summary>The set-returning calls whose arguments hold none, each once, in the order they are written.</summary>
    private static void CollectInnermostSetFunctions(BoundExpression expression, List<BoundSetFunctionCall> calls)
    {
        if (expression is BoundSetFunctionCall call && !call.Arguments.Any(ContainsSetFunction))
        {
            if (!calls.Contains(call)) calls.Add(call);
            return;
        }
        foreach (BoundExpression child in BoundExpressionTree.Children(expression)) CollectInnermostSetFunctions(child, calls);
    }

    private static bool ContainsSetFunction(BoundExpression expression) => BoundExpressionTree.Any(expression, node => node is BoundSetFunctionCall);
}
