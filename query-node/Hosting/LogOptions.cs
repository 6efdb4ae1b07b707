using System.Net;

namespace Log.QueryNode.Hosting;

/// <summary>
/// Settings of the all-in-one database process. Read, in increasing precedence, from
/// appsettings.json, environment variables prefixed LOG__ (LOG__PORT, LOG__DATA, LOG__JOURNALPORT,
/// LOG__JOURNAL, LOG__ADJUDICATOR, LOG__STORAGE, LOG__LISTEN, LOG__REGION, LOG__DSQLCOMPATIBILITY, LOG__AUTH, LOG__ENDPOINT) and command-line
/// switches (--port, --data, --journal-port, --journal, --adjudicator, --storage, --listen, --region, --dsql-compatibility, --auth,
/// --endpoint, and the TLS and connection switches below).
/// </summary>
public sealed class LogOptions
{
    public const int DefaultPort = 5432;
    public const int DefaultJournalPort = 9092;

    /// <summary>The folder that holds every file of the database.</summary>
    public string Data { get; set; } = "./data";

    /// <summary>PostgreSQL protocol port; 0 picks a free one (printed at start).</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>Kafka protocol port of the embedded journal node; 0 picks a free one.</summary>
    public int JournalPort { get; set; } = DefaultJournalPort;

    /// <summary>Bootstrap servers (HOST:PORT[,HOST:PORT...]) of a journal run elsewhere: a journal node
    /// started alone or a Kafka cluster. Empty (the default): the process hosts its own journal node
    /// on <see cref="JournalPort"/>.</summary>
    public string Journal { get; set; } = "";

    /// <summary>True when the roles use an external journal instead of hosting one.</summary>
    public bool UsesExternalJournal => !string.IsNullOrWhiteSpace(Journal);

    /// <summary>HOST:PORT of an adjudicator shard run alone (<c>dotnet run --project adjudicator</c>), reached over its
    /// RPC; needs <see cref="Journal"/>. Empty (the default): the process hosts its own adjudicator.</summary>
    public string Adjudicator { get; set; } = "";

    /// <summary>How far the remote adjudicator's clock may run ahead of this node's before this node stops following it
    /// (<see cref="Log.Adjudicator.Rpc.AdjudicatorRpcOptions.MaxClockOffset"/>).</summary>
    public int MaxClockOffsetMs { get; set; } = (int)new Log.Adjudicator.Rpc.AdjudicatorRpcOptions().MaxClockOffset.TotalMilliseconds;

    /// <summary>Adjudicator shards (one journal partition each), in this process or given by <see cref="Adjudicator"/>
    /// (one HOST:PORT per shard, in shard order). Fixed for a database's life: a key's shard depends on it.</summary>
    public int Shards { get; set; } = 1;

    /// <summary>The shard count in force: the number of remote adjudicators given, else <see cref="Shards"/>.</summary>
    public int ShardCount => UsesRemoteAdjudicator ? Adjudicator.Split(',').Length : Shards;

    /// <summary>True when commits go to an adjudicator in another process: this query node is one of several.</summary>
    public bool UsesRemoteAdjudicator => !string.IsNullOrWhiteSpace(Adjudicator);

    /// <summary>HOST:PORT[,HOST:PORT...] of storage replicas run alone (<c>storage-node serve</c>), read over the storage RPC
    /// with failover between them; needs <see cref="Journal"/>. Empty (the default): the process keeps its own replica.</summary>
    public string Storage { get; set; } = "";

    /// <summary>The region's adjudicator and storage run in multi-region mode (adjudicator/README.md, "Regions";
    /// --multi-region, LOG__MULTIREGION): snapshots are taken at this node's clock and served once the replica's merge
    /// covers them (<see cref="Execution.RegionSnapshotSource"/>). Needs --adjudicator and --storage.</summary>
    public bool MultiRegion { get; set; }

    /// <summary>With <see cref="MultiRegion"/>: every region's journal as this region reaches it
    /// (<c>A=HOST:PORT,B=HOST:PORT,W=HOST:PORT</c>, --regions, as the region's adjudicator and storage take it). The node
    /// reads every peered region's topic from this region's journal to follow DDL run in any region.</summary>
    public string Regions { get; set; } = "";

    /// <summary>With <see cref="Regions"/>: the region that only holds copies of the topics (--witness).</summary>
    public string Witness { get; set; } = "";

    /// <summary>The regions as <see cref="Regions"/>, <see cref="Witness"/> and <see cref="Region"/> describe them; null
    /// when they describe none (<see cref="Validate"/> says why).</summary>
    public Log.Journal.Client.RegionTopology? RegionTopology =>
        Log.Journal.Client.RegionTopology.TryParse(Region, Regions, Witness, out _);

    /// <summary>True when reads go to storage replicas in other processes: this node then holds no store of its own.</summary>
    public bool UsesRemoteStorage => !string.IsNullOrWhiteSpace(Storage);

    /// <summary>The replicas in <see cref="Storage"/>, in the order given.</summary>
    public IReadOnlyList<string> StorageEndpoints =>
        Storage.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The address both protocols listen on.</summary>
    public string Listen { get; set; } = "127.0.0.1";

