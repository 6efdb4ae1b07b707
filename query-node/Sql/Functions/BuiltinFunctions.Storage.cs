using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Executor;

namespace Log.QueryNode.Sql.Functions;

/// <summary>
/// Functions of the sys schema about storage itself. sys.state_digest() is the storage node's state digest (SHA-256 over
/// every visible key and value, in key order, as lowercase hex) at the transaction's snapshot, and
/// sys.state_digest(bigint) at a hybrid timestamp (its 64 bits, as `storage-node -- replay` and `digest` print them).
/// A recovery test compares it with a replay of the journal into a new folder and with a node recovered from a
/// checkpoint. sys.checkpoint() takes a checkpoint now. Reached only by the qualified name, like sys.jobs.
/// </summary>
internal static partial class BuiltinFunctions
{
    public const string SysSchema = "sys";

    /// <summary>The registry name of a sys function (the registry has no schemas; pg_catalog's names are bare).</summary>
    public static string SysName(string name) => $"{SysSchema}.{name}";

    private static void AddStorage(FunctionRegistry registry)
    {
        Add(registry, SysName("state_digest"), [], Text, (_, context) => StateDigest(null, context), Volatility.Stable);
        Add(registry, SysName("state_digest"), [Int8], Text, (arguments, context) => StateDigest((long)arguments[0]!, context), Volatility.Stable);
        Add(registry, SysName("checkpoint"), [], Text, (_, context) => Checkpoint(context), Volatility.Volatile);
    }

    /// <summary>sys.checkpoint(): the storage node takes a checkpoint now (as PostgreSQL's CHECKPOINT forces one), and the
    /// function describes it; NULL when none can be taken at the moment (a large transaction is half applied).</summary>
    private static string? Checkpoint(EvaluationContext context)
    {
        var store = context.Statement?.Store ?? throw new SqlException(SqlState.FeatureNotSupported, "sys.checkpoint is not supported here");
        try
        {
            return store.TakeStorageCheckpoint(Cancellation(context)) is { } checkpoint
                ? $"checkpoint {checkpoint.Sequence} offset {checkpoint.NextOffset} timestamp {checkpoint.ResolvedTimestamp.Value}"
                : null;
        }
        catch (NotSupportedException)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "sys.checkpoint needs a storage node");
        }
    }

    private static string StateDigest(long? timestamp, EvaluationContext context)
    {
        if (timestamp is < 0)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"a hybrid timestamp is not negative: {timestamp}");
        }
        var store = context.Statement?.Store ?? throw new SqlException(SqlState.FeatureNotSupported, "sys.state_digest is not supported here");
        var digest = store.ComputeStateDigest((ulong?)timestamp, Cancellation(context))
            ?? throw new SqlException(SqlState.FeatureNotSupported, "sys.state_digest needs a storage node");
        return Convert.ToHexStringLower(digest);
    }
}
