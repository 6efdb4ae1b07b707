using System.Net;
using Log.Journal.Hosting;

namespace Log.Adjudicator.Hosting;

/// <summary>
/// Settings of one adjudicator shard run alone. Read, in increasing precedence, from appsettings.json, environment
/// variables prefixed LOG__ (LOG__JOURNAL, LOG__SHARD, LOG__SHARDS, LOG__PEERS, LOG__PORT, LOG__LISTEN, LOG__REGION,
/// LOG__HEARTBEATINTERVALMS, LOG__MAXCLOCKOFFSETMS, LOG__REGIONS, LOG__WITNESS, LOG__REGIONLEADMS, LOG__REGIONFAILOVERMS,
/// LOG__REGIONHEARTBEATMS, LOG__REGIONCLOCKOFFSETMS, LOG__REGIONAPPENDTIMEOUTMS) and command-line switches (--journal,
/// --shard, --shards, --peers, --port, --listen, --region, --heartbeat-interval-ms, --max-clock-offset-ms, --regions,
/// --witness, --region-lead-ms, --region-failover-ms, --region-heartbeat-ms, --region-clock-offset-ms,
/// --region-append-timeout-ms).
/// </summary>
public sealed class AdjudicatorHostOptions
{
    /// <summary>Bootstrap servers (HOST:PORT[,HOST:PORT...]) of the journal: a journal node or a Kafka cluster. Required.</summary>
    public string Journal { get; set; } = "";

    /// <summary>The shard this process runs; it alone writes journal partition <see cref="Shard"/>.</summary>
    public int Shard { get; set; }

    /// <summary>How many shards the database has (its topic's partition count). Unset: the number of <see cref="Peers"/>,
    /// or <see cref="Shard"/> + 1 without them.</summary>
    public int? Shards { get; set; }

    /// <summary>Every shard's RPC address (HOST:PORT), in shard order, this one's included: the same list a query node
    /// takes as --adjudicator. A shard holding a prepare whose decision does not come asks the coordinator shard at its
    /// address (adjudicator/README.md, "Cross-shard commits between processes"). Empty: one shard, or no other shard
    /// reachable (then only the transaction's query node decides its prepares).</summary>
    public string Peers { get; set; } = "";

    /// <summary>The peers' addresses, in shard order (empty when none are given).</summary>
    public IReadOnlyList<string> PeerAddresses => string.IsNullOrWhiteSpace(Peers)
        ? [] : Peers.Split(',', StringSplitOptions.TrimEntries);

    /// <summary>The database's shard count: <see cref="Shards"/>, else the peers', else this shard's number + 1.</summary>
    public int ShardCount => Shards ?? (PeerAddresses.Count > 0 ? PeerAddresses.Count : Shard + 1);

    /// <summary>The RPC port query nodes connect to; 0 picks a free one (printed in the ready line).</summary>
    public int Port { get; set; } = Rpc.AdjudicatorRpcOptions.DefaultPort;

    /// <summary>The address the RPC listens on.</summary>
    public string Listen { get; set; } = "127.0.0.1";

    /// <summary>The region, which names the journal topic (log.&lt;region&gt;.txn).</summary>
    public string Region { get; set; } = "local";

    /// <summary>The HTTP port of /healthz, /readyz and /metrics (Prometheus), on the listen address; 0 picks a free one
    /// (printed at start). Unset (the default): no HTTP endpoint.</summary>
    public int? HttpPort { get; set; }

    /// <summary>How long the shard may go without appending before it journals a closed-timestamp heartbeat
    /// (<see cref="AdjudicatorOptions.HeartbeatInterval"/>): how old a snapshot can be when nothing commits.</summary>
    public int HeartbeatIntervalMs { get; set; } = (int)new AdjudicatorOptions().HeartbeatInterval.TotalMilliseconds;

    /// <summary>How far a query node's clock may run ahead of this one's (<see cref="Rpc.AdjudicatorRpcOptions.MaxClockOffset"/>).</summary>
    public int MaxClockOffsetMs { get; set; } = (int)new Rpc.AdjudicatorRpcOptions().MaxClockOffset.TotalMilliseconds;

