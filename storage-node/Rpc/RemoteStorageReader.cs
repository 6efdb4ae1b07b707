using System.Net.Sockets;
using Log.Journal.Rpc;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.StorageNode.Rpc;

/// <summary>
/// Storage as a query node sees it when replicas run in other processes: the same <see cref="IStorageReader"/> and
/// <see cref="IReplicaProgress"/> contracts over the storage RPC (<see cref="StorageRpcServer"/>), to one or several
/// replicas of the same partition, each over one reused connection (<see cref="RpcChannel{TMessage}"/>).
///
/// Routing: a read goes to the replica that answered last unless another is known to be ready for its read point and
/// this one is not (progress is learnt from every progress answer, which every snapshot asks for); a replica that could
/// not be reached, or refused as unavailable, is passed over for <see cref="StorageRpcOptions.ReplicaDownInterval"/>.
/// A lagging replica asked anyway waits for the read point itself, bounded by its read wait.
///
/// Failover: reads change nothing, so a read whose replica cannot be reached, whose connection breaks, or which the
/// replica refuses as unavailable is sent to the next replica, with pauses once every replica failed, until
/// <see cref="StorageRpcOptions.CallTimeout"/>; then it fails with <see cref="StorageUnavailableException"/> (57P03,
/// retryable). Snapshot too old (72000) and other refusals keep their meaning and are not retried. A scan's pages may
/// come from different replicas: each page is read at the same read point, and every replica that is ready for it holds
/// the same versions at or below it.
///
/// Several partitions: with replicas of every partition of the region (one per adjudicator shard), a snapshot fenced on
/// every shard (<see cref="WaitForOffsetsAsync"/>) carries each partition's fence in its read point, so whichever replica
/// serves a read waits until it has applied each partition below its fence (the resolved timestamp of a replica is the
/// minimum over its partitions, as in process).
///
/// Thread-safe. Dispose closes every connection; calls in flight then fail.
/// </summary>
public sealed class RemoteStorageReader : IStorageReader, IReplicaProgress, IPartitionsProgress, IStorageMaintenance, IAsyncDisposable
{
    private readonly Replica[] replicas;
    private readonly StorageRpcOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly HybridClock? clock;
    private int preferred;
    private int partition;
    private ulong resolvedTimestamp;

    /// <param name="partitionCount">The partitions each replica applies (one per adjudicator shard; 1: one partition).</param>
    /// <param name="clock">The query node's hybrid clock, which observes every resolved timestamp a replica reports: a
    /// snapshot this node takes later is then at or above any timestamp it may have read at.</param>
    public RemoteStorageReader(IReadOnlyList<(string Host, int Port)> endpoints, StorageRpcOptions options, TimeProvider? time = null,
        ILogger? logger = null, int partitionCount = 1, HybridClock? clock = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentOutOfRangeException.ThrowIfZero(endpoints.Count);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        options.Validate();
        this.options = options;
        this.time = time ?? TimeProvider.System;
        this.logger = logger ?? NullLogger.Instance;
        this.clock = clock;
        PartitionCount = partitionCount;
        replicas = [.. endpoints.Select(endpoint => new Replica(new RpcChannel<StorageRpcMessage>(endpoint.Host, endpoint.Port,
            StorageRpcProtocol.Instance, options.MaxFrameBytes, options.ConnectTimeout)))];
    }

    /// <summary>HOST:PORT of every replica, in the order given.</summary>
    public IReadOnlyList<string> Endpoints => [.. replicas.Select(replica => replica.Channel.Endpoint)];

    /// <summary>The replica the next read goes to first (an index into <see cref="Endpoints"/>; tests).</summary>
    public int PreferredReplica => Volatile.Read(ref preferred);

    /// <summary>Connections made to each replica (tests and metrics).</summary>
    public IReadOnlyList<int> ConnectionCounts => [.. replicas.Select(replica => replica.Channel.ConnectionCount)];

    public int Partition => Volatile.Read(ref partition);

    /// <summary>The greatest resolved timestamp a replica reported: no commit at or below it can still come, whichever
    /// replica said so, and every replica asked to read at it waits until it has resolved it too.</summary>
    public HybridTimestamp ResolvedTimestamp => new(Volatile.Read(ref resolvedTimestamp));

