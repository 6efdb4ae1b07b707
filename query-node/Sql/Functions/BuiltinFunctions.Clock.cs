using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>The current date and time. now(), current_timestamp, transaction_timestamp(), current_date and
/// localtimestamp are the transaction's start (stable: the same in every statement of the transaction);
/// statement_timestamp() the statement's start; clock_timestamp() the wall clock at each call (volatile).</summary>
internal static partial class BuiltinFunctions
{
    /// <summary>PostgreSQL's MAX_TIMESTAMP_PRECISION.</summary>
    private const int TimestampPrecisionMax = 6;

    private static void AddClock(FunctionRegistry registry)
    {
        foreach (string name in new[] { "now", "transaction_timestamp", "current_timestamp" })
        {
            Add(registry, name, [], TimestampTz, (_, context) => TransactionStart(context), Volatility.Stable);
        }
        Add(registry, "current_timestamp", [Int4], TimestampTz,
            (arguments, context) => RoundToPrecision(TransactionStart(context), (int)arguments[0]!, "CURRENT_TIMESTAMP"), Volatility.Stable);
        Add(registry, "statement_timestamp", [], TimestampTz,
            (_, context) => context.Statement?.StatementStartUtc ?? StatementContextClock(), Volatility.Stable);
        Add(registry, "clock_timestamp", [], TimestampTz, (_, context) => context.Statement?.ClockUtc() ?? StatementContextClock(), Volatility.Volatile);
        Add(registry, "current_date", [], Date, (_, context) => DateOnly.FromDateTime(context.DateTimeSettings.ToLocal(TransactionStart(context))), Volatility.Stable);
        Add(registry, "localtimestamp", [], Timestamp, (_, context) => context.DateTimeSettings.ToLocal(TransactionStart(context)), Volatility.Stable);
        Add(registry, "localtimestamp", [Int4], Timestamp,
            (arguments, context) => RoundToPrecision(context.DateTimeSettings.ToLocal(TransactionStart(context)), (int)arguments[0]!, "LOCALTIMESTAMP"), Volatility.Stable);
        // current_time (time with time zone) is in BuiltinFunctions.TimeTz, localtime in BuiltinFunctions.Interval.
    }

    private static DateTime TransactionStart(EvaluationContext context) => context.Statement?.TransactionStartUtc ?? StatementContextClock();

    private static DateTime StatementContextClock() => Executor.StatementContext.TruncateToMicroseconds(DateTime.UtcNow);

    /// <summary>CURRENT_TIMESTAMP(p): rounded to p fractional digits; p above 6 is taken as 6 (PostgreSQL warns).</summary>
    private static DateTime RoundToPrecision(DateTime value, int precision, string name)
    {
        if (precision < 0)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"{name}({precision}) precision must not be negative");
        }
        precision = Math.Min(precision, TimestampPrecisionMax);
        long unit = TimeSpan.TicksPerSecond;
        for (int digit = 0; digit < precision; digit++) unit /= 10;
        long ticks = value.Ticks;
        long remainder = ticks % unit;
        ticks -= remainder;
        if (remainder * 2 >= unit) ticks += unit;
        return new DateTime(ticks, value.Kind);
    }
}
