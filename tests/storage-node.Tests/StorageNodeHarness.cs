using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.StorageNode.Tests;

/// <summary>A started node over a journal, with a temp folder removed on dispose.</summary>
internal sealed class StorageNodeHarness : IAsyncDisposable
{
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    private readonly string directory;

    private StorageNodeHarness(string directory, IJournalReader journal, StorageNode node)
    {
        this.directory = directory;
        Journal = journal;
        Node = node;
    }

    public IJournalReader Journal { get; }
    public StorageNode Node { get; }
    public MemoryJournal MemoryJournal => (MemoryJournal)Journal;

    public string Directory => directory;

    public static async Task<StorageNodeHarness> StartAsync(IJournalReader? journal = null,
        Func<StorageNodeOptions, StorageNodeOptions>? configure = null, string? existingDirectory = null,
        Microsoft.Extensions.Logging.ILogger<StorageNode>? logger = null)
    {
        var directory = existingDirectory ?? Path.Combine(Path.GetTempPath(), "log-storage-tests-" + Guid.NewGuid().ToString("N"));
        var options = new StorageNodeOptions
        {
            DataDirectory = directory,
            HashIndexBucketCount = 1 << 10,
            LogMemorySizeBytes = 4L << 20,
            LogPageSizeBytes = 1L << 20,
            LogSegmentSizeBytes = 1L << 24,
            ReadWaitTimeout = TimeSpan.FromSeconds(10),
        };
        options = configure?.Invoke(options) ?? options;
        journal ??= new MemoryJournal();
        var node = new StorageNode(options, journal, logger);
        await node.StartAsync(CancellationToken.None);
        return new StorageNodeHarness(directory, journal, node);
    }

    public static HybridTimestamp Ts(ulong value) => new(value);

    public static JournalRecord Commit(ulong commitTimestamp, params (string Key, string? Value)[] writes) =>
        JournalRecord.ForCommit(Guid.NewGuid(), new HybridTimestamp(commitTimestamp - 1), new HybridTimestamp(commitTimestamp), 0, 1,
            writes.Select(write => new JournalWrite(Bytes(write.Key), write.Value is null ? null : Bytes(write.Value))).ToList());

    /// <summary>A region topic's candidate (multi-region mode) writing one key.</summary>
    public static JournalRecord Candidate(ulong start, ulong commit, string key, string value) =>
        JournalRecord.ForCommit(Guid.NewGuid(), new HybridTimestamp(start), new HybridTimestamp(commit), 0, 1, [new JournalWrite(Bytes(key), Bytes(value))]);

    public static JournalRecord Heartbeat(ulong closedTimestamp) => JournalRecord.ForHeartbeat(new HybridTimestamp(closedTimestamp), 0, 1);

    public static byte[] Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    public static string? Text(byte[]? bytes) => bytes is null ? null : System.Text.Encoding.UTF8.GetString(bytes);

    /// <summary>Appends and returns the offset after the record.</summary>
    public async Task<long> AppendAsync(JournalRecord record) =>
        await MemoryJournal.AppendAsync(0, record, CancellationToken.None) + 1;

    /// <summary>Appends a commit as the adjudicator does (fragments when it is large) and returns the offset after it.</summary>
    public async Task<long> AppendCommitAsync(ulong startTimestamp, ulong commitTimestamp, IReadOnlyList<JournalWrite> writes)
    {
        var fragments = JournalFragmenter.Split(Guid.NewGuid(), 0, 1, writes);
        foreach (var leading in fragments.LeadingFragments)
        {
            await AppendAsync(leading);
        }
        return await AppendAsync(fragments.Final(Ts(startTimestamp), Ts(commitTimestamp)));
    }

    public async Task AppendAllAndWaitAsync(params JournalRecord[] records)
    {
        long end = 0;
        foreach (var record in records)
        {
            end = await AppendAsync(record);
        }
        await Node.WaitForOffsetAsync(end, CancellationToken.None).WaitAsync(TestTimeout);
    }

    public async Task<string?> GetAsync(string key, ulong timestamp) =>
        Text(await Node.GetAsync(Bytes(key), ReadPoint.Unfenced(Ts(timestamp)), CancellationToken.None));

    /// <summary>Stops the node (keeping its folder) and starts a new one on the same folder and journal; this harness
    /// then no longer owns the folder.</summary>
    public async Task<StorageNodeHarness> RestartAsync(Func<StorageNodeOptions, StorageNodeOptions>? configure = null)
    {
        await Node.DisposeAsync();
        ownsDirectory = false;
        return await StartAsync(Journal, configure, directory);
    }

    private bool ownsDirectory = true;

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        if (ownsDirectory && System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }
}