    /// <summary>Asks a replica for its progress (the partition it applies, before the first read).</summary>
    public async Task<ProgressAnswer> GetProgressAsync(CancellationToken cancellationToken) =>
        (ProgressAnswer)await CallAsync((id, deadline) => new ProgressCall(id, deadline, ReadPoint.Unfenced(HybridTimestamp.Zero), Wait: false),
            ReadPoint.Unfenced(HybridTimestamp.Zero), cancellationToken).ConfigureAwait(false);

    public async Task WaitForReadPointAsync(ReadPoint at, CancellationToken cancellationToken) =>
        await CallAsync((id, deadline) => new ProgressCall(id, deadline, at, Wait: true), at, cancellationToken).ConfigureAwait(false);

    public int PartitionCount { get; }

    /// <summary>Waits until a replica has applied each partition p below <paramref name="endOffsets"/>[p] (a snapshot fenced on
    /// every shard); the snapshot's reads carry the same fences, so a replica a read fails over to waits for them too.</summary>
    public Task WaitForOffsetsAsync(IReadOnlyList<long> endOffsets, CancellationToken cancellationToken)
    {
        if (endOffsets.Count != PartitionCount)
        {
            throw new ArgumentException($"{endOffsets.Count} end offsets for replicas of {PartitionCount} partitions.", nameof(endOffsets));
        }
        return WaitForReadPointAsync(ReadPoint.FencedOnEveryPartition(HybridTimestamp.Zero, endOffsets), cancellationToken);
    }

    public async Task<byte[]> ComputeStateDigestAsync(ReadPoint at, CancellationToken cancellationToken) =>
        ((DigestAnswer)await CallAsync((id, deadline) => new DigestCall(id, deadline, at), at, cancellationToken).ConfigureAwait(false)).Digest;

    /// <summary>Takes a checkpoint on one replica (the one reads go to), as sys.checkpoint() does in process.</summary>
    public async Task<StorageCheckpoint?> CheckpointAsync(CancellationToken cancellationToken)
    {
        var any = ReadPoint.Unfenced(HybridTimestamp.Zero);
        var answer = (CheckpointAnswer)await CallAsync((id, deadline) => new CheckpointCall(id, deadline, TakeNew: true), any, cancellationToken)
            .ConfigureAwait(false);
        if (answer.Manifest is null)
        {
            return null;
        }
        var manifest = CheckpointManifest.Decode(answer.Manifest, out var problem)
            ?? throw new InvalidDataException($"A storage replica sent a checkpoint manifest that cannot be used: {problem}");
        return StorageNode.Describe(manifest);
    }

    public async ValueTask<byte[]?> GetAsync(byte[] key, ReadPoint at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var answer = await CallAsync((id, deadline) => new GetCall(id, deadline, at, key), at, cancellationToken).ConfigureAwait(false);
        return ((ValueAnswer)answer).Value;
    }

    public async ValueTask<byte[]?[]> GetManyAsync(IReadOnlyList<byte[]> keys, ReadPoint at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var answer = (ValuesAnswer)await CallAsync((id, deadline) => new GetManyCall(id, deadline, at, keys), at, cancellationToken)
            .ConfigureAwait(false);
        if (answer.Values.Length != keys.Count)
        {
            throw new InvalidDataException($"A replica answered {answer.Values.Length} values for {keys.Count} keys.");
        }
        return answer.Values;
    }

    public async ValueTask<IReadOnlyList<KeyValue>> ScanAsync(byte[] startInclusive, byte[]? endExclusive, ReadPoint at, int limit,
        CancellationToken cancellationToken)
    {
        var collector = new Collector();
        await VisitAsync(startInclusive, endExclusive, at, limit, collector, cancellationToken).ConfigureAwait(false);
        return collector.Pairs;
    }

