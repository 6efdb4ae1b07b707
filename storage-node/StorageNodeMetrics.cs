using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Log.StorageNode;

/// <summary>
/// A storage replica's gauges (System.Diagnostics.Metrics), observed when a scrape asks: the journal offset it has
/// applied up to, how far behind the journal's end it is (the end is sampled in the background every
/// <see cref="JournalEndSamplingInterval"/>, so that a scrape never waits on the journal), and the age of its resolved
/// timestamp. Nothing runs on the apply or read paths. Dispose stops the sampling and removes the gauges.
/// </summary>
public sealed class StorageNodeMetrics : IAsyncDisposable
{
    public const string MeterName = "Log.StorageNode";

    /// <summary>How often the journal's end offset is asked for.</summary>
    public static readonly TimeSpan JournalEndSamplingInterval = TimeSpan.FromSeconds(2);

    private readonly Meter meter = new(MeterName);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task sampling;
    private long journalEndOffset = -1;

    /// <param name="journalEndOffset">The offset after the partition's last record, asked of the journal.</param>
    public StorageNodeMetrics(StorageNode node, Func<CancellationToken, Task<long>> journalEndOffset, TimeProvider time, ILogger logger)
    {
        meter.CreateObservableGauge("log.storage.applied_offset", () => node.NextOffset, unit: "{record}",
            description: "The journal offset up to which this storage replica has applied");
        meter.CreateObservableGauge("log.storage.journal_lag", () => JournalLag(node), unit: "{record}",
            description: "Journal records written but not yet applied by this storage replica");
        meter.CreateObservableGauge("log.storage.resolved_timestamp.age",
            () => Math.Max(0, time.GetUtcNow().ToUnixTimeMilliseconds() - node.ResolvedTimestamp.PhysicalMilliseconds) / 1000.0, unit: "s",
            description: "How far behind the clock this storage replica's resolved timestamp is");
        sampling = SampleAsync(journalEndOffset, logger, stopping.Token);
    }

    private IEnumerable<Measurement<long>> JournalLag(StorageNode node)
    {
        long end = Volatile.Read(ref journalEndOffset);
        // Not known yet: report nothing rather than a made-up lag.
        return end < 0 ? [] : [new Measurement<long>(Math.Max(0, end - node.NextOffset))];
    }

    private async Task SampleAsync(Func<CancellationToken, Task<long>> endOffset, ILogger logger, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(JournalEndSamplingInterval);
        do
        {
            try
            {
                Volatile.Write(ref journalEndOffset, await endOffset(cancellationToken).ConfigureAwait(false));
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
