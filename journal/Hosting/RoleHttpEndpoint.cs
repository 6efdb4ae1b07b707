using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Log.Journal.Hosting;

/// <summary>
/// A role's HTTP endpoint for operators and orchestrators: <c>/healthz</c> answers 200 while the process serves
/// (liveness), <c>/readyz</c> 200 once the role is ready (storage caught up, say) and 503 before, and <c>/metrics</c>
/// the role's System.Diagnostics.Metrics meters in Prometheus text format, through OpenTelemetry's exporter. Both are
/// HttpListeners on one port (the exporter's at /metrics, ours at the two probes), so the exporter stays unmodified.
/// Start once; DisposeAsync stops both.
/// </summary>
public sealed class RoleHttpEndpoint : IAsyncDisposable
{
    public const string HealthPath = "/healthz";
    public const string ReadyPath = "/readyz";
    public const string MetricsPath = "/metrics";

    /// <summary>Printed when the endpoint listens; tests and scripts find the port after it.</summary>
    public const string ListeningMarker = "Health and metrics on";

    private readonly string serviceName;
    private readonly IPAddress address;
    private readonly int requestedPort;
    private readonly IReadOnlyList<string> meterNames;
    private readonly Func<bool> isReady;
    private readonly Func<string>? describe;
    private readonly ILogger logger;
    private readonly HttpListener probes = new();
    private MeterProvider? metrics;
    private Task serving = Task.CompletedTask;

    /// <param name="serviceName">The role, as the metrics' service.name (target_info): log, log-adjudicator, ...</param>
    /// <param name="port">0 picks a free port (read <see cref="Port"/> after start).</param>
    /// <param name="meterNames">The meters to export (each role's MeterName).</param>
    /// <param name="isReady">Asked at each /readyz.</param>
    /// <param name="describe">Lines added to the answers of /healthz and /readyz (where a storage replica stands in each
    /// partition, say); null: none.</param>
    public RoleHttpEndpoint(string serviceName, IPAddress address, int port, IReadOnlyList<string> meterNames, Func<bool> isReady, ILogger logger,
        Func<string>? describe = null)
    {
        this.describe = describe;
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        this.serviceName = serviceName;
        this.address = address;
        requestedPort = port;
        this.meterNames = meterNames;
        this.isReady = isReady;
        this.logger = logger;
    }

    /// <summary>The port listened on, once started.</summary>
    public int Port { get; private set; }

    /// <summary>The base address, for example http://127.0.0.1:9464, once started.</summary>
    public string BaseAddress => $"http://{UriHost(address)}:{Port}";

    /// <summary>Starts an endpoint and prints <see cref="ListeningMarker"/> and its address on standard output (scripts and
    /// tests find the port there); the caller disposes it.</summary>
    public static async Task<RoleHttpEndpoint> StartAndAnnounceAsync(string serviceName, IPAddress address, int port,
        IReadOnlyList<string> meterNames, Func<bool> isReady, ILogger logger, Func<string>? describe = null)
    {
        var endpoint = new RoleHttpEndpoint(serviceName, address, port, meterNames, isReady, logger, describe);
        endpoint.Start();
        await Console.Out.WriteLineAsync($"{ListeningMarker} {endpoint.BaseAddress}");
        return endpoint;
    }

    public void Start()
    {
        // HttpListener cannot bind port 0: a free one is found by binding a socket and letting it go. Another process
        // could take it in between; starting again picks another.
        Port = requestedPort != 0 ? requestedPort : FreePort(address);
        string prefixHost = address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) ? "*" : UriHost(address);
        probes.Prefixes.Add($"http://{prefixHost}:{Port}{HealthPath}/");
        probes.Prefixes.Add($"http://{prefixHost}:{Port}{ReadyPath}/");
        probes.Start();
        try
        {
            metrics = Sdk.CreateMeterProviderBuilder()
                .ConfigureResource(resource => resource.AddService(serviceName))
                .AddMeter([.. meterNames])
                .AddPrometheusHttpListener(exporter =>
                {
                    exporter.Host = prefixHost;
                    exporter.Port = Port;
                    exporter.ScrapeEndpointPath = MetricsPath;
                    // Every scrape sees the counters as they are (a scrape every few seconds costs little).
                    exporter.ScrapeResponseCacheDurationMilliseconds = 0;
                })
                .Build();
        }
        catch
        {
            probes.Close();
            throw;
        }
        serving = Task.Run(ServeProbesAsync);
        logger.LogInformation("{Marker} {BaseAddress} ({Health}, {Ready}, {Metrics})", ListeningMarker, BaseAddress, HealthPath, ReadyPath, MetricsPath);
    }

    private async Task ServeProbesAsync()
    {
        while (probes.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await probes.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            try
            {
                string path = context.Request.Url?.AbsolutePath.TrimEnd('/') ?? "";
                (int status, string body) = path switch
                {
                    HealthPath => (200, "ok\n"),
                    ReadyPath => isReady() ? (200, "ready\n") : (503, "not ready\n"),
                    _ => (404, "not found\n"),
                };
                if (status != 404 && describe is not null)
                {
                    body += describe();
                }
                byte[] bytes = Encoding.UTF8.GetBytes(body);
                context.Response.StatusCode = status;
                context.Response.ContentType = "text/plain; charset=utf-8";
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
                context.Response.Close();
            }
            catch (Exception exception) when (exception is HttpListenerException or IOException or ObjectDisposedException)
            {
                logger.LogDebug(exception, "Answering a health probe failed");
            }
        }
    }

    private static int FreePort(IPAddress address)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static string UriHost(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    public async ValueTask DisposeAsync()
    {
        metrics?.Dispose();
        if (probes.IsListening)
        {
            probes.Stop();
        }
        probes.Close();
        await serving.ConfigureAwait(false);
    }
}
