using System.Threading.Channels;
using Log.Adjudicator;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using Log.StorageNode;

namespace Log.Integration.Tests.Regions;

/// <summary>
/// Appends each record to every region's copy of one topic, in the same order, the copies of other regions after a
/// one-way delay, and reports it durable once <c>required</c> copies hold it. A stand-in for the quorum writer, built
/// only for these tests: the delay is a Task.Delay per record on each remote copy's own ordered queue.
/// </summary>
internal sealed class DelayedQuorumWriter : IJournalWriter
{
    private readonly List<Copy> copies;
    private readonly int required;

    private sealed record Pending(int Partition, JournalRecord Record, long DueMilliseconds, Action<long> OnStored);

    private sealed class Copy
    {
        public required MemoryJournal Journal { get; init; }

        public required TimeSpan Delay { get; init; }

        public Channel<Pending> Queue { get; } = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

        public Task Loop { get; set; } = Task.CompletedTask;
    }

    public DelayedQuorumWriter(IEnumerable<(MemoryJournal Journal, TimeSpan Delay)> copies, int required)
    {
        this.copies = [.. copies.Select(copy => new Copy { Journal = copy.Journal, Delay = copy.Delay })];
        this.required = required;
        foreach (var copy in this.copies)
        {
            copy.Loop = Task.Run(() => StoreAsync(copy));
        }
    }

    private static async Task StoreAsync(Copy copy)
    {
        await foreach (var pending in copy.Queue.Reader.ReadAllAsync())
        {
            var wait = pending.DueMilliseconds - Environment.TickCount64;
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait));
            }
            var offset = await copy.Journal.AppendAsync(pending.Partition, pending.Record, CancellationToken.None);
            pending.OnStored(offset);
        }
    }

    public Task<long> AppendAsync(int partition, JournalRecord record, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        Append(partition, record, (offset, _) => done.TrySetResult(offset));
        return done.Task.WaitAsync(cancellationToken);
    }

    public void Append(int partition, JournalRecord record, Action<long, Exception?> onDone)
    {
        JournalRecordCodec.Encode(record); // refuses a bad record before any copy takes it
        var stored = 0;
        var now = Environment.TickCount64;
        foreach (var copy in copies)
        {
            var due = now + (long)copy.Delay.TotalMilliseconds;
            copy.Queue.Writer.TryWrite(new Pending(partition, record, due, offset =>
            {
                if (Interlocked.Increment(ref stored) == required)
                {
                    onDone(offset, null);
                }
            }));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var copy in copies)
        {
            copy.Queue.Writer.TryComplete();
        }
        await Task.WhenAll(copies.Select(copy => copy.Loop));
    }
}

/// <summary>
/// Two peered regions and a witness in one process: every region topic has a copy (a <see cref="MemoryJournal"/>) in
/// each of the three regions, written through a <see cref="DelayedQuorumWriter"/> (two of three, the others one
/// <see cref="OneWayDelay"/> away); each peered region runs a multi-region adjudicator and a storage replica, both
/// reading every topic from their own region's copies, and has its own hybrid clock.
/// </summary>
internal sealed class TwoRegionsAndWitness : IAsyncDisposable
{
    public static readonly TimeSpan OneWayDelay = TimeSpan.FromMilliseconds(10);
    public static readonly string[] Peers = ["a", "b"];
    private static readonly string[] Holders = ["a", "b", "w"];

    private readonly Dictionary<(string Holder, string Topic), MemoryJournal> copies = [];
    private readonly Dictionary<string, IJournalWriter> writers = [];
    private readonly HashSet<string> lost = [];
    private readonly Dictionary<(string Holder, string Topic), long> fences = [];
    private readonly List<string> directories = [];
    private TimeSpan? failoverTimeout;
    private bool otherCopiesReachable = true;

    public Dictionary<string, Region> Regions { get; } = [];

    internal sealed record Region(string Name, HybridClock Clock, RegionAdjudicatorShard Adjudicator, StorageNode.StorageNode Storage, RegionMergeReader Merged);

    /// <summary>Whether the witness's journal answers a seal's fence (false: as if it could not be reached).</summary>
    public bool WitnessReachable { get; set; } = true;

