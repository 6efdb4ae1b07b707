using System.Diagnostics;
using System.Net;
using System.Reflection;
using Log.Adjudicator;
using Log.Adjudicator.Hosting;
using Log.Adjudicator.Rpc;
using Log.Journal.Client;
using Log.Journal.Hosting;
using Log.Journal.Node;
using Log.Journal.Time;
using Log.QueryNode.Execution;
using Log.QueryNode.Sessions;
using Log.QueryNode.Sql;
using Log.QueryNode.Sql.Catalog;
using Log.StorageNode;
using Log.Wire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Log.QueryNode.Hosting;

/// <summary>
/// Starts the roles of the all-in-one process in dependency order (journal node, adjudicator,
/// storage node, PostgreSQL server) and stops them in reverse. Each role gets its own journal
/// clients, exactly as it would on its own machine.
/// </summary>
public sealed class LogServer : IHostedService, IAsyncDisposable
{
    /// <summary>Printed once every role is up; tests and scripts wait for it.</summary>
    public const string ReadyMarker = "Log is ready";

    private readonly LogOptions options;
    private readonly ILoggerFactory loggerFactory;
    private readonly ILogger logger;
    private readonly StartedRoles started;

    public LogServer(LogOptions options, ILoggerFactory loggerFactory)
    {
        this.options = options;
        this.loggerFactory = loggerFactory;
        logger = loggerFactory.CreateLogger("Log");
        started = new StartedRoles(logger);
    }

    public int Port { get; private set; }
    public int JournalPort { get; private set; }

