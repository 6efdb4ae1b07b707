using Log.Journal.Node;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Log.Journal.Hosting;

/// <summary>
/// Runs a <see cref="JournalNode"/> inside a generic host: started with the host, stopped (its
/// logs committed and closed) when the host stops. Used by the standalone journal process and
/// usable by any host that embeds the journal node.
/// </summary>
public sealed class JournalNodeService(JournalNodeOptions options, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private JournalNode? node;

    /// <summary>The running node, once started.</summary>
    public JournalNode Node => node ?? throw new InvalidOperationException("The journal node is not started.");

    /// <summary>Writes the ready line on standard output once listening (for scripts and tests that start the process).</summary>
    public bool WriteReadyLine { get; init; }

    /// <summary>The HTTP port of /healthz, /readyz and /metrics (Prometheus: each partition's end and start offsets); 0 picks
    /// a free one (printed at start). Null: no HTTP endpoint.</summary>
    public int? HttpPort { get; init; }

    private RoleHttpEndpoint? httpEndpoint;
    private JournalNodeMetrics? metrics;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = new JournalNode(options, loggerFactory.CreateLogger<JournalNode>());
        try
        {
            await started.StartAsync(cancellationToken);
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
        node = started;
        if (HttpPort is int httpPort)
        {
            metrics = started.CreateMetrics();
            httpEndpoint = await RoleHttpEndpoint.StartAndAnnounceAsync("log-journal", options.ListenAddress, httpPort, [JournalNodeMetrics.MeterName],
                () => Volatile.Read(ref node) is not null, loggerFactory.CreateLogger<RoleHttpEndpoint>());
        }
        if (WriteReadyLine)
        {
            await Console.Out.WriteLineAsync($"Journal node is ready: kafka={started.BootstrapServers} data={Path.GetFullPath(options.DataDirectory)}");
            await Console.Out.FlushAsync(cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await StopHttpEndpointAsync();
        var running = Interlocked.Exchange(ref node, null);
        if (running is not null)
        {
            await running.DisposeAsync().AsTask().WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopHttpEndpointAsync();
        var running = Interlocked.Exchange(ref node, null);
        if (running is not null) await running.DisposeAsync();
    }

    private async Task StopHttpEndpointAsync()
    {
        if (Interlocked.Exchange(ref httpEndpoint, null) is { } endpoint) await endpoint.DisposeAsync();
        Interlocked.Exchange(ref metrics, null)?.Dispose();
    }
}
