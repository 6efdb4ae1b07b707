using Log.Adjudicator;
using Log.Journal.Client;
using Log.Journal.Node;
using Log.Journal.Time;

namespace Log.Benchmarks.RpcTransports;

/// <summary>Where the adjudicator's shard appends its records.</summary>
internal enum JournalKind
{
    /// <summary><see cref="MemoryJournal"/>: records go through the journal's real codec and stay in memory. An append
    /// costs microseconds, so the transports' differences are not hidden under a disk flush.</summary>
    Memory,

    /// <summary>A journal node hosted in the process with the Kafka clients over loopback, as the all-in-one process
    /// runs it: every commit waits for the node's synchronous write to disk.</summary>
    Node,
}

/// <summary>
/// One adjudicator shard as a process serves it: an <see cref="AdjudicatorSupervisor"/> over an
/// <see cref="AdjudicatorShard"/> (shard 0, partition 0, default options), with one <see cref="HybridClock"/> shared by
/// the shards it builds, over the chosen journal. The same object is called in process and served by both RPC
/// servers. Dispose stops the shard, then the journal.
/// </summary>
internal sealed class AdjudicatorBackend : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> started = [];

    private AdjudicatorBackend(AdjudicatorSupervisor adjudicator, HybridClock clock)
    {
        Adjudicator = adjudicator;
        Clock = clock;
    }

    public AdjudicatorSupervisor Adjudicator { get; }

    /// <summary>The adjudicator's clock, which its RPC servers observe callers' clocks into and send with replies.</summary>
    public HybridClock Clock { get; }

    /// <param name="dataDirectory">The journal node's files (<see cref="JournalKind.Node"/> only); the caller removes it.</param>
    public static async Task<AdjudicatorBackend> StartAsync(JournalKind journal, string dataDirectory, CancellationToken cancellationToken)
    {
        var disposables = new List<IAsyncDisposable>();
        try
        {
            IJournalWriter writer;
            IJournalReader reader;
            if (journal == JournalKind.Memory)
            {
                var memory = new MemoryJournal();
                (writer, reader) = (memory, memory);
            }
            else
            {
                var node = new JournalNode(new JournalNodeOptions { Port = 0, DataDirectory = dataDirectory });
                await node.StartAsync(cancellationToken);
                disposables.Add(node);
                var clientOptions = new JournalClientOptions { BootstrapServers = node.BootstrapServers, ClientId = "rpc-transports" };
                var kafkaWriter = new KafkaJournalWriter(clientOptions);
                disposables.Add(kafkaWriter);
                var kafkaReader = new KafkaJournalReader(clientOptions);
                disposables.Add(kafkaReader);
                (writer, reader) = (kafkaWriter, kafkaReader);
            }
            var clock = new HybridClock();
            var options = new AdjudicatorOptions { Shard = 0, Partition = 0 };
            var supervisor = new AdjudicatorSupervisor(() => new AdjudicatorShard(options, writer, reader, clock), options);
            await supervisor.StartAsync(cancellationToken);
            disposables.Add(supervisor);
            var backend = new AdjudicatorBackend(supervisor, clock);
            backend.started.AddRange(disposables);
            return backend;
        }
        catch
        {
            await DisposeInReverseAsync(disposables);
            throw;
        }
    }

    public ValueTask DisposeAsync() => DisposeInReverseAsync(started);

    private static async ValueTask DisposeInReverseAsync(List<IAsyncDisposable> disposables)
    {
        for (var index = disposables.Count - 1; index >= 0; index--)
        {
            await disposables[index].DisposeAsync();
        }
        disposables.Clear();
    }
}
