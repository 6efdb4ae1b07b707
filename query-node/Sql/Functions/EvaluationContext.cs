using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>
/// What a function's implementation may read besides its arguments: the running statement (its session settings,
/// transaction start time, cancellation) and the bound argument expressions (for the functions whose answer depends on
/// the argument's type, such as pg_typeof). Passed explicitly, so a function never reaches for ambient state.
/// </summary>
internal readonly struct EvaluationContext(StatementContext? statement, IReadOnlyList<BoundExpression> arguments)
{
    /// <summary>The running statement, or null when an expression is computed outside one (a DEFAULT while a table is created).</summary>
    public StatementContext? Statement { get; } = statement;

    public SqlType ArgumentType(int index) => arguments[index].Type;

    public int ArgumentCount => arguments.Count;

    public DateTimeSettings DateTimeSettings => Statement?.DateTimeSettings ?? DateTimeSettings.Default;
}
