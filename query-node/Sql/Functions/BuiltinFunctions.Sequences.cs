using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Executor;

namespace Log.QueryNode.Sql.Functions;

/// <summary>Sequence manipulation functions (nextval, currval, setval, lastval), volatile and not undone by a rollback,
/// as in PostgreSQL. The sequence is named by text (regclass input rules); there is no regclass type here.</summary>
internal static partial class BuiltinFunctions
{
    private static void AddSequences(FunctionRegistry registry)
    {
        Add(registry, "nextval", [Text], Int8, (arguments, context) => Sequences(context).NextValue((string)arguments[0]!, context.Statement!), Volatility.Volatile);
        Add(registry, "currval", [Text], Int8, (arguments, context) => Sequences(context).CurrentValue((string)arguments[0]!, context.Statement!), Volatility.Volatile);
        Add(registry, "lastval", [], Int8, (_, context) => Sequences(context).LastValue(), Volatility.Volatile);
        Add(registry, "setval", [Text, Int8], Int8,
            (arguments, context) => Sequences(context).SetValue((string)arguments[0]!, (long)arguments[1]!, isCalled: true, context.Statement!), Volatility.Volatile);
        Add(registry, "setval", [Text, Int8, Bool], Int8,
            (arguments, context) => Sequences(context).SetValue((string)arguments[0]!, (long)arguments[1]!, (bool)arguments[2]!, context.Statement!), Volatility.Volatile);
    }

    /// <summary>The statement's sequences; where there are some, there is a statement (context.Statement is set).</summary>
    private static SequenceAccess Sequences(EvaluationContext context) =>
        context.Statement?.Sequences ?? throw new SqlException(SqlState.FeatureNotSupported, "sequence functions are not supported here");

    private static CancellationToken Cancellation(EvaluationContext context) => context.Statement?.CancellationToken ?? CancellationToken.None;
}
