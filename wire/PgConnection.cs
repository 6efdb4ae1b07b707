using System.IO.Pipelines;
using System.Net.Sockets;
using Log.Wire.Protocol.Backend;
using Microsoft.Extensions.Logging;

namespace Log.Wire;

/// <summary>
/// One client connection: its own async loop over a socket (startup, then messages), its
/// session, and its output buffer. Everything that can go wrong here ends this connection
/// only; <see cref="RunAsync"/> never throws.
/// </summary>
internal sealed partial class PgConnection
{
    private readonly PgServer server;
    private readonly PgServerOptions options;
    private readonly ILogger logger;
    private readonly Socket socket;
    private readonly NetworkStream networkStream;
    /// <summary>The network stream, or the TLS stream over it once encryption started.</summary>
    private Stream stream;
    private PipeReader input;
    private PipeWriter output;
    private readonly PgResponseWriter responseWriter;
    /// <summary>Over MaxConnections (53300) or the new-connection rate (53400): the answer to the startup packet, before closing.</summary>
    private readonly PgError? refusal;
    private IPgSession? session;

    // Cancellation of the running query by a CancelRequest on another connection.
    private readonly Lock cancelLock = new();
    private CancellationTokenSource? queryCancellation;
    private bool queryRunning;
    private long queryStartedAt;

    public PgConnection(PgServer server, PgServerOptions options, ILogger logger, Socket socket, int processId, int secretKey, PgError? refusal)
    {
        this.server = server;
        this.options = options;
        this.logger = logger;
        this.socket = socket;
        this.refusal = refusal;
        startedAt = options.TimeProvider.GetTimestamp();
        ProcessId = processId;
        SecretKey = secretKey;
        networkStream = new NetworkStream(socket, ownsSocket: true);
        stream = networkStream;
        (input, output) = CreatePipes(stream);
        responseWriter = new PgResponseWriter(output) { CopyInSource = BeginCopyInAsync };
    }

    public int ProcessId { get; }

    public int SecretKey { get; }

    /// <summary>Set by the server right after it starts the loop.</summary>
    public Task Completion { get; set; } = Task.CompletedTask;

    public async Task RunAsync(CancellationToken serverStopping)
    {
        bool closeGracefully = false;
        try
        {
            using (var startupTimeout = CancellationTokenSource.CreateLinkedTokenSource(serverStopping))
            {
                startupTimeout.CancelAfter(options.StartupTimeout);
                try
                {
                    session = await StartupAsync(startupTimeout.Token);
                }
                catch (OperationCanceledException) when (startupTimeout.IsCancellationRequested && !serverStopping.IsCancellationRequested)
                {
                    await TrySendFatalAsync(PgError.Fatal(PgSqlState.ProtocolViolation, "canceling authentication due to timeout"));
                    closeGracefully = true;
                    return;
                }
            }
            if (session is null)
            {
                closeGracefully = true;
                return;
            }
            queryCancellation = CancellationTokenSource.CreateLinkedTokenSource(serverStopping);
            closeGracefully = await RunMessageLoopAsync(serverStopping);
        }
        catch (OperationCanceledException) when (serverStopping.IsCancellationRequested)
        {
            await TrySendFatalAsync(PgError.Fatal(PgSqlState.AdminShutdown, "terminating connection due to administrator command"));
        }
        catch (Exception exception) when (IsConnectionBroken(exception))
        {
            logger.LogDebug(exception, "Connection {ProcessId} broken", ProcessId);
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Connection {ProcessId} failed", ProcessId);
            await TrySendFatalAsync(PgError.Fatal(PgSqlState.InternalError, "internal error"));
        }
        finally
        {
            await CloseAsync(closeGracefully);
            server.OnConnectionClosed(this);
        }
    }

