using System.Net;
using Log.Journal.Hosting;

namespace Log.StorageNode.Hosting;

/// <summary>
/// Settings of one storage replica run alone (<c>storage-node serve</c>). Read, in increasing precedence, from
/// appsettings.json, environment variables prefixed LOG__ (LOG__JOURNAL, LOG__PORT, LOG__DATA, LOG__LISTEN,
/// LOG__REGION, LOG__PARTITION, LOG__PARTITIONS, LOG__BOOTSTRAPFROM, LOG__BOOTSTRAPCHUNKSINFLIGHT, LOG__HTTPPORT, LOG__SNAPSHOTRETENTIONSECONDS) and
/// command-line switches (--journal, --port, --data, --listen, --region, --partition, --partitions, --bootstrap-from, --bootstrap-chunks-in-flight,
/// --http-port, --snapshot-retention-seconds).
/// </summary>
public sealed class StorageNodeHostOptions
{
    /// <summary>Bootstrap servers (HOST:PORT[,HOST:PORT...]) of the journal: a journal node or a Kafka cluster. Required.</summary>
    public string Journal { get; set; } = "";

    /// <summary>The storage RPC port query nodes read through; 0 picks a free one (printed in the ready line).</summary>
    public int Port { get; set; } = Rpc.StorageRpcOptions.DefaultPort;

    /// <summary>The replica's folder (FASTER's log, checkpoints). Required: two replicas never share one.</summary>
    public string Data { get; set; } = "";

    /// <summary>The address the RPC and the HTTP endpoint listen on.</summary>
    public string Listen { get; set; } = "127.0.0.1";

    /// <summary>The region, which names the journal topic (log.&lt;region&gt;.txn).</summary>
    public string Region { get; set; } = "local";

    /// <summary>Deprecated, kept so that older command lines work: the replica applies this one partition alone (a
    /// database of one shard, or one partition of several for a test). Unset: every partition (<see cref="Partitions"/>).</summary>
    public int? Partition { get; set; }

    /// <summary>How many partitions the region's topic has (one per adjudicator shard); the replica applies them all.
    /// Unset: read from the journal's metadata at start (waiting, while the topic does not exist yet, for the adjudicators
    /// to create it).</summary>
    public int? Partitions { get; set; }

    /// <summary>HOST:PORT of another replica to copy a checkpoint from when this replica's folder holds none (a new
    /// replica), over the storage RPC; it then tails the journal after the checkpoint. Unset: an empty folder replays the
    /// journal from offset 0.</summary>
    public string BootstrapFrom { get; set; } = "";

    /// <summary>Chunk calls of one file the bootstrap copy keeps in flight (<see cref="Rpc.StorageRpcOptions.CheckpointCopyChunksInFlight"/>;
    /// 1: one chunk per round trip).</summary>
    public int BootstrapChunksInFlight { get; set; } = new Rpc.StorageRpcOptions().CheckpointCopyChunksInFlight;

    /// <summary>Whether the replica applies one partition alone (<c>--partition N</c>).</summary>
    public bool AppliesOnePartition => Partition is not null;

    /// <summary>The HTTP port of /healthz, /readyz (caught up with the journal) and /metrics; 0 picks a free one. Unset:
    /// no HTTP endpoint.</summary>
    public int? HttpPort { get; set; }

    /// <summary>How long behind the resolved timestamp snapshots stay readable (<see cref="StorageNodeOptions.SnapshotRetention"/>).</summary>
    public int SnapshotRetentionSeconds { get; set; } = (int)new StorageNodeOptions { DataDirectory = "." }.SnapshotRetention.TotalSeconds;

    /// <summary>MiB of the ordered index's pages kept in memory (<see cref="StorageNodeOptions.OrderedIndexCacheBytes"/>;
    /// --index-cache-mib, LOG__INDEXCACHEMIB).</summary>
    public long IndexCacheMiB { get; set; } = new StorageNodeOptions { DataDirectory = "." }.OrderedIndexCacheBytes >> 20;

