using System.Diagnostics;
using Log.Journal.Client;
using Microsoft.Extensions.Logging;

namespace Log.StorageNode.Tools;

/// <summary>
/// <c>replay</c>: reads one journal partition over the Kafka protocol (our journal node or a Kafka cluster) with the
/// journal reader the node uses, applies it into DIR/storage exactly as a running node does, takes a checkpoint at
/// the end and prints the state digest with the offset and timestamp it covers. Progress goes to standard error, as
/// one rewritten line on a terminal and as plain lines otherwise.
/// </summary>
internal static class ReplayCommand
{
    /// <summary>How often progress is printed.</summary>
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    /// <summary>How much further apart than a running node's the replay's background checkpoints are.</summary>
    private const int CheckpointDistanceFactor = 10;

    /// <summary>How often the node's progress is looked at.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public static async Task<int> RunAsync(ToolArguments arguments, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var storageDirectory = Path.Combine(arguments.DataDirectory, StorageNode.StorageFolderName);
        if (arguments.From == -1 && Directory.Exists(storageDirectory))
        {
            Directory.Delete(storageDirectory, recursive: true);
        }
        await using var journal = new KafkaJournalReader(new JournalClientOptions { BootstrapServers = arguments.Journal!, Region = arguments.Region },
            loggerFactory.CreateLogger<KafkaJournalReader>());
        var defaults = new StorageNodeOptions { DataDirectory = arguments.DataDirectory };
        var options = new StorageNodeOptions
        {
            DataDirectory = arguments.DataDirectory,
            Partition = arguments.Partition,
            JournalTopic = arguments.Topic,
            ApplyUntil = arguments.Until,
            // The tool takes its own checkpoint at the end; the node's background ones still bound a crash's loss, but
            // ten times further apart than a running node's: each one pauses applying, writes the hash index and the
            // key file and checksums the log, which a replay of a few million writes otherwise does every few seconds.
            CheckpointOnShutdown = false,
            CheckpointJournalDistanceMax = CheckpointDistanceFactor * defaults.CheckpointJournalDistanceMax,
            CheckpointWriteDistanceMax = CheckpointDistanceFactor * defaults.CheckpointWriteDistanceMax,
        };
        await using var node = new StorageNode(options, journal, loggerFactory.CreateLogger<StorageNode>());
        await node.StartAsync(cancellationToken);
        long start = node.NextOffset;
        if (arguments.From is { } from && from >= 0 && from != start)
        {
            throw new InvalidOperationException(
                $"--from {from}: the folder's newest checkpoint covers the journal up to offset {start}; replay continues a folder from there, or starts over with --from beginning");
        }
        long end = await journal.GetEndOffsetAsync(arguments.Partition, cancellationToken);
        var terminal = !Console.IsErrorRedirected;
        Console.Error.WriteLine($"replaying {arguments.Topic} partition {arguments.Partition} from offset {start} to {end}" +
            (arguments.Until is { } until ? $", until timestamp {until.Value} ({until})" : "") + $" into {arguments.DataDirectory}");
        var clock = Stopwatch.StartNew();
        var processorTimeAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        var printed = TimeSpan.Zero;
        while (node.NextOffset < end && !node.ReachedApplyLimit && node.FailureReason is null)
        {
            await Task.Delay(PollInterval, cancellationToken);
            if (clock.Elapsed - printed < ProgressInterval)
            {
                continue;
            }
            printed = clock.Elapsed;
            var line = ProgressLine(node.NextOffset - start, node.NextOffset, end, clock.Elapsed);
            if (terminal)
            {
                Console.Error.Write($"\r{line}   ");
            }
            else
            {
                Console.Error.WriteLine(line);
            }
        }
        if (terminal && printed > TimeSpan.Zero)
        {
            Console.Error.WriteLine();
        }
        if (node.FailureReason is { } failure)
        {
            throw new InvalidOperationException($"replay stopped at offset {node.NextOffset}: {failure}");
        }
        var elapsed = clock.Elapsed;
        var processorTime = Process.GetCurrentProcess().TotalProcessorTime - processorTimeAtStart;
        var records = node.NextOffset - start;
        // The process's CPU time (every thread: fetching, decoding, applying, FASTER's flushes, the JIT) says what the
        // replay costs whatever else the machine runs; the wall-clock rate depends on the share of the cores it gets.
        Console.Out.WriteLine($"replayed {records} records ({node.AppliedWriteCount} writes) in {elapsed.TotalSeconds:0.00} s " +
            $"({processorTime.TotalSeconds:0.00} s of CPU): " +
            $"{records / Math.Max(elapsed.TotalSeconds, 1e-3):0} records/s, {node.AppliedWriteCount / Math.Max(elapsed.TotalSeconds, 1e-3):0} writes/s");
        var checkpoint = await node.CheckpointAsync(cancellationToken);
        Console.Out.WriteLine(checkpoint is null
            ? "no checkpoint: the journal stops inside a large transaction's fragments, so the folder replays from its previous checkpoint"
            : ToolOutput.CheckpointLine(checkpoint));
        // The node goes on applying heartbeats after the end, so the digest is taken at the point the checkpoint
        // describes. Every commit at or below --until is applied (applying stopped at the first record above it), so the
        // state at the limit is the state there.
        var covered = checkpoint?.ResolvedTimestamp ?? node.ResolvedTimestamp;
        var at = arguments.Until is { } limit && limit > covered ? limit : covered;
        Console.Out.WriteLine(ToolOutput.DigestLine(node.ComputeStateDigest(at), checkpoint?.NextOffset ?? node.NextOffset, at,
            checkpoint?.KeyCount ?? node.KeyCount));
        if (arguments.CutJournal)
        {
            await node.DisposeAsync();
            await CutJournalAsync(arguments, journal, checkpoint, at, loggerFactory, cancellationToken);
        }
        return 0;
    }

    /// <summary>The folder an all-in-one database keeps its journal in, inside its data folder (LogServer's).</summary>
    private const string JournalFolderName = "journal";

    /// <summary>How many copied records may wait for their acknowledgement at once.</summary>
    private const int CutCopyInFlightMax = 10_000;

    /// <summary>
    /// Point-in-time restore: writes DATA/journal, the journal of a database started on DATA (<c>log --data DATA</c>):
    /// a journal node on that folder, on a loopback port of its own while the copy runs, receives the topic's records
    /// below the offset the replay's checkpoint covers, copied from the source journal in order, so every record keeps
    /// its offset. That database recovers the checkpoint (the state as of --until, or as of where the journal ended),
    /// finds nothing to replay after it, and appends its next commits from there: the journal cut at that point. Its
    /// adjudicator reads the tail before the cut as after any restart (its clock moves past the last timestamp there,
    /// its new writer epoch, from the clock, is above the old ones).
    /// </summary>
    private static async Task CutJournalAsync(ToolArguments arguments, KafkaJournalReader source, StorageCheckpoint? checkpoint,
        Log.Journal.Time.HybridTimestamp at, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        if (checkpoint is null)
        {
            throw new InvalidOperationException("--cut-journal needs the checkpoint the replay ends with, and there is none");
        }
        var journalDirectory = Path.Combine(arguments.DataDirectory, JournalFolderName);
        if (Directory.Exists(journalDirectory) && Directory.EnumerateFileSystemEntries(journalDirectory).Any())
        {
            throw new InvalidOperationException($"--cut-journal: {journalDirectory} already holds a journal");
        }
        var cut = checkpoint.NextOffset;
        await using var journalNode = new Log.Journal.Node.JournalNode(new Log.Journal.Node.JournalNodeOptions { Port = 0, DataDirectory = journalDirectory },
            loggerFactory.CreateLogger<Log.Journal.Node.JournalNode>());
        await journalNode.StartAsync(cancellationToken);
        await using (var writer = new KafkaJournalWriter(new JournalClientOptions { BootstrapServers = journalNode.BootstrapServers, Region = arguments.Region },
            loggerFactory.CreateLogger<KafkaJournalWriter>()))
        {
            using var inFlight = new SemaphoreSlim(CutCopyInFlightMax);
            var failure = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (cut > 0)
            {
                await foreach (var entry in source.ReadAsync(arguments.Partition, 0, cancellationToken))
                {
                    var expected = entry.Offset;
                    if (expected == 0)
                    {
                        // The first one waits until it is written: the writer then knows the topic exists and queues the
                        // next ones in order (before that it would send each on its own, in no particular order).
                        var written = await writer.AppendAsync(0, entry.Record, cancellationToken);
                        if (written != 0)
                        {
                            throw new InvalidOperationException($"--cut-journal: the copy's first record was written at offset {written}");
                        }
                        if (cut == 1)
                        {
                            break;
                        }
                        continue;
                    }
                    await inFlight.WaitAsync(cancellationToken);
                    writer.Append(0, entry.Record, (offset, exception) =>
                    {
                        if (exception is not null || offset != expected)
                        {
                            failure.TrySetException(exception ?? new InvalidOperationException(
                                $"--cut-journal: record {expected} of the source was written at offset {offset} of the copy"));
                        }
                        inFlight.Release();
                    });
                    if (expected + 1 >= cut || failure.Task.IsCompleted)
                    {
                        break;
                    }
                }
            }
            for (var acquired = 0; acquired < CutCopyInFlightMax; acquired++)
            {
                await inFlight.WaitAsync(cancellationToken);
            }
            if (failure.Task.IsFaulted)
            {
                await failure.Task;
            }
        }
        Console.Out.WriteLine($"journal cut: {journalDirectory} holds {arguments.Topic} up to offset {cut}; " +
            $"log --data {arguments.DataDirectory} starts the database as of timestamp {at.Value} ({at})");
    }

    private static string ProgressLine(long records, long offset, long end, TimeSpan elapsed)
    {
        var rate = records / Math.Max(elapsed.TotalSeconds, 1e-3);
        var left = rate > 0 ? TimeSpan.FromSeconds((end - offset) / rate) : TimeSpan.Zero;
        return $"replayed {records} records, offset {offset} of {end}, {rate:0} records/s, about {left.TotalSeconds:0} s left";
    }
}
