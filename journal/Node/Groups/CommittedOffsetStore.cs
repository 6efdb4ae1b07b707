using System.Buffers.Binary;
using System.Text;
using Log.Journal.Node.Storage;
using Microsoft.Extensions.Logging;

namespace Log.Journal.Node.Groups;

/// <summary>A committed offset of one group on one partition.</summary>
public readonly record struct CommittedOffset(long Offset, string? Metadata);

/// <summary>One offset to commit.</summary>
public readonly record struct OffsetCommitEntry(string Topic, int Partition, long Offset, string? Metadata);

/// <summary>
/// Consumer groups' committed offsets, kept durably in one small file of the data directory
/// (<c>consumer-offsets</c>), replaced atomically (<see cref="DurableFile"/>) with the whole map.
/// Commits are acknowledged only once the file holding them is on disk, and readers only ever see
/// what is on disk. One writer task writes every commit that arrived while the previous write ran
/// (group commit), so the cost is one file write and two fsyncs per batch of commits, whatever
/// their number. Log's own roles keep their offsets in their own checkpoints; this serves kcat -G
/// and group consumers.
/// </summary>
public sealed class CommittedOffsetStore : IAsyncDisposable
{
    public const string FileName = "consumer-offsets";
    private const ulong Magic = 0x4C4F474F46535431; // "LOGOFST1"

    private readonly object gate = new();
    private readonly string path;
    private readonly int maximumEntries;
    private readonly ILogger logger;
    private readonly SemaphoreSlim writeRequested = new(0);
    private readonly CancellationTokenSource stopping = new();
    private readonly List<(IReadOnlyList<(string Group, OffsetCommitEntry Entry)> Changes, TaskCompletionSource<short> Completion)> pending = [];
    private readonly Task writer;
    private Dictionary<(string Group, string Topic, int Partition), CommittedOffset> durable;

