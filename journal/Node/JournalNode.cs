using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Log.Journal.Client;
using Log.Journal.Node.Groups;
using Log.Journal.Node.Protocol;
using Log.Journal.Node.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Journal.Node;

/// <summary>
/// The journal node: a single-broker server that speaks enough of the Kafka protocol for
/// librdkafka (Confluent.Kafka, kcat) to produce and consume unchanged, storing each partition in
/// a FASTER log (see <see cref="PartitionLog"/>).
///
/// Contract: a produce is acknowledged only after its batch is committed to disk; fetches serve
/// only committed batches; a restart on the same data directory serves every acknowledged record
/// at the same offset.
///
/// Threading: one accept loop; per connection, a thread that reads each request, runs its
/// synchronous part (offset assignment for produce happens there, in request order), flushes
/// what it appended once the client has no further request waiting, and sends the responses
/// strictly in request order (see <see cref="Connection"/>). Bad input closes only the
/// connection that sent it.
/// </summary>
public sealed partial class JournalNode : IAsyncDisposable
{
    private readonly JournalNodeOptions options;
    private readonly ILogger logger;
    private readonly TopicStore topics;
    private readonly GroupCoordinator groups;
    private CommittedOffsetStore committedOffsets = null!;
    private Task? groupExpiryLoop;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<long, (Socket Socket, Task Served)> connections = new();
    private Socket? listener;
    private readonly List<Socket> extraListeners = [];
    private readonly List<Task> extraAcceptLoops = [];
    private Task? acceptLoop;
    private long nextConnectionId;
    private long nextProducerId;
    private int disposed;

    public JournalNode(JournalNodeOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        this.logger = logger ?? NullLogger.Instance;
        topics = new TopicStore(options, this.logger);
        groups = new GroupCoordinator(new GroupCoordinatorLimits(
            options.GroupMinimumSessionTimeoutMs,
            options.GroupMaximumSessionTimeoutMs,
            options.GroupInitialRebalanceDelayMs,
            options.MaxConsumerGroups,
            options.MaxMembersPerGroup), options.TimeProvider);
    }

    /// <summary>The bound port, once started.</summary>
    public int Port { get; private set; }

    public string AdvertisedHost => options.AdvertisedHost
        ?? (options.ListenAddress.Equals(IPAddress.Any) || options.ListenAddress.Equals(IPAddress.IPv6Any)
            ? "127.0.0.1"
            : options.ListenAddress.ToString());

    /// <summary>The port clients are told to connect to: <see cref="JournalNodeOptions.AdvertisedPort"/> or the bound port.</summary>
    public int AdvertisedPort => options.AdvertisedPort ?? Port;

    public string BootstrapServers => $"{AdvertisedHost}:{AdvertisedPort}";

    /// <summary>Opens the topics found in the data directory, then starts listening.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (listener is not null)
        {
            throw new InvalidOperationException("The journal node is already started.");
        }
        cancellationToken.ThrowIfCancellationRequested();
        ThreadPool.GetMinThreads(out var workerThreads, out var completionPortThreads);
        if (workerThreads < options.MinimumThreadPoolWorkerThreads)
        {
            ThreadPool.SetMinThreads(options.MinimumThreadPoolWorkerThreads, completionPortThreads);
        }
        topics.OpenExisting();
        committedOffsets = new CommittedOffsetStore(options.DataDirectory, options.MaxCommittedOffsets, logger);
        var maximumSeen = -1L;
        foreach (var topic in topics.TopicNames())
        {
            foreach (var partition in topics.Find(topic) ?? [])
            {
                maximumSeen = Math.Max(maximumSeen, partition.MaximumProducerIdSeen);
            }
        }
        // Producer ids only grow: past every id in the logs, and past any id handed out before a
        // restart (time-based, 256 per millisecond) even when that producer never wrote.
        nextProducerId = Math.Max(maximumSeen + 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() << 8);

