using Log.Journal.Time;
using Microsoft.Extensions.Logging;

namespace Log.Adjudicator;

/// <summary>Log messages of the shard, defined once so that logging allocates nothing when off.</summary>
internal static class AdjudicatorLog
{
    private static readonly Action<ILogger, int, int, long, long, long, int, Exception?> StartedMessage =
        LoggerMessage.Define<int, int, long, long, long, int>(LogLevel.Information, new EventId(1, "Started"),
            "Adjudicator shard {Shard} started on partition {Partition} at epoch {Epoch} (epoch start offset {Offset}), replayed {RecordCount} records, window holds {KeyCount} keys");

    private static readonly Action<ILogger, int, Exception?> AppendRefusedMessage =
        LoggerMessage.Define<int>(LogLevel.Warning, new EventId(2, "AppendRefused"),
            "Adjudicator shard {Shard}: the journal did not take a record; that transaction failed and the shard goes on");

    private static readonly Action<ILogger, int, Exception?> AppendFailedMessage =
        LoggerMessage.Define<int>(LogLevel.Error, new EventId(5, "AppendFailed"),
            "Adjudicator shard {Shard} failed to append to its partition after the record may have been written; it stops deciding and must be rebuilt from the journal");

    private static readonly Action<ILogger, int, int, int, Exception?> StagingFailedMessage =
        LoggerMessage.Define<int, int, int>(LogLevel.Warning, new EventId(6, "StagingFailed"),
            "Adjudicator shard {Shard}: appending the fragments of a large transaction failed (attempt {Attempt} of {Attempts})");

    private static readonly Action<ILogger, int, int, Exception?> RebuildingMessage =
        LoggerMessage.Define<int, int>(LogLevel.Warning, new EventId(7, "Rebuilding"),
            "Adjudicator shard {Shard} faulted; rebuilding it from journal partition {Partition}");

    private static readonly Action<ILogger, int, Exception?> RebuildFailedMessage =
        LoggerMessage.Define<int>(LogLevel.Error, new EventId(8, "RebuildFailed"),
            "Adjudicator shard {Shard}: rebuilding from the journal failed; trying again");

    private static readonly Action<ILogger, int, HybridTimestamp, Exception?> TrimmedMessage =
        LoggerMessage.Define<int, HybridTimestamp>(LogLevel.Debug, new EventId(3, "Trimmed"),
            "Adjudicator shard {Shard} trimmed its conflict window to {Horizon}");

    private static readonly Action<ILogger, int, long, long, Exception?> SkippedFencedRecordsMessage =
        LoggerMessage.Define<int, long, long>(LogLevel.Warning, new EventId(9, "SkippedFencedRecords"),
            "Adjudicator shard {Shard}: offsets {From} to {Until} (exclusive) hold records of a fenced writer, which every reader ignores");

    public static void SkippedFencedRecords(ILogger logger, int shard, long from, long until) =>
        SkippedFencedRecordsMessage(logger, shard, from, until, null);

    private static readonly Action<ILogger, int, Exception?> StoppedMessage =
        LoggerMessage.Define<int>(LogLevel.Information, new EventId(4, "Stopped"),
            "Adjudicator shard {Shard} stopped");

    public static void Started(ILogger logger, int shard, int partition, long epoch, long offset, long recordCount, int keyCount) =>
        StartedMessage(logger, shard, partition, epoch, offset, recordCount, keyCount, null);

    private static readonly Action<ILogger, int, long, long, long, Exception?> StartStepsMessage =
        LoggerMessage.Define<int, long, long, long>(LogLevel.Information, new EventId(10, "StartSteps"),
            "Adjudicator shard {Shard} start: EpochStart appended in {AppendMs} ms, the partition's tail read in {TailMs} ms, the rest in {RestMs} ms");

    private static readonly Action<ILogger, int, long, long, int, long, Exception?> EarlierLivesReadMessage =
        LoggerMessage.Define<int, long, long, int, long>(LogLevel.Information, new EventId(11, "EarlierLivesRead"),
            "Adjudicator shard {Shard} read the decisions of its earlier lives (offsets {FromOffset} to {EpochStartOffset}): {Remembered} commits remembered, in {ReadMs} ms");

    /// <summary>The background read of the partition's recent part a start begins (<c>ReadEarlierLifeOutcomesAsync</c>) has ended.</summary>
    public static void EarlierLivesRead(ILogger logger, int shard, long fromOffset, long epochStartOffset, int remembered, TimeSpan took) =>
        EarlierLivesReadMessage(logger, shard, fromOffset, epochStartOffset, remembered, (long)took.TotalMilliseconds, null);

    /// <summary>How long a start's steps took, for the reader of a slow start.</summary>
    public static void StartSteps(ILogger logger, int shard, TimeSpan append, TimeSpan tail, TimeSpan rest) =>
        StartStepsMessage(logger, shard, (long)append.TotalMilliseconds, (long)tail.TotalMilliseconds, (long)rest.TotalMilliseconds, null);

    public static void AppendFailed(ILogger logger, int shard, bool certainlyAbsent, Exception exception)
    {
        if (certainlyAbsent)
        {
            AppendRefusedMessage(logger, shard, exception);
        }
        else
        {
            AppendFailedMessage(logger, shard, exception);
        }
    }

    public static void StagingFailed(ILogger logger, int shard, int attempt, int attempts, Exception exception) =>
        StagingFailedMessage(logger, shard, attempt, attempts, exception);

    public static void Rebuilding(ILogger logger, int shard, int partition, Exception cause) =>
        RebuildingMessage(logger, shard, partition, cause);

    public static void RebuildFailed(ILogger logger, int shard, Exception exception) =>
        RebuildFailedMessage(logger, shard, exception);

    public static void Trimmed(ILogger logger, int shard, HybridTimestamp horizon) =>
        TrimmedMessage(logger, shard, horizon, null);

    public static void Stopped(ILogger logger, int shard) => StoppedMessage(logger, shard, null);
}
