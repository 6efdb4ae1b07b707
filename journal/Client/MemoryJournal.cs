using System.Runtime.CompilerServices;
using Log.Journal.Records;

namespace Log.Journal.Client;

/// <summary>
/// A journal held in memory, for unit tests and simulations of the roles around the journal.
/// Records go through the real codec, so what a reader gets back is what the Kafka path would
/// give. Never used by the running database.
/// </summary>
public sealed class MemoryJournal : IJournalWriter, IJournalReader, IJournalEndOffsets
{
    private readonly object gate = new();
    private readonly Dictionary<int, List<byte[]>> partitions = new();
    private TaskCompletionSource appended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<long> AppendAsync(int partition, JournalRecord record, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var bytes = JournalRecordCodec.Encode(record);
        TaskCompletionSource wake;
        long offset;
        lock (gate)
        {
            if (!partitions.TryGetValue(partition, out var log))
            {
                partitions[partition] = log = [];
            }
            offset = log.Count;
            log.Add(bytes);
            wake = appended;
            appended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        wake.SetResult();
        return Task.FromResult(offset);
    }

    public long EndOffset(int partition)
    {
        lock (gate)
        {
            return partitions.TryGetValue(partition, out var log) ? log.Count : 0;
        }
    }

    public Task<long> GetEndOffsetAsync(int partition, CancellationToken cancellationToken) => Task.FromResult(EndOffset(partition));

    public async IAsyncEnumerable<JournalEntry> ReadAsync(int partition, long fromOffset,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = fromOffset;
        while (true)
        {
            byte[]? bytes = null;
            Task wait;
            lock (gate)
            {
                if (partitions.TryGetValue(partition, out var log) && next < log.Count)
                {
                    bytes = log[(int)next];
                }
                wait = appended.Task;
            }
            if (bytes is not null)
            {
                yield return new JournalEntry(partition, next, JournalRecordCodec.Decode(bytes));
                next++;
                continue;
            }
            await wait.WaitAsync(cancellationToken);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