    /// <summary>Multi-region mode (README.md, "Regions"): every region's journal as reached from this region,
    /// <c>A=HOST:PORT,B=HOST:PORT,W=HOST:PORT</c>, the witness's included. Empty: one region.</summary>
    public string Regions { get; set; } = "";

    /// <summary>Which of <see cref="Regions"/> is the witness (holds copies, runs no adjudicator). Empty: every named
    /// region is peered.</summary>
    public string Witness { get; set; } = "";

    /// <summary>How far ahead of its clock a region's shard proposes and closes timestamps (<see cref="RegionOptions.Lead"/>):
    /// at least the one-way delay between regions plus the clock offset plus the heartbeat interval.</summary>
    public int RegionLeadMs { get; set; } = (int)new RegionOptions { Region = "a", Regions = ["a"] }.Lead.TotalMilliseconds;

    /// <summary>How often a region's shard closes <c>now + lead</c> (<see cref="RegionOptions.HeartbeatInterval"/>): part of
    /// what the lead must cover. Unset: a fifth of the lead, or <see cref="HeartbeatIntervalMs"/> when that is shorter.</summary>
    public int? RegionHeartbeatMs { get; set; }

    /// <summary>The largest difference between any two clocks of the regions (<see cref="RegionOptions.MaxClockOffset"/>):
    /// what commit wait adds after a commit timestamp, and part of what the lead must cover.</summary>
    public int RegionClockOffsetMs { get; set; } = (int)new RegionOptions { Region = "a", Regions = ["a"] }.MaxClockOffset.TotalMilliseconds;

    /// <summary>The heartbeat interval a region's shard runs with (<see cref="RegionHeartbeatMs"/> or its default).</summary>
    public int RegionHeartbeatOrDefaultMs => RegionHeartbeatMs ?? Math.Max(1, Math.Min(HeartbeatIntervalMs, RegionLeadMs / 5));

    /// <summary>How long another peered region may close nothing before this region seals its topic with the witness
    /// (<see cref="RegionOptions.FailoverTimeout"/>); 0: never.</summary>
    public int RegionFailoverMs { get; set; } = (int)new RegionOptions { Region = "a", Regions = ["a"] }.FailoverTimeout.TotalMilliseconds;

    /// <summary>How long an append to one region's journal (this region's included) may go unacknowledged before that copy
    /// is faulted (the Kafka producer's message timeout; README.md, "Regions"). With two regions lost this bounds how long
    /// a commit waits before it is answered not committed (58030) or outcome unknown (08007); shorter also faults a
    /// copy that is only slow sooner, after which the writer goes on with the two others.</summary>
    public int RegionAppendTimeoutMs { get; set; } = DefaultRegionAppendTimeoutMs;

    /// <summary>The default of <see cref="RegionAppendTimeoutMs"/>: well under the producer's usual 60 s, far above a
    /// round trip between regions.</summary>
    public const int DefaultRegionAppendTimeoutMs = 10_000;

    /// <summary>Whether the shard runs in multi-region mode.</summary>
    public bool IsMultiRegion => !string.IsNullOrWhiteSpace(Regions);

    /// <summary>The regions' journals, once <see cref="Validate"/> found them valid; null in one region.</summary>
    public Log.Journal.Client.RegionTopology? RegionTopology =>
        IsMultiRegion ? Log.Journal.Client.RegionTopology.TryParse(Region, Regions, Witness, out _) : null;

    /// <summary>The journal this shard reads: <see cref="Journal"/>, or in multi-region mode this region's own journal
    /// when <see cref="Journal"/> is not given.</summary>
    public string JournalOrLocal => string.IsNullOrWhiteSpace(Journal) && RegionTopology is { } topology ? topology.LocalJournal : Journal;

    /// <summary>The most shards a database may have (the query node's --shards bound too).</summary>
    public const int MaxShards = 256;

