using System.Net;

namespace Log.Journal.Node;

/// <summary>Settings of a <see cref="JournalNode"/>. Every limit is named here, in one place.</summary>
public sealed class JournalNodeOptions
{
    public IPAddress ListenAddress { get; set; } = IPAddress.Loopback;

    /// <summary>0 picks a free port; <see cref="JournalNode.Port"/> tells which after start.</summary>
    public int Port { get; set; }

    /// <summary>The host name given to clients in Metadata; null means the listen address as text
    /// (or 127.0.0.1 when listening on every address).</summary>
    public string? AdvertisedHost { get; set; }

    /// <summary>The port given to clients in Metadata and FindCoordinator; null means the bound port.
    /// Set it when clients reach the node through a forwarder (a proxy, a NAT, a fault-injecting
    /// test proxy): a Kafka client connects to the advertised address after bootstrap, so without
    /// it every connection but the first would bypass the forwarder.</summary>
    public int? AdvertisedPort { get; set; }

    /// <summary>More ports to listen on, each with the port its clients are told to connect to (Kafka's several
    /// listeners): clients reaching the node through different forwarders (a delay proxy per region, as
    /// tests/cluster/start-regions.sh starts) each keep to their own after bootstrap.</summary>
    public IReadOnlyList<(int Port, int AdvertisedPort)> ExtraListeners { get; set; } = [];

    public string DataDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "log-journal");

    public int DefaultPartitions { get; set; } = 1;

    public bool AutoCreateTopics { get; set; } = true;

    public int NodeId { get; set; } = 1;

    public string ClusterId { get; set; } = "log-journal";

    /// <summary>A request frame above this closes its connection (Kafka's socket.request.max.bytes).</summary>
    public int MaxRequestBytes { get; set; } = 100 * 1024 * 1024;

    /// <summary>A single record batch above this is refused with MESSAGE_TOO_LARGE (Kafka's message.max.bytes).
    /// It must fit in one FASTER log page. The default is a Kafka broker's, which every record Log
    /// writes fits (see <see cref="Records.JournalLimits"/>). Below
    /// <see cref="Records.JournalLimits.ProducerMessageBytesMax"/> Log's own producers may be refused
    /// (tests lower it on purpose).</summary>
    public int MaxBatchBytes { get; set; } = Records.JournalLimits.BrokerBatchBytesMax;

    /// <summary>Requests read ahead of their responses on one connection (Kafka pipelines up to 5 per producer).</summary>
    public int MaxInFlightRequestsPerConnection { get; set; } = 16;

    public int MaxConnections { get; set; } = 1024;

    public int MaxPartitionsPerTopic { get; set; } = 1024;

    /// <summary>Upper bound on a fetch's long poll, whatever the client asks for.</summary>
    public int MaxFetchWaitMs { get; set; } = 30_000;

    /// <summary>How many recent batches per producer and partition are remembered to recognise
    /// retried duplicates (Kafka keeps 5, matching max.in.flight of an idempotent producer).</summary>
    public int ProducerBatchesRememberedPerPartition { get; set; } = 5;

    /// <summary>FASTER log page size (2^bits bytes); a batch must fit in a page.</summary>
    public int LogPageSizeBits { get; set; } = 22;

    /// <summary>FASTER log memory per partition (2^bits bytes, at least two pages).</summary>
    public int LogMemorySizeBits { get; set; } = 23;

    /// <summary>A partition writes its index file (<see cref="Storage.PartitionIndexFile"/>) again once its durable log
    /// has grown this much past the last one, and when an open checked at least this much; an open checks the batches
    /// after the newest index file, so this bounds what an open after a crash reads of the log (a clean stop writes one
    /// of the whole log).</summary>
    public long PartitionIndexIntervalBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>FASTER log file segment size (2^bits bytes).</summary>
    public int LogSegmentSizeBits { get; set; } = 30;

    /// <summary>The node raises the process's thread pool minimum to at least this many worker
    /// threads when it starts (never lowers it). Blocking work still runs there: FASTER's commit
    /// callbacks (which may write a commit record), sends of responses completed by another thread,
    /// and the background zero-filling of segments; with the default minimum (the core count) a few
    /// of these at once on a two-core machine stalled the others until the pool slowly grew.</summary>
    public int MinimumThreadPoolWorkerThreads { get; set; } = 32;

    /// <summary>Consumer groups: the shortest and longest session a member may ask for
    /// (Kafka's group.min/max.session.timeout.ms; the minimum is lower here so tests run fast).</summary>
    public int GroupMinimumSessionTimeoutMs { get; set; } = 1_000;

    public int GroupMaximumSessionTimeoutMs { get; set; } = 1_800_000;

    /// <summary>How long a new group waits for more members before its first generation
    /// (Kafka's group.initial.rebalance.delay.ms is 3000; 0 answers a lone consumer at once).</summary>
    public int GroupInitialRebalanceDelayMs { get; set; }

    /// <summary>How often sessions and rebalance deadlines are checked: a deadline is noticed at most this late, half
    /// the shortest session timeout a member may ask for (1 s); every check wakes an idle node.</summary>
    public int GroupExpiryCheckIntervalMs { get; set; } = 500;

    public int MaxConsumerGroups { get; set; } = 10_000;

    public int MaxMembersPerGroup { get; set; } = 1_000;

    /// <summary>Committed offsets kept, over every group (they are rewritten as one file).</summary>
    public int MaxCommittedOffsets { get; set; } = 100_000;

    /// <summary>Kafka's offset.metadata.max.bytes.</summary>
    public int MaxOffsetMetadataBytes { get; set; } = 4_096;

    /// <summary>The clock of group sessions; tests may inject their own.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Fault injection for tests: when it returns true for a request's API key, the
    /// request is handled but the connection is closed instead of answering it (a lost response).</summary>
    internal Func<short, bool>? DropConnectionInsteadOfResponding { get; set; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(ListenAddress);
        ArgumentException.ThrowIfNullOrEmpty(DataDirectory);
        ArgumentOutOfRangeException.ThrowIfNegative(Port);
        if (AdvertisedPort is { } advertisedPort)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(advertisedPort, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(advertisedPort, 65535);
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(DefaultPartitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInFlightRequestsPerConnection, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(LogMemorySizeBits, LogPageSizeBits + 1);
        ArgumentOutOfRangeException.ThrowIfNegative(MinimumThreadPoolWorkerThreads);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(GroupExpiryCheckIntervalMs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(GroupMaximumSessionTimeoutMs, GroupMinimumSessionTimeoutMs);
        if (MaxBatchBytes > (1 << LogPageSizeBits) - 64)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchBytes), "a batch must fit in one FASTER log page");
        }
    }
}