    public CommittedOffsetStore(string dataDirectory, int maximumEntries, ILogger logger)
    {
        path = Path.Combine(dataDirectory, FileName);
        this.maximumEntries = maximumEntries;
        this.logger = logger;
        durable = Load(path);
        writer = Task.Run(WriteLoopAsync);
    }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return durable.Count;
            }
        }
    }

    public CommittedOffset? Find(string group, string topic, int partition)
    {
        lock (gate)
        {
            return durable.TryGetValue((group, topic, partition), out var committed) ? committed : null;
        }
    }

    /// <summary>Every committed offset of a group, by topic and partition.</summary>
    public IReadOnlyList<(string Topic, int Partition, CommittedOffset Committed)> ForGroup(string group)
    {
        lock (gate)
        {
            return [.. durable
                .Where(pair => pair.Key.Group == group)
                .Select(pair => (pair.Key.Topic, pair.Key.Partition, pair.Value))
                .OrderBy(entry => entry.Topic, StringComparer.Ordinal)
                .ThenBy(entry => entry.Partition)];
        }
    }

    /// <summary>Stores offsets; completes with a Kafka error code once they are durable (or refused).</summary>
    public Task<short> CommitAsync(string group, IReadOnlyList<OffsetCommitEntry> entries, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var completion = new TaskCompletionSource<short>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            if (stopping.IsCancellationRequested)
            {
                return Task.FromResult(Protocol.ErrorCode.CoordinatorNotAvailable);
            }
            pending.Add(([.. entries.Select(entry => (group, entry))], completion));
        }
        writeRequested.Release();
        return completion.Task;
    }

    private async Task WriteLoopAsync()
    {
        var token = stopping.Token;
        try
        {
            while (true)
            {
                await writeRequested.WaitAsync(token);
                while (writeRequested.Wait(0))
                {
                }
                await WritePendingAsync();
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private async Task WritePendingAsync()
    {
        List<(IReadOnlyList<(string Group, OffsetCommitEntry Entry)> Changes, TaskCompletionSource<short> Completion)> batch;
        Dictionary<(string Group, string Topic, int Partition), CommittedOffset> next;
        lock (gate)
        {
            if (pending.Count == 0)
            {
                return;
            }
            batch = [.. pending];
            pending.Clear();
            next = new Dictionary<(string Group, string Topic, int Partition), CommittedOffset>(durable);
        }
        var outcomes = new short[batch.Count];
        for (var index = 0; index < batch.Count; index++)
        {
            var changes = batch[index].Changes;
            var added = changes.Count(change => !next.ContainsKey((change.Group, change.Entry.Topic, change.Entry.Partition)));
            if (next.Count + added > maximumEntries)
            {
                outcomes[index] = Protocol.ErrorCode.OffsetMetadataTooLarge;
                continue;
            }
            foreach (var (group, entry) in changes)
            {
                next[(group, entry.Topic, entry.Partition)] = new CommittedOffset(entry.Offset, entry.Metadata);
            }
        }
        try
        {
            var bytes = Serialize(next);
            // File I/O with fsync blocks; it runs off the caller's thread.
            await Task.Run(() => DurableFile.WriteAtomically(path, bytes));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            logger.LogError(exception, "Could not store committed offsets in {Path}", path);
            foreach (var (_, completion) in batch)
            {
                completion.TrySetResult(Protocol.ErrorCode.KafkaStorageError);
            }
            return;
        }
        lock (gate)
        {
            durable = next;
        }
        for (var index = 0; index < batch.Count; index++)
        {
            batch[index].Completion.TrySetResult(outcomes[index]);
        }
    }

    private static byte[] Serialize(Dictionary<(string Group, string Topic, int Partition), CommittedOffset> offsets)
    {
        using var stream = new MemoryStream();
        using (var output = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            output.Write(Magic);
            output.Write(offsets.Count);
            foreach (var ((group, topic, partition), committed) in offsets)
            {
                output.Write(group);
                output.Write(topic);
                output.Write(partition);
                output.Write(committed.Offset);
                output.Write(committed.Metadata is not null);
                output.Write(committed.Metadata ?? "");
            }
        }
        var crc = RecordBatch.Crc32C(stream.GetBuffer().AsSpan(0, (int)stream.Length));
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crcBytes, crc);
        stream.Write(crcBytes);
        return stream.ToArray();
    }

    private static Dictionary<(string Group, string Topic, int Partition), CommittedOffset> Load(string path)
    {
        var offsets = new Dictionary<(string Group, string Topic, int Partition), CommittedOffset>();
        var bytes = DurableFile.ReadIfExists(path);
        if (bytes is null)
        {
            return offsets;
        }
        // The file is replaced atomically, so a bad checksum is damage, not a torn write: stop loudly.
        if (bytes.Length < 16 || RecordBatch.Crc32C(bytes.AsSpan(0, bytes.Length - 4)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)))
        {
            throw new InvalidDataException($"The committed offsets file {path} is damaged (checksum mismatch)");
        }
        using var input = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 4), Encoding.UTF8);
        if (input.ReadUInt64() != Magic)
        {
            throw new InvalidDataException($"The committed offsets file {path} has an unknown format");
        }
        var count = input.ReadInt32();
        for (var index = 0; index < count; index++)
        {
            var group = input.ReadString();
            var topic = input.ReadString();
            var partition = input.ReadInt32();
            var offset = input.ReadInt64();
            var hasMetadata = input.ReadBoolean();
            var metadata = input.ReadString();
            offsets[(group, topic, partition)] = new CommittedOffset(offset, hasMetadata ? metadata : null);
        }
        return offsets;
    }

    public async ValueTask DisposeAsync()
    {
        lock (gate)
        {
            if (stopping.IsCancellationRequested)
            {
                return;
            }
            stopping.Cancel();
        }
        await writer;
        // Whatever was accepted before the stop is still written, so no commit is left unanswered.
        await WritePendingAsync();
        stopping.Dispose();
        writeRequested.Dispose();
    }
}