        var socket = Bind(options.Port);
        listener = socket;
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        acceptLoop = Task.Run(() => AcceptLoopAsync(socket, AdvertisedPort, stopping.Token), CancellationToken.None);
        foreach (var (port, advertisedPort) in options.ExtraListeners)
        {
            var extra = Bind(port);
            extraListeners.Add(extra);
            extraAcceptLoops.Add(Task.Run(() => AcceptLoopAsync(extra, advertisedPort, stopping.Token), CancellationToken.None));
        }
        groupExpiryLoop = Task.Run(() => ExpireGroupMembersAsync(stopping.Token), CancellationToken.None);
        logger.LogInformation("Journal node listening on {Address}:{Port}, data in {DataDirectory}",
            options.ListenAddress, Port, options.DataDirectory);
        return Task.CompletedTask;
    }

    private Socket Bind(int port)
    {
        var socket = new Socket(options.ListenAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(options.ListenAddress, port));
            socket.Listen(512);
            return socket;
        }
        catch
        {
            socket.Dispose();
            foreach (var extra in extraListeners)
            {
                extra.Dispose();
            }
            listener?.Dispose();
            throw;
        }
    }

    /// <summary>Creates a topic; returns a Kafka error code (0, or TOPIC_ALREADY_EXISTS, ...).</summary>
    public short CreateTopic(string topic, int partitionCount) => topics.Create(topic, partitionCount);

    /// <summary>Gauges of this node's partitions for /metrics (<see cref="JournalNodeMetrics"/>); the caller disposes them.</summary>
    public JournalNodeMetrics CreateMetrics() => new(topics);

    /// <summary>The end offsets of <paramref name="topic"/>'s partitions read in this process, with no round trip: what
    /// ListOffsets answers (the high watermark, which moves only once records are durable and before their producer is
    /// acknowledged). For roles hosted beside the node.</summary>
    public IJournalEndOffsets EndOffsetsOf(string topic) => new InProcessEndOffsets(topics, topic);

    /// <summary>A writer of <paramref name="topic"/>'s partitions that appends in this process, with no Kafka client or
    /// round trip (<see cref="InProcessJournalWriter"/>), creating the topic with <paramref name="partitionCount"/>
    /// partitions at the first append if it does not exist. For roles hosted beside the node.</summary>
    public IJournalWriter WriterOf(string topic, int partitionCount) =>
        new InProcessJournalWriter(topics, topic, partitionCount, options.MaxBatchBytes, options.TimeProvider);

    /// <summary>A reader of <paramref name="topic"/>'s partitions in this process, with no Kafka client or round trip
    /// (<see cref="InProcessJournalReader"/>). For roles hosted beside the node.</summary>
    public IJournalReader ReaderOf(string topic) => new InProcessJournalReader(topics, topic);

    private sealed class InProcessEndOffsets(TopicStore topics, string topic) : IJournalEndOffsets
    {
        public Task<long> GetEndOffsetAsync(int partition, CancellationToken cancellationToken) =>
            // A partition not created yet holds no record.
            Task.FromResult(topics.Find(topic, partition)?.HighWatermark ?? 0);
    }

    private async Task ExpireGroupMembersAsync(CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromMilliseconds(options.GroupExpiryCheckIntervalMs);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // No group, nothing to expire: an idle node (whose roles assign partitions themselves) does not wake.
                await groups.WhenAnyGroupAsync().WaitAsync(cancellationToken);
                await Task.Delay(period, options.TimeProvider, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            groups.Expire();
        }
    }

    private async Task AcceptLoopAsync(Socket listener, int advertisedPort, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken);
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
                logger.LogWarning(exception, "Accept failed");
                continue;
            }
            if (connections.Count >= options.MaxConnections)
            {
                logger.LogWarning("Refusing a connection: {Count} open, the limit", connections.Count);
                client.Dispose();
                continue;
            }
            client.NoDelay = true;
            client.SendTimeout = Connection.SendTimeoutMs;
            var id = Interlocked.Increment(ref nextConnectionId);
            var served = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() =>
            {
                try
                {
                    using var connectionStopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    new Connection(this, client, connectionStopping, advertisedPort).Run();
                }
                finally
                {
                    connections.TryRemove(id, out _);
                    client.Dispose();
                    served.SetResult();
                }
            }, Connection.ThreadStackBytes)
            {
                IsBackground = true,
                Name = $"journal connection {id}",
            };
            connections[id] = (client, served.Task);
            thread.Start();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        await stopping.CancelAsync();
        listener?.Dispose();
        foreach (var extra in extraListeners)
        {
            extra.Dispose();
        }
        if (acceptLoop is not null)
        {
            await acceptLoop;
        }
        await Task.WhenAll(extraAcceptLoops);
        if (groupExpiryLoop is not null)
        {
            await groupExpiryLoop;
        }
        // Pending joins and syncs are answered so that their connections can finish.
        groups.Shutdown();
        foreach (var (_, (socket, _)) in connections)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
            }
        }
        // Connections end first (their long polls are cancelled, their pending acknowledgements
        // still complete because the committers run), then the logs commit and close.
        foreach (var (_, (_, served)) in connections)
        {
            try
            {
                await served;
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                logger.LogDebug(exception, "Connection ended with a failure during shutdown");
            }
        }
        await topics.DisposeAsync();
        if (committedOffsets is not null)
        {
            await committedOffsets.DisposeAsync();
        }
        stopping.Dispose();
        logger.LogInformation("Journal node stopped");
    }
}
