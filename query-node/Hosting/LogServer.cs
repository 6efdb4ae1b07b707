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
using Log.QueryNode.Auth;
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
public sealed partial class LogServer : IHostedService, IAsyncDisposable
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
        try
        {
            await StartRolesAsync(cancellationToken);
        }
        catch
        {
            await StopUnstartedStorageAsync();
            throw;
        }
    }

    private async Task StartRolesAsync(CancellationToken cancellationToken)
    {
        var problem = options.Validate(out var listenAddress);
        if (problem is not null)
        {
            throw new InvalidOperationException(problem);
        }
        var dataDirectory = Path.GetFullPath(options.Data);
        Directory.CreateDirectory(dataDirectory);
        logger.LogInformation("Starting: {SinceStart} ms after the process started (the runtime, loading and compiling the code)", ProcessUptime.Milliseconds);
        // This process's own replica recovers its checkpoint from disk while the journal node and the adjudicator start:
        // it reads the journal only once the journal node is up, and each of the three takes about a second of a start.
        var storageJournal = new DeferredJournalReader();
        var recovering = options.UsesRemoteStorage ? null : RecoverStorage(dataDirectory, storageJournal, cancellationToken);
        var authenticator = StartAuthentication(dataDirectory, listenAddress);
        StartHttpEndpoint(listenAddress);

        string bootstrapServers;
        JournalNode? hostedJournal = null;
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
            hostedJournal = journalNode;
            logger.LogInformation("Journal node started: {SinceStart} ms after the process started", ProcessUptime.Milliseconds);
        }

        var clientOptions = new JournalClientOptions
        {
            BootstrapServers = bootstrapServers,
            Region = options.Region,
            PartitionCount = options.ShardCount,
        };
        var clock = new HybridClock();

        var storageReader = Track(new KafkaJournalReader(clientOptions));
        // This process's replica reads the journal hosted here straight from its log (InProcessJournalReader): a commit
        // is applied as soon as its record is durable, with no fetch through librdkafka and loopback on the way to the
        // next transaction's snapshot. In multi-region mode the replica reads as the region's adjudicator does, through Kafka.
        storageJournal.Attach(!options.MultiRegion && hostedJournal is not null
            ? Track(hostedJournal.ReaderOf(clientOptions.Topic)) : storageReader);
        var applying = recovering is null ? null : StartRecoveredStorageAsync(recovering, cancellationToken);
        var adjudicator = await StartAdjudicatorAsync(clientOptions, clock, options.MultiRegion ? null : hostedJournal, cancellationToken);
        logger.LogInformation("Adjudicator started: {SinceStart} ms after the process started", ProcessUptime.Milliseconds);

        var (storage, replica) = applying is null
            ? await StartRemoteStorageAsync(storageReader, clock, cancellationToken)
            : await CatchUpStorageAsync(await applying, storageReader, cancellationToken);
        // Transactions take their snapshots from the journal's end and this replica, never from the adjudicator: where the
        // journal is hosted here, where it ends is known with no round trip; elsewhere it is one ListOffsets request.
        // Several shards close a timestamp on each instead (ShardFenceSnapshotSource says why the end offsets are not
        // enough there), whether their replica is this process's own or replicas of every partition run alone (--storage).
        ISnapshotSource snapshots = options.MultiRegion ? new RegionSnapshotSource(clock)
            : adjudicator is ShardedAdjudicator sharded
            ? new ShardFenceSnapshotSource(sharded, (IPartitionsProgress)storage, clock)
            : new JournalSnapshotSource(hostedJournal?.EndOffsetsOf(clientOptions.Topic) ?? storageReader, replica, clock, adjudicator);

        // With a remote adjudicator other query nodes may share the database: this one takes a node id for its row ids
        // and follows their DDL through the journal.
        var uniqueIds = UniqueIdGenerator.Unassigned;
        ICatalogChanges? catalogChanges = null;
        SqlEngine? built = null;
        if (options.UsesRemoteAdjudicator)
        {
            var nodeId = await QueryNodeIdentity.TakeNodeIdAsync(
                new SeparateTransactionRunner(adjudicator, snapshots, storage, clock, new TransactionLimits()), cancellationToken);
            uniqueIds = new UniqueIdGenerator(nodeId);
            NodeId = nodeId;
            catalogChanges = options.MultiRegion ? CreateRegionCatalogChanges(dataDirectory, clock, () => built?.CatalogChanged())
                : new CatalogChangeFeed(Track(new KafkaJournalReader(clientOptions)), replica.Partition,
                    (await snapshots.TakeAsync(cancellationToken)).JournalEndOffset, CatalogKeys.ChangesDefinitions,
                    () => built?.CatalogChanged(), loggerFactory.CreateLogger<CatalogChangeFeed>());
        }
        var engine = new SqlEngine
        {
            SeparateTransactions = new SeparateTransactionRunner(adjudicator, snapshots, storage, clock, new TransactionLimits(), uniqueIds),
            JobTransactions = new JobTransactionRunner(adjudicator, snapshots, storage, clock, new TransactionLimits(), uniqueIds),
            DsqlCompatibility = options.DsqlCompatibility,
            UniqueIds = uniqueIds,
            CatalogChanges = catalogChanges,
        };
        built = engine;
        roleMappings.Attach(engine.SeparateTransactions);
        if (catalogChanges is not null)
        {
            catalogChanges.Start();
            started.Add(catalogChanges);
        }
        started.Add(new StoppingJobs(engine));
        int resumed = await engine.ResumeJobsAsync(cancellationToken);
        if (resumed > 0) logger.LogInformation("Resumed {Jobs} unfinished index build job(s)", resumed);
        var sessions = new QuerySessionFactory(engine, adjudicator, storage, clock,
            loggerFactory.CreateLogger<QuerySession>(), authenticator, snapshots);
        var server = new PgServer(ConnectionOptions(listenAddress, dataDirectory, authenticator), sessions, loggerFactory.CreateLogger<PgServer>());
        await StartListeningAsync(() => server.StartAsync(cancellationToken), "PostgreSQL protocol", listenAddress,
            options.Port, "--port");
        started.Add(server);
        Port = server.Port;
        started.Add(new CertificateReloadOnHangup(server, logger));

        var host = listenAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{listenAddress}]" : listenAddress.ToString();
        var journal = options.UsesExternalJournal ? bootstrapServers : $"{host}:{JournalPort}";
        var adjudicatorAt = options.UsesRemoteAdjudicator ? options.Adjudicator : "in-process";
        var storageAt = options.UsesRemoteStorage ? options.Storage : "in-process";
        logger.LogInformation("PostgreSQL protocol on {Host}:{Port}, journal (Kafka protocol) at {Journal}, data in {Data}; {SinceStart} ms after the process started",
            host, Port, journal, dataDirectory, ProcessUptime.Milliseconds);
        ready = true;
        // One plain line on standard output, so that scripts and tests can find the ports.
        Console.Out.WriteLine($"{ReadyMarker}: postgresql={host}:{Port} kafka={journal} data={dataDirectory} adjudicator={adjudicatorAt} storage={storageAt} node={NodeId} build={BuildKind}");
        Console.Out.WriteLine(authenticator is TrustAuthenticator
            ? $"Connect with: psql -h {listenAddress} -p {Port} -U admin postgres"
            : $"Connect with: PGPASSWORD=$(dotnet run --project query-node -- token --admin --data {dataDirectory}) psql -h {listenAddress} -p {Port} -U admin postgres");
        if (string.IsNullOrWhiteSpace(options.TlsCert))
        {
            Console.Out.WriteLine($"Verify the server with: psql \"host=localhost port={Port} user=admin dbname=postgres sslmode=verify-full sslrootcert={Path.Combine(TlsFolder(dataDirectory), PgCertificates.AuthorityCertificateFileName)}\"");
        }
        Console.Out.Flush();
        if (BuildKind != "optimized")
        {
            logger.LogWarning("This is a Debug build: statements run several times slower than in a Release build (dotnet run -c Release)");
        }
    }

    /// <summary>Multi-region mode: DDL of every region, from the merge of the peered regions' topics, each read from this
    /// region's journal (<see cref="RegionCatalogChangeFeed"/>), with the adjudicators' conflict window so that the
    /// merge decides as they do. It starts where the last run kept its position (in the data folder); the clock then
    /// observes that position's released timestamp, so every snapshot, and every catalog read at one, is above what the
    /// feed will not hand over again.</summary>
    private RegionCatalogChangeFeed CreateRegionCatalogChanges(string dataDirectory, HybridClock clock, Action onChange)
    {
        var topology = options.RegionTopology ?? throw new InvalidOperationException("--multi-region without --regions passed validation");
        var template = topology.ClientOptions("query-node");
        var readers = RegionJournalReaders.Create(topology.ReaderJournals, template, loggerFactory.CreateLogger<KafkaJournalReader>());
        var feed = new RegionCatalogChangeFeed(readers, new AdjudicatorOptions().MaxTransactionDuration,
            CatalogKeys.ChangesDefinitions, onChange, loggerFactory.CreateLogger<RegionCatalogChangeFeed>(),
            Path.Combine(dataDirectory, CatalogFeedPositionFile));
        clock.Observe(feed.Released);
        return feed;
    }

    /// <summary>The multi-region catalog feed's position, in the data folder.</summary>
    private const string CatalogFeedPositionFile = "catalog-feed.position";

    /// <summary>The access keys (an admin key made at the first start, whatever the setting, so that turning tokens on
    /// later finds one) and the login decision the settings ask for.</summary>
    private ILoginAuthenticator StartAuthentication(string dataDirectory, IPAddress listenAddress)
    {
        var credentials = new CredentialStore(dataDirectory);
        var adminKey = credentials.EnsureAdminKey(TimeProvider.System.GetUtcNow());
        if (adminKey is not null)
        {
            logger.LogInformation("Created the admin access key {AccessKeyId} in {File}; 'keys list' shows it, 'token --admin' signs with it",
                adminKey.AccessKeyId, credentials.FilePath);
        }
        if (!options.RequiresTokens(listenAddress))
        {
            logger.LogWarning("Authentication is off (--auth none): any role logs in without a token, on {Address} (loopback) only.", listenAddress);
            return TrustAuthenticator.Instance;
        }
        var authentication = new AuthenticationOptions { Endpoints = options.Endpoints, Region = options.Region };
        logger.LogInformation("Logins need a DSQL token signed for {Endpoints} in region {Region}; access keys in {File}",
            string.Join(", ", authentication.Endpoints), authentication.Region, credentials.FilePath);
        return new TokenAuthenticator(new DsqlTokenVerifier(authentication, credentials, TimeProvider.System),
            roleMappings, new FailedLoginThrottle(authentication, TimeProvider.System), TimeProvider.System);
    }

    /// <summary>Which principals may log in as which roles: the catalog's AWS IAM GRANT mappings, once the engine is built.</summary>
    private readonly CatalogRoleMappings roleMappings = new();
    /// <summary>"optimized" or "debug": whether the JIT optimises this build, so that a measurement says what it measured.</summary>
    private static string BuildKind =>
        typeof(LogServer).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true ? "debug" : "optimized";

    /// <summary>The adjudicator this node commits through: a shard run alone, reached over its RPC, or one hosted here
    /// (supervised, over its own journal clients; with the journal node hosted here too, its appends go straight to the
    /// node's log, <see cref="InProcessJournalWriter"/>, and its reads, a start's among them, come straight from it,
    /// <see cref="InProcessJournalReader"/>).</summary>
    private async Task<IAdjudicator> StartAdjudicatorAsync(JournalClientOptions clientOptions, HybridClock clock, JournalNode? hostedJournal,
        CancellationToken cancellationToken)
    {
        if (options.UsesRemoteAdjudicator)
        {
            var rpcOptions = new AdjudicatorRpcOptions { MaxClockOffset = TimeSpan.FromMilliseconds(options.MaxClockOffsetMs) };
            var remotes = options.Adjudicator.Split(',').Select(address =>
            {
                AdjudicatorHostOptions.TrySplitHostAndPort(address, out var host, out var port);
                return (IAdjudicator)Track(new RemoteAdjudicator(host, port, rpcOptions, logger: loggerFactory.CreateLogger<RemoteAdjudicator>(),
                    clock: clock));
            }).ToArray();
            return remotes.Length == 1 ? remotes[0] : new ShardedAdjudicator(remotes, new TableShardRouter());
        }
        var adjudicatorWriter = Track(hostedJournal?.WriterOf(clientOptions.Topic, clientOptions.PartitionCount) ?? new KafkaJournalWriter(clientOptions));
        var adjudicatorReader = Track(hostedJournal?.ReaderOf(clientOptions.Topic) ?? new KafkaJournalReader(clientOptions));
        // One clock for every shard the supervisors build, so a rebuilt shard keeps earlier promises.
        var adjudicatorClock = new HybridClock();
        var supervisors = new AdjudicatorSupervisor[options.ShardCount];
        for (var shard = 0; shard < supervisors.Length; shard++)
        {
            var adjudicatorOptions = new AdjudicatorOptions
            {
                Shard = shard,
                Partition = shard,
                CoordinatorOf = coordinator => coordinator < supervisors.Length ? supervisors[coordinator] : null,
            };
            supervisors[shard] = new AdjudicatorSupervisor(
                () => new AdjudicatorShard(adjudicatorOptions, adjudicatorWriter, adjudicatorReader, adjudicatorClock,
                    loggerFactory.CreateLogger<AdjudicatorShard>()),
                adjudicatorOptions, loggerFactory.CreateLogger<AdjudicatorSupervisor>());
            await supervisors[shard].StartAsync(cancellationToken);
            started.Add(supervisors[shard]);
        }
        return supervisors.Length == 1 ? supervisors[0] : new ShardedAdjudicator(supervisors, new TableShardRouter());
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
