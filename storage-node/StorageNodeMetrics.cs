using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Log.StorageNode;

/// <summary>
/// A storage replica's gauges (System.Diagnostics.Metrics), observed when a scrape asks: for each partition it applies
/// (tagged <c>partition</c>), the journal offset it has applied up to and how far behind the partition's end it is (the
/// ends are sampled in the background every <see cref="JournalEndSamplingInterval"/>, so that a scrape never waits on
/// the journal); and the age of its resolved timestamp (the minimum over its partitions). Nothing runs on the apply or
/// read paths. Dispose stops the sampling and removes the gauges.
/// </summary>
public sealed class StorageNodeMetrics : IAsyncDisposable
{
    public const string MeterName = "Log.StorageNode";

    /// <summary>How often the journal's end offsets are asked for.</summary>
    public static readonly TimeSpan JournalEndSamplingInterval = TimeSpan.FromSeconds(2);

    private readonly Meter meter = new(MeterName);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task sampling;
    private readonly IReadOnlyList<int> partitions;
    private readonly long[] journalEndOffsets;

    /// <param name="journalEndOffset">The offset after a partition's last record, asked of the journal.</param>
    public StorageNodeMetrics(StorageNode node, Func<int, CancellationToken, Task<long>> journalEndOffset, TimeProvider time, ILogger logger)
    {
        partitions = node.AppliedPartitions;
        journalEndOffsets = [.. partitions.Select(_ => -1L)];
        meter.CreateObservableGauge("log.storage.applied_offset", () => AppliedOffsets(node), unit: "{record}",
            description: "The journal offset up to which this storage replica has applied, per partition");
        meter.CreateObservableGauge("log.storage.journal_lag", () => JournalLags(node), unit: "{record}",
            description: "Journal records written but not yet applied by this storage replica, per partition");
        meter.CreateObservableGauge("log.storage.resolved_timestamp.age",
            () => Math.Max(0, time.GetUtcNow().ToUnixTimeMilliseconds() - node.ResolvedTimestamp.PhysicalMilliseconds) / 1000.0, unit: "s",
            description: "How far behind the clock this storage replica's resolved timestamp is");
        sampling = SampleAsync(journalEndOffset, logger, stopping.Token);
    }

    private IEnumerable<Measurement<long>> AppliedOffsets(StorageNode node)
    {
        var applied = node.NextOffsets;
        for (var index = 0; index < partitions.Count; index++)
        {
            yield return new Measurement<long>(applied[index], new KeyValuePair<string, object?>("partition", partitions[index]));
        }
    }

    private IEnumerable<Measurement<long>> JournalLags(StorageNode node)
    {
        var applied = node.NextOffsets;
        for (var index = 0; index < partitions.Count; index++)
        {
            long end = Volatile.Read(ref journalEndOffsets[index]);
            // Not known yet: report nothing rather than a made-up lag.
            if (end >= 0)
            {
                yield return new Measurement<long>(Math.Max(0, end - applied[index]), new KeyValuePair<string, object?>("partition", partitions[index]));
            }
        }
    }

    private async Task SampleAsync(Func<int, CancellationToken, Task<long>> endOffset, ILogger logger, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(JournalEndSamplingInterval);
        do
        {
            try
            {
                for (var index = 0; index < partitions.Count; index++)
                {
                    Volatile.Write(ref journalEndOffsets[index], await endOffset(partitions[index], cancellationToken).ConfigureAwait(false));
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogDebug(exception, "Sampling the journal's end offset for the journal lag failed");
            }
        }
        while (await WaitAsync(timer, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        await sampling.ConfigureAwait(false);
        stopping.Dispose();
        meter.Dispose();
    }
}
