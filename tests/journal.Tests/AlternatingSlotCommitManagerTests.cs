using FASTER.core;
using Log.Journal.Node.Storage;

namespace Log.Journal.Tests;

/// <summary>
/// The partition logs' commit records: two slots overwritten in turn. What must hold: recovery
/// finds the newest intact commit, a torn newest slot falls back to the previous commit (which was
/// the last one acknowledged), and folders written with FASTER's own commit files still open.
/// </summary>
public sealed class AlternatingSlotCommitManagerTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "log-journal-slot-tests", Guid.NewGuid().ToString("N"));

    public AlternatingSlotCommitManagerTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static byte[] Entry(int number) => [.. Enumerable.Range(0, 100).Select(index => (byte)(number + index))];

    private static FasterLog OpenLog(string folder, IDevice device, ILogCommitManager? commitManager) => new(new FasterLogSettings
    {
        LogDevice = device,
        LogCommitDir = folder,
        LogCommitManager = commitManager,
        PageSizeBits = 16,
        MemorySizeBits = 18,
        TryRecoverLatest = true,
        RemoveOutdatedCommits = true,
    });

    private static List<byte[]> ReadAll(FasterLog log)
    {
        var entries = new List<byte[]>();
        using var iterator = log.Scan(log.BeginAddress, log.CommittedUntilAddress);
        while (iterator.GetNext(out byte[] entry, out var length, out _))
        {
            entries.Add(entry.AsSpan(0, length).ToArray());
        }
        return entries;
    }

    [Fact]
    public void The_newest_intact_slot_wins_and_a_torn_one_falls_back_to_the_previous_commit()
    {
        using (var manager = new AlternatingSlotCommitManager(folder))
        {
            manager.Commit(0, 100, [1, 2, 3], 7, forceWriteMetadata: false);
            manager.Commit(0, 200, [4, 5, 6], 8, forceWriteMetadata: false);
            Assert.Equal([8L, 7L], manager.ListCommits());
            Assert.Equal([4, 5, 6], manager.GetCommitMetadata(8));
        }
        // Tear the slot holding commit 8 (the second one written) as a crash mid-write would.
        using (var file = new FileStream(Path.Combine(folder, AlternatingSlotCommitManager.FileName), FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 4096 + 17;
            file.WriteByte(0xFF);
        }
        using (var manager = new AlternatingSlotCommitManager(folder))
        {
            Assert.Equal([7L], manager.ListCommits());
            Assert.Equal([1, 2, 3], manager.GetCommitMetadata(7));
            // The next commit goes to the damaged slot, never over commit 7.
            manager.Commit(0, 300, [9], 9, forceWriteMetadata: false);
            Assert.Equal([9L, 7L], manager.ListCommits());
        }
    }

    [Fact]
    public async Task A_log_committed_with_FASTER_own_commit_files_opens_and_moves_to_the_slots()
    {
        var devicePath = Path.Combine(folder, "batches.log");
        using (var device = Devices.CreateLogDevice(devicePath, recoverDevice: true))
        using (var log = OpenLog(folder, device, commitManager: null))
        {
            log.Enqueue(Entry(1));
            log.Enqueue(Entry(2));
            await log.CommitAsync();
        }
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(folder, "log-commits")));

        using (var device = Devices.CreateLogDevice(devicePath, recoverDevice: true))
        using (var manager = new AlternatingSlotCommitManager(folder))
        using (var log = OpenLog(folder, device, manager))
        {
            Assert.Equal([Entry(1), Entry(2)], ReadAll(log));
            log.Enqueue(Entry(3));
            await log.CommitAsync();
        }
        Assert.Empty(Directory.Exists(Path.Combine(folder, "log-commits")) ? Directory.GetFiles(Path.Combine(folder, "log-commits")) : []);

        using (var device = Devices.CreateLogDevice(devicePath, recoverDevice: true))
        using (var manager = new AlternatingSlotCommitManager(folder))
        using (var log = OpenLog(folder, device, manager))
        {
            Assert.Equal([Entry(1), Entry(2), Entry(3)], ReadAll(log));
        }
    }
}