    /// <summary>The region, which names the journal topic (log.&lt;region&gt;.txn).</summary>
    public string Region { get; set; } = "local";

    /// <summary>Aurora DSQL's rules for DDL in transactions (one DDL statement per transaction, no DDL and DML in one
    /// transaction). Off by default, where DDL and DML mix as in PostgreSQL; see the README.</summary>
    public bool DsqlCompatibility { get; set; }

    /// <summary>How logins are decided: <c>tokens</c> (a DSQL token as the password, see query-node/README.md) or
    /// <c>none</c> (anyone may log in as any role: local development). Empty (the default): <c>none</c> on a loopback
    /// address, <c>tokens</c> on any other; <c>none</c> beyond loopback is refused.</summary>
    public string Auth { get; set; } = "";

    public const string AuthTokens = "tokens";
    public const string AuthNone = "none";

    /// <summary>The host names tokens may be signed for (DSQL's cluster endpoint), separated by commas.</summary>
    public string Endpoint { get; set; } = "localhost,127.0.0.1";

    /// <summary>The names in <see cref="Endpoint"/>.</summary>
    public IReadOnlyList<string> Endpoints =>
        Endpoint.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Whether logins need a token, once <see cref="Validate"/> has accepted the settings.</summary>
    public bool RequiresTokens(IPAddress listenAddress) =>
        Auth == AuthTokens || (Auth.Length == 0 && !IPAddress.IsLoopback(listenAddress));

    /// <summary>A PEM certificate file (the server's certificate, then any intermediates) that TLS presents, with
    /// <see cref="TlsKey"/>. Empty (the default): a local certificate authority and a server certificate it signed are
    /// generated in the data folder's tls/ at first start. Either is read again on SIGHUP.</summary>
    public string TlsCert { get; set; } = "";

    /// <summary>The PEM private key of <see cref="TlsCert"/>.</summary>
    public string TlsKey { get; set; } = "";

    /// <summary>New connections accepted per second on average (DSQL: 100); 0 turns the limit off.</summary>
    public int ConnectionsPerSecond { get; set; } = 100;

    /// <summary>New connections accepted at once after a quiet time (DSQL: 1,000).</summary>
    public int ConnectionBurst { get; set; } = 1_000;

    /// <summary>Open connections at most (DSQL: 10,000).</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Seconds a connection may live before it is closed between transactions (DSQL: 3,600); 0 turns it off.</summary>
    public int ConnectionLifetimeSeconds { get; set; } = 3_600;

    /// <summary>Microseconds a connection that has just answered waits in poll() for its client's next message before it
    /// reads asynchronously (<see cref="Log.Wire.PgServerOptions.InputPollWindow"/>); 0 turns it off.</summary>
    public int InputPollMicroseconds { get; set; } = (int)new Log.Wire.PgServerOptions().InputPollWindow.TotalMicroseconds;

    /// <summary>Connections that may wait so at the same time (<see cref="Log.Wire.PgServerOptions.InputPollingConnectionsMax"/>).</summary>
    public int InputPollingConnectionsMax { get; set; } = new Log.Wire.PgServerOptions().InputPollingConnectionsMax;

    /// <summary>The HTTP port of /healthz, /readyz and /metrics (Prometheus), on the listen address; 0 picks a free one
    /// (printed at start). Unset (the default): no HTTP endpoint.</summary>
    public int? HttpPort { get; set; }

    /// <summary>How far behind its resolved timestamp storage still serves a snapshot (LOG__SNAPSHOTRETENTION,
    /// --snapshot-retention, as hh:mm:ss): older reads fail with 72000 "snapshot too old", and older versions are
    /// garbage-collected. The longest transaction, 5 minutes, by default; shorter settings are for tests.</summary>
    public TimeSpan SnapshotRetention { get; set; } = TimeSpan.FromMinutes(5);

    public static readonly IReadOnlyDictionary<string, string> CommandLineSwitches = new Dictionary<string, string>
    {
        ["--data"] = nameof(Data),
        ["--port"] = nameof(Port),
        ["--journal-port"] = nameof(JournalPort),
        ["--journal"] = nameof(Journal),
        ["--adjudicator"] = nameof(Adjudicator),
        ["--storage"] = nameof(Storage),
        ["--multi-region"] = nameof(MultiRegion),
        ["--regions"] = nameof(Regions),
        ["--witness"] = nameof(Witness),
        ["--shards"] = nameof(Shards),
        ["--listen"] = nameof(Listen),
        ["--region"] = nameof(Region),
        ["--dsql-compatibility"] = nameof(DsqlCompatibility),
        ["--auth"] = nameof(Auth),
        ["--endpoint"] = nameof(Endpoint),
        ["--http-port"] = nameof(HttpPort),
        ["--tls-cert"] = nameof(TlsCert),
        ["--tls-key"] = nameof(TlsKey),
        ["--connections-per-second"] = nameof(ConnectionsPerSecond),
        ["--connection-burst"] = nameof(ConnectionBurst),
        ["--max-connections"] = nameof(MaxConnections),
        ["--connection-lifetime-seconds"] = nameof(ConnectionLifetimeSeconds),
        ["--max-clock-offset-ms"] = nameof(MaxClockOffsetMs),
        ["--snapshot-retention"] = nameof(SnapshotRetention),
    };

