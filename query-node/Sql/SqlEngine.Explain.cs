using System.Diagnostics;
using System.Globalization;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Executor.Operators;
using Log.QueryNode.Sql.Explain;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Planner;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql;

public sealed partial class SqlEngine
{
    private static readonly IReadOnlyList<ResultColumn> ExplainColumns = [ResultColumn.For("QUERY PLAN", SqlType.Text)];

    /// <summary>EXPLAIN [ANALYZE] of a query, INSERT, UPDATE or DELETE: the planned operator tree as text. With ANALYZE
    /// the statement runs (its writes too, as in PostgreSQL) with every node measured, and its rows are dropped.</summary>
    private async ValueTask<StatementResult> ExecuteExplainAsync(ExplainStmt explain, ParameterContext? parameters, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        ExplainOptions options = ExplainOptions.From(explain);
        long planningStarted = Stopwatch.GetTimestamp();
        LogicalPlan plan;
        BindContext context;
        switch (explain.Query)
        {
            case SelectStmt select:
                (BoundQuery query, context) = await BindQueryAsync(select, parameters, store, statementContext, cancellationToken);
                plan = query.Plan;
                break;
            case InsertStmt or UpdateStmt or DeleteStmt:
                (BoundModification modification, context) = await BindModificationAsync(explain.Query, parameters, store, statementContext, cancellationToken);
                plan = modification.Plan;
                break;
            default:
                throw new SqlException(SqlState.FeatureNotSupported, "EXPLAIN of this statement is not supported", explain.Location + 1);
        }
        PlannedQuery planned = QueryPlanner.Plan(plan, context);
        double planningMilliseconds = PlanPrinter.Milliseconds(Stopwatch.GetTimestamp() - planningStarted);
        StatementState state = planned.NewState(store, statementContext);

        PlanInstrumentation? instrumentation = null;
        double executionMilliseconds = 0;
        if (options.Analyze)
        {
            instrumentation = new PlanInstrumentation();
            state.Instrumentation = instrumentation;
            long executionStarted = Stopwatch.GetTimestamp();
            await RunPlannedAsync(planned.Root, state, context, cancellationToken);
            executionMilliseconds = PlanPrinter.Milliseconds(Stopwatch.GetTimestamp() - executionStarted);
        }

        List<string> lines = new PlanPrinter(options, instrumentation, state, context.CommonTables).Print(planned.Root);
        if (options.Summary)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"Planning Time: {planningMilliseconds:F3} ms"));
            if (options.Analyze) lines.Add(string.Create(CultureInfo.InvariantCulture, $"Execution Time: {executionMilliseconds:F3} ms"));
        }
        return new StatementResult(ExplainColumns, lines.Select(line => new object?[] { line }).ToList(), "EXPLAIN");
    }
}