    public static readonly IReadOnlyDictionary<string, string> CommandLineSwitches = new Dictionary<string, string>
    {
        ["--http-port"] = nameof(HttpPort),
        ["--journal"] = nameof(Journal),
        ["--shard"] = nameof(Shard),
        ["--shards"] = nameof(Shards),
        ["--peers"] = nameof(Peers),
        ["--port"] = nameof(Port),
        ["--listen"] = nameof(Listen),
        ["--region"] = nameof(Region),
        ["--heartbeat-interval-ms"] = nameof(HeartbeatIntervalMs),
        ["--max-clock-offset-ms"] = nameof(MaxClockOffsetMs),
        ["--regions"] = nameof(Regions),
        ["--witness"] = nameof(Witness),
        ["--region-lead-ms"] = nameof(RegionLeadMs),
        ["--region-failover-ms"] = nameof(RegionFailoverMs),
        ["--region-heartbeat-ms"] = nameof(RegionHeartbeatMs),
        ["--region-clock-offset-ms"] = nameof(RegionClockOffsetMs),
        ["--region-append-timeout-ms"] = nameof(RegionAppendTimeoutMs),
    };

    /// <summary>Returns what is wrong with the settings, or null.</summary>
    public string? Validate(out IPAddress listenAddress)
    {
        if (IsMultiRegion && RegionProblem() is { } regionProblem)
        {
            listenAddress = IPAddress.Loopback;
            return regionProblem;
        }
        if (RoleSettings.Check("the adjudicator", Listen, JournalOrLocal, Port, HttpPort, Region, out listenAddress) is { } problem)
        {
            return problem;
        }
        if (Shard < 0)
        {
            return $"--shard {Shard} must not be negative";
        }
        if (Shards is { } shards && (shards < 1 || shards > MaxShards || Shard >= shards))
        {
            return $"--shards {shards} must be 1 to {MaxShards} and above --shard {Shard}";
        }
        if (PeerAddresses.Count > 0)
        {
            if (!PeerAddresses.All(IsHostAndPort))
            {
                return $"--peers '{Peers}' must be HOST:PORT of every shard, in shard order, separated by commas";
            }
            if (PeerAddresses.Count != ShardCount || Shard >= PeerAddresses.Count)
            {
                return $"--peers names {PeerAddresses.Count} shards; it must name every one of the {ShardCount} shards, shard {Shard} among them";
            }
        }
        if (HeartbeatIntervalMs < 1)
        {
            return $"--heartbeat-interval-ms {HeartbeatIntervalMs} must be at least 1";
        }
        if (MaxClockOffsetMs < 0)
        {
            return $"--max-clock-offset-ms {MaxClockOffsetMs} must not be negative";
        }
        return null;
    }

    /// <summary>What is wrong with the multi-region settings, or null. Several shards are refused there: a region's
    /// shard is not a cross-shard participant (README.md, "Regions"), so a multi-region database has one shard.</summary>
    private string? RegionProblem()
    {
        if (Log.Journal.Client.RegionTopology.TryParse(Region, Regions, Witness, out var problem) is null)
        {
            return problem;
        }
        if (ShardCount > 1 || Shard != 0)
        {
            return $"0A000: several shards (--shards {ShardCount}, --shard {Shard}) are not supported with --regions: a multi-region database has one shard per region";
        }
        if (RegionLeadMs < 1)
        {
            return $"--region-lead-ms {RegionLeadMs} must be at least 1";
        }
        if (RegionHeartbeatMs is < 1)
        {
            return $"--region-heartbeat-ms {RegionHeartbeatMs} must be at least 1";
        }
        if (RegionClockOffsetMs < 0)
        {
            return $"--region-clock-offset-ms {RegionClockOffsetMs} must not be negative";
        }
        if (RegionFailoverMs < 0)
        {
            return $"--region-failover-ms {RegionFailoverMs} must not be negative (0: never fail over)";
        }
        if (RegionAppendTimeoutMs < 1)
        {
            return $"--region-append-timeout-ms {RegionAppendTimeoutMs} must be at least 1";
        }
        return null;
    }

    /// <summary>Whether <paramref name="server"/> is HOST:PORT with a TCP port.</summary>
    public static bool IsHostAndPort(string server) => RoleSettings.IsHostAndPort(server);

    /// <summary>Splits HOST:PORT (the host may be a bracketed IPv6 address).</summary>
    public static bool TrySplitHostAndPort(string server, out string host, out int port) => RoleSettings.TrySplitHostAndPort(server, out host, out port);
}
