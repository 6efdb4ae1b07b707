using System.Net;
using Log.Journal.Hosting;

namespace Log.StorageNode.Hosting;

/// <summary>
/// Settings of one storage replica run alone (<c>storage-node serve</c>). Read, in increasing precedence, from
/// appsettings.json, environment variables prefixed LOG__ (LOG__JOURNAL, LOG__PORT, LOG__DATA, LOG__LISTEN,
/// LOG__REGION, LOG__PARTITION, LOG__HTTPPORT, LOG__SNAPSHOTRETENTIONSECONDS) and command-line switches (--journal,
/// --port, --data, --listen, --region, --partition, --http-port, --snapshot-retention-seconds).
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

    /// <summary>The journal partition the replica applies.</summary>
    public int Partition { get; set; }

    /// <summary>The HTTP port of /healthz, /readyz (caught up with the journal) and /metrics; 0 picks a free one. Unset:
    /// no HTTP endpoint.</summary>
    public int? HttpPort { get; set; }

    /// <summary>How long behind the resolved timestamp snapshots stay readable (<see cref="StorageNodeOptions.SnapshotRetention"/>).</summary>
    public int SnapshotRetentionSeconds { get; set; } = (int)new StorageNodeOptions { DataDirectory = "." }.SnapshotRetention.TotalSeconds;

    public static readonly IReadOnlyDictionary<string, string> CommandLineSwitches = new Dictionary<string, string>
    {
        ["--journal"] = nameof(Journal),
        ["--port"] = nameof(Port),
        ["--data"] = nameof(Data),
        ["--listen"] = nameof(Listen),
        ["--region"] = nameof(Region),
        ["--partition"] = nameof(Partition),
        ["--http-port"] = nameof(HttpPort),
        ["--snapshot-retention-seconds"] = nameof(SnapshotRetentionSeconds),
    };

    /// <summary>Returns what is wrong with the settings, or null.</summary>
    public string? Validate(out IPAddress listenAddress)
    {
        if (RoleSettings.Check("the storage node", Listen, Journal, Port, HttpPort, Region, out listenAddress) is { } problem)
        {
            return problem;
        }
        if (string.IsNullOrWhiteSpace(Data))
        {
            return "--data must name the replica's folder";
        }
        if (Partition < 0)
        {
            return $"--partition {Partition} must not be negative";
        }
        if (SnapshotRetentionSeconds < 1)
        {
            return $"--snapshot-retention-seconds {SnapshotRetentionSeconds} must be at least 1";
        }
        return null;
    }
}