    /// <summary>This query node's node id among those sharing the database, or 0 when it is the only one.</summary>
    public int NodeId { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var problem = options.Validate(out var listenAddress);
        if (problem is not null)
        {
            throw new InvalidOperationException(problem);
        }
        var dataDirectory = Path.GetFullPath(options.Data);
        Directory.CreateDirectory(dataDirectory);
        logger.LogWarning("Authentication is not implemented yet: Log listens on {Address} (loopback) only.", listenAddress);

        string bootstrapServers;
        if (options.UsesExternalJournal)
        {
            // The journal runs elsewhere (a journal node alone, or a Kafka cluster): nothing to host.
            bootstrapServers = options.Journal;
        }
        else
        {
            var journalNode = new JournalNode(new JournalNodeOptions
            {
                ListenAddress = listenAddress,
                Port = options.JournalPort,
                DataDirectory = Path.Combine(dataDirectory, "journal"),
            }, loggerFactory.CreateLogger<JournalNode>());
            await StartListeningAsync(() => journalNode.StartAsync(cancellationToken), "Kafka protocol", listenAddress,
                options.JournalPort, "--journal-port");
            started.Add(journalNode);
            JournalPort = journalNode.Port;
            bootstrapServers = journalNode.BootstrapServers;
        }

        var clientOptions = new JournalClientOptions
        {
            BootstrapServers = bootstrapServers,
            Region = options.Region,
        };
        var clock = new HybridClock();

        var adjudicator = await StartAdjudicatorAsync(clientOptions, cancellationToken);

        var storageReader = Track(new KafkaJournalReader(clientOptions));
        var storage = new Log.StorageNode.StorageNode(new StorageNodeOptions
        {
            DataDirectory = dataDirectory,
            JournalTopic = clientOptions.Topic,
        }, storageReader, loggerFactory.CreateLogger<Log.StorageNode.StorageNode>());
        await storage.StartAsync(cancellationToken);
        started.Add(storage);
        // Ready once storage has replayed the journal written before this start (from its checkpoint, or from offset 0):
        // reads wait a bounded time for it, and a long replay would fail them, the resumed jobs' first.
        logger.LogInformation("Waiting for storage to replay the journal");
        await storage.WaitForOffsetAsync(await storageReader.GetEndOffsetAsync(0, cancellationToken), cancellationToken);

        // With a remote adjudicator other query nodes may share the database: this one takes a node id for its row ids
        // and follows their DDL through the journal.
        var uniqueIds = UniqueIdGenerator.Unassigned;
        CatalogChangeFeed? catalogChanges = null;
        SqlEngine? built = null;
        if (options.UsesRemoteAdjudicator)
        {
            var nodeId = await QueryNodeIdentity.TakeNodeIdAsync(
                new SeparateTransactionRunner(adjudicator, storage, clock, new TransactionLimits()), cancellationToken);
            uniqueIds = new UniqueIdGenerator(nodeId);
            NodeId = nodeId;
            var fence = await adjudicator.CloseTimestampAsync(clock.Now(), cancellationToken);
            catalogChanges = new CatalogChangeFeed(Track(new KafkaJournalReader(clientOptions)), fence.Partition, fence.EndOffset,
                CatalogKeys.ChangesDefinitions, () => built?.CatalogChanged(), loggerFactory.CreateLogger<CatalogChangeFeed>());
        }
        var engine = new SqlEngine
        {
            SeparateTransactions = new SeparateTransactionRunner(adjudicator, storage, clock, new TransactionLimits(), uniqueIds),
            JobTransactions = new JobTransactionRunner(adjudicator, storage, clock, new TransactionLimits(), uniqueIds),
            DsqlCompatibility = options.DsqlCompatibility,
            UniqueIds = uniqueIds,
            CatalogChanges = catalogChanges,
        };
        built = engine;
        if (catalogChanges is not null)
        {
            catalogChanges.Start();
            started.Add(catalogChanges);
        }
        started.Add(new StoppingJobs(engine));
        int resumed = await engine.ResumeJobsAsync(cancellationToken);
        if (resumed > 0) logger.LogInformation("Resumed {Jobs} unfinished index build job(s)", resumed);
        var sessions = new QuerySessionFactory(engine, adjudicator, storage, clock,
            loggerFactory.CreateLogger<QuerySession>());
        var server = new PgServer(new PgServerOptions
        {
            ListenAddress = listenAddress,
            Port = options.Port,
            // Kept in the data folder so that clients that pin it see the same certificate after a restart.
            SelfSignedCertificatePath = Path.Combine(dataDirectory, "tls", "self-signed.pfx"),
        }, sessions, loggerFactory.CreateLogger<PgServer>());
        await StartListeningAsync(() => server.StartAsync(cancellationToken), "PostgreSQL protocol", listenAddress,
            options.Port, "--port");
        started.Add(server);
        Port = server.Port;

        var host = listenAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{listenAddress}]" : listenAddress.ToString();
        var journal = options.UsesExternalJournal ? bootstrapServers : $"{host}:{JournalPort}";
        var adjudicatorAt = options.UsesRemoteAdjudicator ? options.Adjudicator : "in-process";
        logger.LogInformation("PostgreSQL protocol on {Host}:{Port}, journal (Kafka protocol) at {Journal}, data in {Data}",
            host, Port, journal, dataDirectory);
        // One plain line on standard output, so that scripts and tests can find the ports.
        Console.Out.WriteLine($"{ReadyMarker}: postgresql={host}:{Port} kafka={journal} data={dataDirectory} adjudicator={adjudicatorAt} node={NodeId} build={BuildKind}");
        Console.Out.WriteLine($"Connect with: psql -h {listenAddress} -p {Port} -U admin postgres");
        Console.Out.Flush();
        if (BuildKind != "optimized")
        {
            logger.LogWarning("This is a Debug build: statements run several times slower than in a Release build (dotnet run -c Release)");
        }
    }

    /// <summary>"optimized" or "debug": whether the JIT optimises this build, so that a measurement says what it measured.</summary>
    private static string BuildKind =>
        typeof(LogServer).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true ? "debug" : "optimized";

    /// <summary>The adjudicator this node commits through: a shard run alone, reached over its RPC, or one hosted here
    /// (supervised, over its own journal clients).</summary>
    private async Task<IAdjudicator> StartAdjudicatorAsync(JournalClientOptions clientOptions, CancellationToken cancellationToken)
    {
        if (options.UsesRemoteAdjudicator)
        {
            AdjudicatorHostOptions.TrySplitHostAndPort(options.Adjudicator, out var host, out var port);
            return Track(new RemoteAdjudicator(host, port, new AdjudicatorRpcOptions(), logger: loggerFactory.CreateLogger<RemoteAdjudicator>()));
        }
        var adjudicatorWriter = Track(new KafkaJournalWriter(clientOptions));
        var adjudicatorReader = Track(new KafkaJournalReader(clientOptions));
        // One clock for every shard the supervisor builds, so a rebuilt shard keeps earlier promises.
        var adjudicatorOptions = new AdjudicatorOptions();
        var adjudicatorClock = new HybridClock();
        var adjudicator = new AdjudicatorSupervisor(
            () => new AdjudicatorShard(adjudicatorOptions, adjudicatorWriter, adjudicatorReader, adjudicatorClock,
                loggerFactory.CreateLogger<AdjudicatorShard>()),
            adjudicatorOptions, loggerFactory.CreateLogger<AdjudicatorSupervisor>());
        await adjudicator.StartAsync(cancellationToken);
        started.Add(adjudicator);
        return adjudicator;
    }

    /// <summary>Turns "address in use" into a message that says which port and how to choose another.</summary>
    private static async Task StartListeningAsync(Func<Task> start, string protocol, IPAddress address, int port, string option)
    {
        try
        {
            await start();
        }
        catch (System.Net.Sockets.SocketException exception)
            when (exception.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
        {
            throw new InvalidOperationException(
                $"{protocol} port {address}:{port} is already in use; choose another with {option} N (0 picks a free one)", exception);
        }
    }

    private T Track<T>(T resource) where T : IAsyncDisposable => started.Add(resource);

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public ValueTask DisposeAsync() => started.DisposeAsync();

    /// <summary>Stops the node's background jobs before the roles they use: they resume at the next start.</summary>
    private sealed class StoppingJobs(SqlEngine engine) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => engine.StopJobsAsync();
    }
}
