using Log.Journal.Client;
using Microsoft.Extensions.Logging;

namespace Log.StorageNode.Tools;

/// <summary>
/// <c>digest</c>: recovers the newest valid checkpoint of DIR (read only: no journal, nothing applied) and prints the
/// state digest at --at, or at the timestamp the checkpoint covers. A folder with no usable checkpoint is an error,
/// and a timestamp past what the checkpoint covers is refused (commits after it may be missing).
/// </summary>
internal static class DigestCommand
{
    public static async Task<int> RunAsync(ToolArguments arguments, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var options = new StorageNodeOptions
        {
            DataDirectory = arguments.DataDirectory,
            Partition = arguments.Partition,
            JournalTopic = arguments.Topic,
            RequireCheckpoint = true,
            CheckpointOnShutdown = false,
            // Reading a folder changes nothing in it.
            GarbageCollectionEnabled = false,
        };
        await using var journal = new NoJournal();
        await using var node = new StorageNode(options, journal, loggerFactory.CreateLogger<StorageNode>());
        await node.StartAsync(cancellationToken);
        var checkpoint = node.NewestCheckpoint ?? throw new InvalidOperationException($"{arguments.DataDirectory} holds no checkpoint");
        var at = arguments.At ?? checkpoint.ResolvedTimestamp;
        if (at > checkpoint.ResolvedTimestamp)
        {
            throw new InvalidOperationException(
                $"the folder covers the journal up to timestamp {checkpoint.ResolvedTimestamp.Value} ({checkpoint.ResolvedTimestamp}); a digest at {at.Value} could miss commits after it");
        }
        Console.Out.WriteLine(ToolOutput.CheckpointLine(checkpoint));
        Console.Out.WriteLine(ToolOutput.DigestLine(node.ComputeStateDigest(at), checkpoint.NextOffset, at, node.KeyCount));
        return 0;
    }

    /// <summary>A journal with nothing to read: the folder is only looked at.</summary>
    private sealed class NoJournal : IJournalReader
    {
        public async IAsyncEnumerable<JournalEntry> ReadAsync(int partition, long fromOffset,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
