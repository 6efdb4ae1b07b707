using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>System information and settings functions that clients and drivers call.</summary>
internal static partial class BuiltinFunctions
{
    /// <summary>The user and database when no session says otherwise.</summary>
    private const string DefaultUser = "postgres";
    private const string DefaultDatabase = "postgres";

    private static void AddSystem(FunctionRegistry registry)
    {
        Add(registry, "version", [], Text, (_, _) => ServerVersion.Text, Volatility.Stable);
        foreach (string name in new[] { "current_user", "user", "current_role" })
        {
            Add(registry, name, [], Name, (_, context) => context.Statement?.Session is { } session ? Catalog.Authorization.CurrentRoleName(session) : DefaultUser,
                Volatility.Stable);
        }
        Add(registry, "session_user", [], Name, (_, context) => context.Statement?.Session?.UserName ?? DefaultUser, Volatility.Stable);
        Add(registry, "current_database", [], Name, (_, context) => context.Statement?.Session?.DatabaseName ?? DefaultDatabase, Volatility.Stable);
        Add(registry, "current_catalog", [], Name, (_, context) => context.Statement?.Session?.DatabaseName ?? DefaultDatabase, Volatility.Stable);
        Add(registry, "pg_backend_pid", [], Int4, (_, context) => context.Statement?.Session?.ProcessId ?? Environment.ProcessId, Volatility.Stable);
        Add(registry, "pg_sleep", [Float8], Void, Sleep, Volatility.Volatile);
        // There are no advisory locks here, so there is nothing to release.
        Add(registry, "pg_advisory_unlock_all", [], Void, (_, _) => VoidValue, Volatility.Volatile);
        Add(registry, "current_setting", [Text], Text, (arguments, context) => CurrentSetting((string)arguments[0]!, missingOk: false, context), Volatility.Stable);
        Add(registry, "current_setting", [Text, Bool], Text, (arguments, context) => CurrentSetting((string)arguments[0]!, (bool)arguments[1]!, context), Volatility.Stable);
        Add(registry, "set_config", [Text, Text, Bool], Text, SetConfig, Volatility.Volatile, strict: false);
        // pg_typeof returns regtype, which the engine does not have: its text is the type's name, as regtypeout writes it.
        Add(registry, "pg_typeof", [ParameterType.Any], Text, (_, context) => context.ArgumentType(0).DisplayName, Volatility.Stable, strict: false);
        // One 64-bit id per transaction: the session's (its snapshot timestamp), or outside a session the start time in
        // microseconds since the Unix epoch (PostgreSQL's xid8 is not a type here, so pg_current_xact_id is a bigint).
        Add(registry, "txid_current", [], Int8, (_, context) => TransactionId(context), Volatility.Stable);
        Add(registry, "pg_current_xact_id", [], Int8, (_, context) => TransactionId(context), Volatility.Stable);
    }

    /// <summary>pg_sleep blocks its backend in PostgreSQL; here it records the wait in the statement's context, which the
    /// engine awaits, cancellably, before the statement completes. A negative number does not sleep.</summary>
    private static object Sleep(ReadOnlySpan<object?> arguments, EvaluationContext context)
    {
        double seconds = (double)arguments[0]!;
        if (seconds > 0 && context.Statement is { } statement)
        {
            statement.AddSleep(TimeSpan.FromSeconds(Math.Min(seconds, uint.MaxValue / 1000.0)));
        }
        return VoidValue;
    }

    private static object? CurrentSetting(string name, bool missingOk, EvaluationContext context)
    {
        string? value = context.Statement?.Session is { } session ? session.GetSetting(name) : VariableExecutor.DefaultSetting(name);
        if (value is not null) return value;
        if (missingOk) return null;
        throw new SqlException(SqlState.UndefinedObject, $"unrecognized configuration parameter \"{name}\"");
    }

    /// <summary>set_config(name, value, is_local): SET or SET LOCAL; a NULL value resets the setting.</summary>
    private static object? SetConfig(ReadOnlySpan<object?> arguments, EvaluationContext context)
    {
        if (arguments[0] is not string name)
        {
            throw new SqlException("22004", "SET requires parameter name");
        }
        bool isLocal = arguments[2] is true;
        if (context.Statement?.Session is not { } session)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "set_config() needs a session");
        }
        return session.SetSetting(name, arguments[1] as string, isLocal);
    }

    private static object TransactionId(EvaluationContext context)
    {
        if (context.Statement?.Session is { } session) return session.TransactionId;
        DateTime start = context.Statement?.TransactionStartUtc ?? DateTime.UnixEpoch;
        return (start.Ticks - DateTime.UnixEpoch.Ticks) / 10;
    }
}