    public async ValueTask<VisitedRange> VisitAsync(byte[] startInclusive, byte[]? endExclusive, ReadPoint at, int limit, IKeyValueVisitor visitor,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(startInclusive);
        ArgumentNullException.ThrowIfNull(visitor);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var from = startInclusive;
        var count = 0;
        byte[]? lastKey = null;
        while (count < limit)
        {
            var page = await ScanPageAsync(from, endExclusive, at, limit - count, backward: false, cancellationToken).ConfigureAwait(false);
            var packed = page.Packed.Span;
            var position = 0;
            var last = ReadOnlySpan<byte>.Empty;
            while (PackedPairs.TryRead(packed, ref position, out var key, out var value))
            {
                count++;
                last = key;
                if (!visitor.Visit(key, value))
                {
                    return new VisitedRange(count, key.ToArray(), Stopped: true);
                }
            }
            if (page.Count > 0) lastKey = last.ToArray();
            if (!page.More || page.Count == 0) break;
            from = [.. lastKey!, 0];
        }
        return new VisitedRange(count, lastKey, Stopped: false);
    }

    public async ValueTask<IReadOnlyList<KeyValue>> ScanBackwardAsync(byte[] startInclusive, byte[]? endExclusive, ReadPoint at, int limit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(startInclusive);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var collector = new Collector();
        var end = endExclusive;
        while (collector.Pairs.Count < limit)
        {
            var page = await ScanPageAsync(startInclusive, end, at, limit - collector.Pairs.Count, backward: true, cancellationToken)
                .ConfigureAwait(false);
            var before = collector.Pairs.Count;
            var position = 0;
            while (PackedPairs.TryRead(page.Packed.Span, ref position, out var key, out var value)) collector.Visit(key, value);
            if (!page.More || collector.Pairs.Count == before) break;
            // The next page ends, exclusively, at the smallest key so far.
            end = collector.Pairs[^1].Key;
        }
        return collector.Pairs;
    }

    private async Task<PairsAnswer> ScanPageAsync(byte[] start, byte[]? end, ReadPoint at, int limit, bool backward,
        CancellationToken cancellationToken) =>
        (PairsAnswer)await CallAsync((id, deadline) => new ScanCall(id, deadline, at, start, end, limit, backward), at, cancellationToken)
            .ConfigureAwait(false);