    /// <param name="failoverTimeout">Each shard's <see cref="RegionOptions.FailoverTimeout"/>, sealing through
    /// <see cref="SealAsync"/>'s sealer over its own and the witness's copy; null: no shard fails over by itself.</param>
    /// <param name="otherCopiesReachable">False: a replica's reads of the other regions' copies never answer, so it learns
    /// that a commit is in two regions only from what its writer says in its own region's copy.</param>
    public static async Task<TwoRegionsAndWitness> StartAsync(CancellationToken cancellationToken, TimeSpan? failoverTimeout = null,
        bool otherCopiesReachable = true)
    {
        var cluster = new TwoRegionsAndWitness { otherCopiesReachable = otherCopiesReachable };
        try
        {
            await cluster.StartRegionsAsync(cancellationToken, failoverTimeout);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    private async Task StartRegionsAsync(CancellationToken cancellationToken, TimeSpan? failoverTimeout)
    {
        foreach (var holder in Holders)
        {
            foreach (var topic in Peers)
            {
                copies[(holder, topic)] = new MemoryJournal();
            }
        }
        this.failoverTimeout = failoverTimeout;
        foreach (var region in Peers)
        {
            var writer = new DelayedQuorumWriter(
                Holders.Select(holder => (copies[(holder, region)], holder == region ? TimeSpan.Zero : OneWayDelay)), required: 2);
            writers[region] = writer;
            var clock = new HybridClock();
            var survivors = new[] { region, "w" };
            var adjudicator = new RegionAdjudicatorShard(Options(region, failoverTimeout), writer, ReadersIn(region), clock,
                sealRegion: (lostRegion, epoch, token) => SealerOf(lostRegion, survivors).SealAsync(0, epoch, token));
            var merged = new RegionMergeReader(ReadersIn(region), 0, TimeSpan.FromMinutes(5), otherCopies: OtherCopiesFor(region));
            var directory = Directory.CreateTempSubdirectory($"log-region-{region}-").FullName;
            directories.Add(directory);
            var storage = new StorageNode.StorageNode(new StorageNodeOptions { DataDirectory = directory, CheckpointsEnabled = false }, merged);
            Regions[region] = new Region(region, clock, adjudicator, storage, merged);
        }
        foreach (var region in Regions.Values)
        {
            await region.Storage.StartAsync(cancellationToken);
        }
        await Task.WhenAll(Regions.Values.Select(region => region.Adjudicator.StartAsync(cancellationToken)));
    }

    private static RegionOptions Options(string region, TimeSpan? failoverTimeout) => new()
    {
        Region = region,
        Regions = Peers,
        Lead = OneWayDelay * 2 + TimeSpan.FromMilliseconds(10),
        MaxClockOffset = TimeSpan.FromMilliseconds(1),
        HeartbeatInterval = TimeSpan.FromMilliseconds(5),
        FailoverTimeout = failoverTimeout ?? TimeSpan.Zero,
    };

    /// <summary>The copy of <paramref name="topic"/>'s region topic that <paramref name="holder"/> holds.</summary>
    public MemoryJournal CopyOf(string holder, string topic) => copies[(holder, topic)];

    /// <summary>Every process of <paramref name="region"/> stops (what its writer had sent still lands).</summary>
    public async Task LoseAsync(string region)
    {
        lost.Add(region);
        var stopped = Regions[region];
        await stopped.Adjudicator.DisposeAsync();
        await writers[region].DisposeAsync();
        await stopped.Storage.DisposeAsync();
        await stopped.Merged.DisposeAsync();
    }

    /// <summary>Region <paramref name="region"/>'s adjudicator stops as a crash would stop it (what its writer had sent
    /// still lands); its storage replica goes on.</summary>
    public async Task CrashAdjudicatorAsync(string region)
    {
        await Regions[region].Adjudicator.DisposeAsync();
        await writers[region].DisposeAsync();
    }

    /// <summary>Starts region <paramref name="region"/>'s adjudicator again (after <see cref="CrashAdjudicatorAsync"/>)
    /// as a new life of epoch <paramref name="epoch"/>, writing its topic through a <see cref="QuorumJournalWriter"/>
    /// over the three copies (its own first), which it can fence, read and fill as on journal nodes; each copy's first
    /// writer is <paramref name="writerOf"/>'s for it (a fault-injecting one), the journal itself by default.</summary>
    public async Task RestartAdjudicatorAsync(string region, long epoch, CancellationToken cancellationToken,
        Func<string, IJournalWriter, IJournalWriter>? writerOf = null)
    {
        var quorumCopies = new[] { region }.Concat(Holders.Where(holder => holder != region)).Select(holder => new QuorumJournalCopy(holder,
            writerOf?.Invoke(holder, copies[(holder, region)]) ?? copies[(holder, region)])
        {
            Direct = new MemorySealCopy(this, holder, region),
            Reopen = () => copies[(holder, region)],
        }).ToList();
        var writer = new QuorumJournalWriter(quorumCopies, required: 2) { RepairEpoch = epoch };
        writers[region] = writer;
        var survivors = new[] { region, "w" };
        var adjudicator = new RegionAdjudicatorShard(Options(region, failoverTimeout) with { Epoch = epoch }, writer, ReadersIn(region), Regions[region].Clock,
            sealRegion: (lostRegion, sealEpoch, token) => SealerOf(lostRegion, survivors).SealAsync(0, sealEpoch, token));
        Regions[region] = Regions[region] with { Adjudicator = adjudicator };
        await adjudicator.StartAsync(cancellationToken);
    }

    /// <summary>The failover's seal (adjudicator/README.md, "Failover (region loss)") of <paramref name="region"/>'s
    /// topic on the copies of the regions not lost, by hand, with an epoch above the lost writer's.</summary>
    public Task SealAsync(string region, long epoch, CancellationToken cancellationToken) =>
        SealerOf(region, [.. Holders.Where(holder => !lost.Contains(holder))]).SealAsync(0, epoch, cancellationToken);

    /// <summary>The fence a seal set on <paramref name="holder"/>'s copy of <paramref name="topic"/> (0: none).</summary>
    public long FenceOf(string holder, string topic) => fences.GetValueOrDefault((holder, topic));

    private RegionSealer SealerOf(string region, IReadOnlyList<string> survivors) =>
        new([.. survivors.Select(holder => (IRegionSealCopy)new MemorySealCopy(this, holder, region))]);

    /// <summary>A holder's copy for the sealer. <see cref="MemoryJournal"/> enforces no fence: the tests stop the lost
    /// writer before any seal, and the journal node's fence has tests of its own.</summary>
    private sealed class MemorySealCopy(TwoRegionsAndWitness cluster, string holder, string topic) : IRegionSealCopy
    {
        private MemoryJournal Journal => cluster.copies[(holder, topic)];

        public string Name => holder;

        public Task<long> FenceAsync(int partition, long epoch, CancellationToken cancellationToken)
        {
            if (holder == "w" && !cluster.WitnessReachable)
            {
                throw new IOException("the witness's journal cannot be reached");
            }
            lock (cluster.fences)
            {
                cluster.fences[(holder, topic)] = Math.Max(cluster.fences.GetValueOrDefault((holder, topic)), epoch);
            }
            return Task.FromResult(Journal.EndOffset(partition));
        }

        public async Task<IReadOnlyList<JournalRecord>> ReadAsync(int partition, long from, long to, CancellationToken cancellationToken) =>
            (await RecordsOfAsync(Journal, cancellationToken))[(int)from..(int)to];

        public async Task AppendAtAsync(int partition, long expectedOffset, IReadOnlyList<JournalRecord> records, CancellationToken cancellationToken)
        {
            if (Journal.EndOffset(partition) != expectedOffset)
            {
                throw new JournalFenceRefusedException(1, $"{holder}'s copy ends at {Journal.EndOffset(partition)}, not at {expectedOffset}");
            }
            foreach (var record in records)
            {
                await Journal.AppendAsync(partition, record, cancellationToken);
            }
        }
    }

    /// <summary>Every record of partition 0 of <paramref name="copy"/>, as it is now.</summary>
    public static async Task<List<JournalRecord>> RecordsOfAsync(MemoryJournal copy, CancellationToken cancellationToken)
    {
        var end = copy.EndOffset(0);
        var records = new List<JournalRecord>();
        if (end == 0)
        {
            return records;
        }
        await foreach (var entry in copy.ReadAsync(0, 0, cancellationToken))
        {
            records.Add(entry.Record);
            if (entry.Offset == end - 1)
            {
                break;
            }
        }
        return records;
    }

    private Dictionary<string, IJournalReader> ReadersIn(string holder) =>
        Peers.ToDictionary(topic => topic, topic => (IJournalReader)copies[(holder, topic)]);

    /// <summary>Every peered topic's copies in the regions other than <paramref name="holder"/>: the replica's evidence
    /// that a commit is durable in two regions.</summary>
    private Dictionary<string, IReadOnlyList<IJournalReader>> OtherCopiesFor(string holder) =>
        Peers.ToDictionary(topic => topic, topic => (IReadOnlyList<IJournalReader>)[.. Holders.Where(other => other != holder)
            .Select(other => otherCopiesReachable ? copies[(other, topic)] : (IJournalReader)new UnreachableCopy())]);

    /// <summary>Another region's copy that never answers: a read waits until it is cancelled.</summary>
    private sealed class UnreachableCopy : IJournalReader
    {
        public async IAsyncEnumerable<JournalEntry> ReadAsync(int partition, long fromOffset,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var region in Regions.Values.Where(region => !lost.Contains(region.Name)))
        {
            await region.Adjudicator.DisposeAsync();
            await region.Storage.DisposeAsync();
            await region.Merged.DisposeAsync();
            await writers[region.Name].DisposeAsync();
        }
        foreach (var directory in directories)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
