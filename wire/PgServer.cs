using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Wire;

/// <summary>
/// The PostgreSQL v3 protocol server: accepts sockets and runs each connection on its own
/// async loop, handing query text to the sessions that <see cref="IPgSessionFactory"/> makes.
/// Start once with <see cref="StartAsync"/>; <see cref="DisposeAsync"/> stops accepting,
/// tells every connection FATAL 57P01, waits up to ShutdownTimeout, then cuts the rest.
/// </summary>
public sealed class PgServer : IAsyncDisposable
{
    private readonly PgServerOptions options;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    /// <summary>Live connections by process id: for CancelRequest, the connection limit and shutdown.</summary>
    private readonly ConcurrentDictionary<int, PgConnection> connections = new();
    private Socket? listener;
    private Task acceptLoop = Task.CompletedTask;
    private int connectionCount;

    /// <summary>Connections waiting in poll() for their next message (<see cref="PgServerOptions.InputPollingConnectionsMax"/>),
    /// counted over every server of the process: each holds a worker of the one thread pool.</summary>
    internal static int pollingConnections;
    private readonly ConnectionRateLimit newConnections;
    /// <summary>What TLS presents; replaced whole by <see cref="ReloadCertificate"/>, read once per handshake.</summary>
    private volatile SslStreamCertificateContext? certificateContext;
    private int nextProcessId;
    private int disposed;

    public PgServer(PgServerOptions options, IPgSessionFactory sessions, ILogger<PgServer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sessions);
        options.Validate();
        this.options = options;
        Sessions = sessions;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        newConnections = new ConnectionRateLimit(options.NewConnectionsPerSecond, options.NewConnectionsBurst, options.TimeProvider);
        // Process ids look like PostgreSQL's (positive, not starting at 1) and stay unique for this server.
        nextProcessId = RandomNumberGenerator.GetInt32(1_000, 1_000_000);
    }

    /// <summary>The port actually bound (useful with Port = 0); 0 before start.</summary>
    public int Port { get; private set; }

    /// <summary>Connections currently open, including those being refused.</summary>
    public int ConnectionCount => Volatile.Read(ref connectionCount);

    internal IPgSessionFactory Sessions { get; }

    /// <summary>The TLS certificate, set at start when TLS is enabled; null: SSLRequest is answered 'N'.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate => certificateContext?.TargetCertificate;

    /// <summary>What the next TLS handshake presents; null when TLS is off.</summary>
    internal SslStreamCertificateContext? CertificateContext => certificateContext;

    /// <summary>
    /// Reads the certificate again (the configured files, or the generated ones, renewed if due): the next connection
    /// gets it, open ones keep theirs. On failure the server keeps the certificate it has, as PostgreSQL does when a
    /// reload finds a broken SSL configuration. Returns what went wrong, or null.
    /// </summary>
    public string? ReloadCertificate()
    {
        if (!options.EnableTls)
        {
            return "TLS is off";
        }
        try
        {
            certificateContext = PgCertificates.Load(options, logger);
            logger.LogInformation("TLS certificate reloaded: {Subject}, valid until {NotAfter}", Certificate!.Subject, Certificate.NotAfter);
            return null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException or InvalidDataException)
        {
            logger.LogError(exception, "The TLS certificate was not reloaded; connections keep getting the previous one");
            return exception.Message;
        }
    }

    /// <summary>Binds and starts accepting. Returns once the socket listens.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (listener is not null)
        {
            throw new InvalidOperationException("the server is already started");
        }
        if (options.EnableTls)
        {
            certificateContext = PgCertificates.Load(options, logger);
        }
        var socket = new Socket(options.ListenAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (options.ListenAddress.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }
            if (!OperatingSystem.IsWindows())
            {
                // Lets a restarted server bind while old connections sit in TIME_WAIT.
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }
            socket.Bind(new IPEndPoint(options.ListenAddress, options.Port));
            socket.Listen(options.ListenBacklog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        listener = socket;
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        logger.LogInformation("PostgreSQL protocol listening on {Address}:{Port}", options.ListenAddress, Port);
        acceptLoop = Task.Run(() => AcceptLoopAsync(socket, stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task AcceptLoopAsync(Socket listenSocket, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listenSocket.AcceptAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException exception)
            {
                // For example out of file descriptors: wait a little rather than spin.
                logger.LogWarning(exception, "Accepting a connection failed");
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            StartConnection(socket, cancellationToken);
        }
    }

    private void StartConnection(Socket socket, CancellationToken cancellationToken)
    {
        int count = Interlocked.Increment(ref connectionCount);
        if (count > options.MaxConnections + options.MaxRefusedConnectionsInFlight)
        {
            Interlocked.Decrement(ref connectionCount);
            socket.Dispose();
            return;
        }
        // Every accepted socket counts against the rate, whether it is then refused or not.
        bool rateExceeded = !newConnections.TryTake();
        PgError? refusal = count > options.MaxConnections
            ? PgError.Fatal(PgSqlState.TooManyConnections, "sorry, too many clients already")
            : rateExceeded
                ? PgError.Fatal(PgSqlState.ConfiguredLimitExceeded, "Unable to accept connection, rate exceeded.") with
                {
                    Detail = $"At most {options.NewConnectionsPerSecond} new connections per second are accepted, in bursts of at most {options.NewConnectionsBurst}.",
                    Hint = "Retry after a short wait, and reuse connections through a pool.",
                }
                : null;
        try
        {
            socket.NoDelay = true;
            // Only this loop adds connections, so an id found free here stays free until TryAdd.
            int processId;
            do
            {
                processId = Interlocked.Increment(ref nextProcessId) & int.MaxValue;
            }
            while (processId == 0 || connections.ContainsKey(processId));
            int secretKey = RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
            var connection = new PgConnection(this, options, logger, socket, processId, secretKey, refusal);
            if (!connections.TryAdd(processId, connection))
            {
                throw new InvalidOperationException($"process id {processId} is already in use");
            }
            connection.Completion = Task.Run(() => connection.RunAsync(cancellationToken), CancellationToken.None);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Starting a connection failed");
            Interlocked.Decrement(ref connectionCount);
            socket.Dispose();
        }
    }

    internal void OnConnectionClosed(PgConnection connection)
    {
        if (connections.TryRemove(new KeyValuePair<int, PgConnection>(connection.ProcessId, connection)))
        {
            Interlocked.Decrement(ref connectionCount);
        }
    }

    /// <summary>A CancelRequest: cancel the named connection's running query if the secret matches.</summary>
    internal void OnCancelRequest(int processId, int secretKey)
    {
        if (connections.TryGetValue(processId, out PgConnection? connection) && connection.SecretKey == secretKey)
        {
            connection.CancelRunningQuery();
        }
        // As in PostgreSQL, nothing is sent back either way.
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        await stopping.CancelAsync();
        listener?.Dispose();
        await acceptLoop;

        Task[] running = connections.Values.Select(connection => connection.Completion).ToArray();
        try
        {
            await Task.WhenAll(running).WaitAsync(options.ShutdownTimeout);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("{Count} connections did not close within {Timeout}; cutting them", connections.Count, options.ShutdownTimeout);
            foreach (PgConnection connection in connections.Values)
            {
                connection.Abort();
            }
            await Task.WhenAll(connections.Values.Select(connection => connection.Completion));
        }
        stopping.Dispose();
    }
}