    /// <summary>Called for a matching CancelRequest: cancels the running query, if any (a request that arrives between queries does nothing, as in PostgreSQL).</summary>
    public void CancelRunningQuery()
    {
        lock (cancelLock)
        {
            if (queryRunning && queryCancellation is { } cancellation)
            {
                cancellation.Cancel();
            }
        }
    }

    /// <summary>Forcibly closes the socket, ending any pending read or write (used when shutdown runs out of time).</summary>
    public void Abort()
    {
        try
        {
            socket.Dispose();
        }
        catch (Exception exception)
        {
            logger.LogDebug(exception, "Aborting connection {ProcessId}", ProcessId);
        }
    }

    private CancellationToken BeginQuery()
    {
        queryStartedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        lock (cancelLock)
        {
            queryRunning = true;
            return queryCancellation!.Token;
        }
    }

    private void EndQuery(CancellationToken serverStopping)
    {
        PgServerMetrics.StatementDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(queryStartedAt).TotalSeconds);
        lock (cancelLock)
        {
            queryRunning = false;
            if (queryCancellation!.IsCancellationRequested && !serverStopping.IsCancellationRequested)
            {
                queryCancellation.Dispose();
                queryCancellation = CancellationTokenSource.CreateLinkedTokenSource(serverStopping);
            }
        }
    }

    private static bool IsConnectionBroken(Exception exception) =>
        exception is IOException or SocketException or ObjectDisposedException;

    private async ValueTask SendFatalAsync(PgError error, CancellationToken cancellationToken)
    {
        BackendMessages.WriteErrorResponse(output, error with { Severity = "FATAL" });
        await responseWriter.FlushAsync(cancellationToken);
    }

    /// <summary>Best effort: the client may already be gone.</summary>
    private async ValueTask TrySendFatalAsync(PgError error)
    {
        try
        {
            using var timeout = new CancellationTokenSource(options.CloseDrainTimeout);
            await SendFatalAsync(error, timeout.Token);
        }
        catch (Exception exception)
        {
            logger.LogDebug(exception, "Could not send FATAL to connection {ProcessId}", ProcessId);
        }
    }

    private async ValueTask CloseAsync(bool graceful)
    {
        if (portals.Count > 0)
        {
            await DropPortalsAsync();
        }
        if (session is not null)
        {
            PgServerMetrics.Sessions.Add(-1);
            try
            {
                await session.DisposeAsync();
            }
            catch (Exception exception)
            {
                logger.LogError(exception, "Disposing the session of connection {ProcessId} failed", ProcessId);
            }
        }
        try
        {
            await output.CompleteAsync();
            if (graceful && stream is System.Net.Security.SslStream tls)
            {
                using var notifyTimeout = new CancellationTokenSource(options.CloseDrainTimeout);
                await tls.ShutdownAsync().WaitAsync(notifyTimeout.Token);
            }
            if (graceful)
            {
                // Send FIN, then read and drop what the client still sends for a moment: closing a
                // socket with unread input makes TCP send RST, and the client could lose our last
                // message (usually the FATAL error that explains why we close).
                socket.Shutdown(SocketShutdown.Send);
                using var timeout = new CancellationTokenSource(options.CloseDrainTimeout);
                long drained = 0;
                while (drained < options.CloseDrainMaxBytes)
                {
                    ReadResult result = await input.ReadAsync(timeout.Token);
                    drained += result.Buffer.Length;
                    input.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        break;
                    }
                }
            }
        }
        catch (Exception exception)
        {
            logger.LogDebug(exception, "Closing connection {ProcessId}", ProcessId);
        }
        try
        {
            await input.CompleteAsync();
        }
        catch (Exception exception)
        {
            logger.LogDebug(exception, "Closing connection {ProcessId}", ProcessId);
        }
        await stream.DisposeAsync();
        await networkStream.DisposeAsync();
        lock (cancelLock)
        {
            queryCancellation?.Dispose();
            queryCancellation = null;
        }
        DisposeLifetime();
    }
}
