using Log.Journal.Time;
using Microsoft.Extensions.Logging;

namespace Log.Adjudicator;

/// <summary>Log messages of the shard, defined once so that logging allocates nothing when off.</summary>
internal static class AdjudicatorLog
{
    private static readonly Action<ILogger, int, int, long, long, long, int, Exception?> StartedMessage =
        LoggerMessage.Define<int, int, long, long, long, int>(LogLevel.Information, new EventId(1, "Started"),
            "Adjudicator shard {Shard} started on partition {Partition} at epoch {Epoch} (epoch start offset {Offset}), replayed {RecordCount} records, window holds {KeyCount} keys");

    private static readonly Action<ILogger, int, Exception?> AppendFailedMessage =
        LoggerMessage.Define<int>(LogLevel.Error, new EventId(2, "AppendFailed"),
            "Adjudicator shard {Shard} failed to append to its partition and stops serving");

    private static readonly Action<ILogger, int, HybridTimestamp, Exception?> TrimmedMessage =
        LoggerMessage.Define<int, HybridTimestamp>(LogLevel.Debug, new EventId(3, "Trimmed"),
            "Adjudicator shard {Shard} trimmed its conflict window to {Horizon}");

    private static readonly Action<ILogger, int, Exception?> StoppedMessage =
        LoggerMessage.Define<int>(LogLevel.Information, new EventId(4, "Stopped"),
            "Adjudicator shard {Shard} stopped");

    public static void Started(ILogger logger, int shard, int partition, long epoch, long offset, long recordCount, int keyCount) =>
        StartedMessage(logger, shard, partition, epoch, offset, recordCount, keyCount, null);

    public static void AppendFailed(ILogger logger, int shard, Exception exception) =>
        AppendFailedMessage(logger, shard, exception);

    public static void Trimmed(ILogger logger, int shard, HybridTimestamp horizon) =>
        TrimmedMessage(logger, shard, horizon, null);

    public static void Stopped(ILogger logger, int shard) => StoppedMessage(logger, shard, null);
}