    /// <summary>Multi-region mode (adjudicator/README.md, "Regions"): every region's journal as reached from this region,
    /// <c>A=HOST:PORT,B=HOST:PORT,W=HOST:PORT</c> (--regions, LOG__REGIONS). The replica reads every peered region's
    /// topic from its own region's journal and applies their merge. Empty: one region.</summary>
    public string Regions { get; set; } = "";

    /// <summary>Which of <see cref="Regions"/> is the witness, whose journal holds copies only (--witness, LOG__WITNESS).</summary>
    public string Witness { get; set; } = "";

    /// <summary>The regions' journals in multi-region mode; null in one region or when the settings are wrong.</summary>
    public Log.Journal.Client.RegionTopology? RegionTopology => string.IsNullOrWhiteSpace(Regions)
        ? null : Log.Journal.Client.RegionTopology.TryParse(Region, Regions, Witness, out _);

    public static readonly IReadOnlyDictionary<string, string> CommandLineSwitches = new Dictionary<string, string>
    {
        ["--journal"] = nameof(Journal),
        ["--port"] = nameof(Port),
        ["--data"] = nameof(Data),
        ["--listen"] = nameof(Listen),
        ["--region"] = nameof(Region),
        ["--partition"] = nameof(Partition),
        ["--partitions"] = nameof(Partitions),
        ["--bootstrap-from"] = nameof(BootstrapFrom),
        ["--bootstrap-chunks-in-flight"] = nameof(BootstrapChunksInFlight),
        ["--http-port"] = nameof(HttpPort),
        ["--snapshot-retention-seconds"] = nameof(SnapshotRetentionSeconds),
        ["--index-cache-mib"] = nameof(IndexCacheMiB),
        ["--regions"] = nameof(Regions),
        ["--witness"] = nameof(Witness),
    };

    /// <summary>The most partitions a replica applies (the query node's limit on shards).</summary>
    public const int PartitionCountMax = 256;

    /// <summary>Returns what is wrong with the settings, or null.</summary>
    public string? Validate(out IPAddress listenAddress)
    {
        var regions = Log.Journal.Client.RegionTopology.TryParse(Region, Regions, Witness, out var regionProblem);
        if (!string.IsNullOrWhiteSpace(Regions) && regions is null)
        {
            listenAddress = IPAddress.Loopback;
            return regionProblem;
        }
        var journal = string.IsNullOrWhiteSpace(Journal) && regions is not null ? regions.LocalJournal : Journal;
        if (RoleSettings.Check("the storage node", Listen, journal, Port, HttpPort, Region, out listenAddress) is { } problem)
        {
            return problem;
        }
        if (regions is not null && (Partition is > 0 || Partitions is > 1 || !string.IsNullOrWhiteSpace(BootstrapFrom)))
        {
            return "0A000: with --regions a replica applies the one partition of each region's topic and replays them from an empty folder (--partition, --partitions above 1 and --bootstrap-from are not supported)";
        }
        if (string.IsNullOrWhiteSpace(Data))
        {
            return "--data must name the replica's folder";
        }
        if (Partition < 0)
        {
            return $"--partition {Partition} must not be negative";
        }
        if (Partitions is < 1 or > PartitionCountMax)
        {
            return $"--partitions {Partitions} must be 1 to {PartitionCountMax}";
        }
        if (Partition is not null && Partitions is not null)
        {
            return "--partition (one partition alone) and --partitions (every partition) exclude each other";
        }
        if (!string.IsNullOrWhiteSpace(BootstrapFrom) && !RoleSettings.TrySplitHostAndPort(BootstrapFrom, out _, out _))
        {
            return $"--bootstrap-from '{BootstrapFrom}' must be HOST:PORT of another replica's storage RPC";
        }
        if (BootstrapChunksInFlight is < 1 or > 64)
        {
            return $"--bootstrap-chunks-in-flight {BootstrapChunksInFlight} must be 1 to 64";
        }
        if (SnapshotRetentionSeconds < 1)
        {
            return $"--snapshot-retention-seconds {SnapshotRetentionSeconds} must be at least 1";
        }
        if (IndexCacheMiB < 1)
        {
            return $"--index-cache-mib {IndexCacheMiB} must be at least 1";
        }
        return null;
    }
}