    /// <summary>Returns what is wrong with the settings, or null.</summary>
    public string? Validate(out IPAddress listenAddress)
    {
        if (!IPAddress.TryParse(Listen, out listenAddress!))
        {
            return $"--listen '{Listen}' is not an IP address";
        }
        if (Auth is not ("" or AuthTokens or AuthNone))
        {
            return $"--auth '{Auth}' must be {AuthTokens} or {AuthNone}";
        }
        if (Auth == AuthNone && !IPAddress.IsLoopback(listenAddress))
        {
            return $"--listen {Listen} refused with --auth {AuthNone}: beyond loopback (127.0.0.1 or ::1) every login needs a token (--auth {AuthTokens})";
        }
        if (Endpoints.Count == 0 || Endpoints.Any(name => name.Any(c => char.IsWhiteSpace(c) || c is '/' or '?' or '&')))
        {
            return $"--endpoint '{Endpoint}' must be one or more host names separated by commas";
        }
        if (SnapshotRetention <= TimeSpan.Zero)
        {
            return $"--snapshot-retention {SnapshotRetention} must be positive";
        }
        if (Port is < 0 or > 65535)
        {
            return $"--port {Port} is not a TCP port";
        }
        if (JournalPort is < 0 or > 65535)
        {
            return $"--journal-port {JournalPort} is not a TCP port";
        }
        if (UsesExternalJournal && !Journal.Split(',').All(IsHostAndPort))
        {
            return $"--journal '{Journal}' must be HOST:PORT, or several separated by commas";
        }
        if (UsesRemoteAdjudicator && !Adjudicator.Split(',').All(IsHostAndPort))
        {
            return $"--adjudicator '{Adjudicator}' must be HOST:PORT, or one per shard separated by commas";
        }
        if (Shards is < 1 or > 256 || (UsesRemoteAdjudicator && Shards != 1 && Shards != ShardCount))
        {
            return $"--shards {Shards} must be 1 to 256, and match the adjudicators given";
        }
        if (MaxClockOffsetMs < 0)
        {
            return $"--max-clock-offset-ms {MaxClockOffsetMs} must not be negative";
        }
        if (MultiRegion && (!UsesRemoteAdjudicator || !UsesRemoteStorage || ShardCount != 1))
        {
            return "--multi-region needs --adjudicator (the region's one shard) and --storage (the region's replicas)";
        }
        if (MultiRegion && Log.Journal.Client.RegionTopology.TryParse(Region, Regions, Witness, out var regionsProblem) is null)
        {
            return $"--multi-region needs --regions (and --witness) as the region's adjudicator takes them, to follow DDL of every region: {regionsProblem}";
        }
        if (!MultiRegion && !string.IsNullOrWhiteSpace(Regions))
        {
            return "--regions goes with --multi-region true";
        }
        if (UsesRemoteStorage && (StorageEndpoints.Count == 0 || !StorageEndpoints.All(IsHostAndPort)))
        {
            return $"--storage '{Storage}' must be HOST:PORT, or several separated by commas";
        }
        if (UsesRemoteStorage && !UsesExternalJournal)
        {
            return "--storage needs --journal HOST:PORT: the replicas apply the journal this node commits to";
        }
        if (UsesRemoteAdjudicator && !UsesExternalJournal)
        {
            return "--adjudicator needs --journal HOST:PORT: the adjudicator and every query node share one journal";
        }
        if (HttpPort is < 0 or > 65535)
        {
            return $"--http-port {HttpPort} is not a TCP port";
        }
        if (string.IsNullOrWhiteSpace(TlsCert) != string.IsNullOrWhiteSpace(TlsKey))
        {
            return "--tls-cert and --tls-key go together: the certificate file and its private key file (PEM)";
        }
        if (!string.IsNullOrWhiteSpace(TlsCert) && (!File.Exists(TlsCert) || !File.Exists(TlsKey)))
        {
            return $"--tls-cert '{TlsCert}' or --tls-key '{TlsKey}' does not name a file";
        }
        if (ConnectionsPerSecond < 0 || ConnectionBurst < 1 || MaxConnections < 1 || ConnectionLifetimeSeconds < 0)
        {
            return "--connections-per-second and --connection-lifetime-seconds must be 0 or more, --connection-burst and --max-connections 1 or more";
        }
        if (InputPollMicroseconds is < 0 or > 1_000_000 || InputPollingConnectionsMax < 0)
        {
            return "InputPollMicroseconds must be from 0 to 1000000, InputPollingConnectionsMax 0 or more";
        }
        if (string.IsNullOrWhiteSpace(Data))
        {
            return "--data must name a folder";
        }
        if (string.IsNullOrWhiteSpace(Region) || !Region.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return $"--region '{Region}' must be letters, digits, '-' or '_'";
        }
        return null;
    }

    private static bool IsHostAndPort(string server) => Log.Adjudicator.Hosting.AdjudicatorHostOptions.IsHostAndPort(server);
}