    /// <summary>Sends a call (built afresh for each attempt with the time left as its deadline) to a replica chosen for the
    /// read point, failing over to the others until it gets an answer or time runs out; returns the answer, which is
    /// never an error (errors are thrown as the in-process replica would throw them).</summary>
    private async Task<StorageRpcMessage> CallAsync(Func<long, TimeSpan, StorageRpcCall> build, ReadPoint at, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + options.CallTimeout;
        var pause = options.ReconnectDelay;
        var lastProblem = "no attempt was made";
        var failuresSincePause = 0;
        while (true)
        {
            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                throw new StorageUnavailableException(
                    $"no storage replica ({string.Join(", ", Endpoints)}) answered within {options.CallTimeout.TotalSeconds:0.###} s: {lastProblem}");
            }
            var index = Choose(at);
            var replica = replicas[index];
            try
            {
                var answer = await replica.Channel.CallAsync(build(replica.Channel.NextRequestId(), remaining), remaining, cancellationToken)
                    .ConfigureAwait(false);
                if (answer is not StorageErrorAnswer error)
                {
                    Volatile.Write(ref preferred, index);
                    replica.MarkUp();
                    if (answer is ProgressAnswer progress) Observe(replica, progress);
                    return answer;
                }
                switch (error.Code)
                {
                    case StorageRpcErrorCode.SnapshotTooOld:
                        throw new SnapshotTooOldException(error.At, error.Horizon);
                    case StorageRpcErrorCode.BadRequest:
                        throw new ArgumentException($"{replica.Channel.Endpoint}: {error.Message}");
                    case StorageRpcErrorCode.Cancelled:
                        cancellationToken.ThrowIfCancellationRequested();
                        throw new StorageUnavailableException($"the storage replica at {replica.Channel.Endpoint} did not answer in time");
                }
                // Unavailable: this replica cannot reach the read point (or is stopped); another may.
                lastProblem = $"{replica.Channel.Endpoint}: {error.Message}";
                if (replicas.Length == 1)
                {
                    throw new StorageUnavailableException(error.Message);
                }
            }
            catch (TimeoutException)
            {
                throw new StorageUnavailableException(
                    $"the storage replica at {replica.Channel.Endpoint} did not answer within {options.CallTimeout.TotalSeconds:0.###} s");
            }
            catch (Exception exception) when (exception is RpcConnectionLostException or SocketException or IOException)
            {
                lastProblem = $"{replica.Channel.Endpoint}: {exception.Message}";
            }
            replica.MarkDown(time.GetUtcNow() + options.ReplicaDownInterval);
            logger.LogDebug("Storage replica failed a read ({Problem}); trying another", lastProblem);
            if (++failuresSincePause < replicas.Length)
            {
                continue;
            }
            failuresSincePause = 0;
            var left = deadline - time.GetUtcNow();
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(pause < left ? pause : left, time, cancellationToken).ConfigureAwait(false);
            }
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, options.MaxReconnectDelay.Ticks));
        }
    }

    /// <summary>The preferred replica when it is up and not known to lag behind <paramref name="at"/> where another is
    /// known ready; otherwise the first up replica known ready, then the first up one, then (every one down) the
    /// preferred one.</summary>
    private int Choose(ReadPoint at)
    {
        var now = time.GetUtcNow();
        var first = Volatile.Read(ref preferred);
        var firstUp = -1;
        for (var step = 0; step < replicas.Length; step++)
        {
            var index = (first + step) % replicas.Length;
            var replica = replicas[index];
            if (replica.IsDown(now)) continue;
            if (replica.IsKnownReadyFor(at)) return index;
            if (firstUp < 0) firstUp = index;
        }
        return firstUp >= 0 ? firstUp : first;
    }

    private void Observe(Replica replica, ProgressAnswer progress)
    {
        replica.Observe(progress);
        Volatile.Write(ref partition, progress.Partition);
        clock?.Observe(progress.ResolvedTimestamp);
        var resolved = progress.ResolvedTimestamp.Value;
        var known = Volatile.Read(ref resolvedTimestamp);
        while (resolved > known)
        {
            var seen = Interlocked.CompareExchange(ref resolvedTimestamp, resolved, known);
            if (seen == known) break;
            known = seen;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in replicas) await replica.Channel.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>One replica: its channel, when it was last found down, and the progress it last reported.</summary>
    private sealed class Replica(RpcChannel<StorageRpcMessage> channel)
    {
        private long downUntilTicks;
        private long nextOffset = -1;
        private ulong resolved;
        private long[] nextOffsets = [];

        public RpcChannel<StorageRpcMessage> Channel { get; } = channel;

        public bool IsDown(DateTimeOffset now) => Volatile.Read(ref downUntilTicks) > now.UtcTicks;

        public void MarkDown(DateTimeOffset until) => Volatile.Write(ref downUntilTicks, until.UtcTicks);

        public void MarkUp() => Volatile.Write(ref downUntilTicks, 0);

        public bool IsKnownReadyFor(ReadPoint at) => at.IsFenced
            ? (at.RequiredOffsets is { } required ? Reached(Volatile.Read(ref nextOffsets), required) : Volatile.Read(ref nextOffset) >= at.RequiredOffset)
            : Volatile.Read(ref resolved) >= at.Timestamp.Value;

        private static bool Reached(long[] known, IReadOnlyList<long> required)
        {
            if (known.Length != required.Count)
            {
                return false;
            }
            for (var index = 0; index < known.Length; index++)
            {
                if (known[index] < required[index]) return false;
            }
            return true;
        }

        public void Observe(ProgressAnswer progress)
        {
            Volatile.Write(ref nextOffset, Math.Max(Volatile.Read(ref nextOffset), progress.NextOffset));
            Volatile.Write(ref resolved, Math.Max(Volatile.Read(ref resolved), progress.ResolvedTimestamp.Value));
            // Answers may arrive out of order: keep each partition's greatest.
            var known = Volatile.Read(ref nextOffsets);
            var merged = progress.NextOffsets.ToArray();
            if (known.Length == merged.Length)
            {
                for (var index = 0; index < merged.Length; index++) merged[index] = Math.Max(merged[index], known[index]);
            }
            Volatile.Write(ref nextOffsets, merged);
        }
    }

    /// <summary>Copies visited pairs into a list (what <see cref="ScanAsync"/> returns).</summary>
    private sealed class Collector : IKeyValueVisitor
    {
        public List<KeyValue> Pairs { get; } = [];

        public bool Visit(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            Pairs.Add(new KeyValue(key.ToArray(), value.ToArray()));
            return true;
        }
    }
}
