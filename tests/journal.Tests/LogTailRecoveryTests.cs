using Log.Journal.Node;
using Log.Journal.Node.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Journal.Tests;

/// <summary>
/// The scan past the newest (lazily written) commit record, on a copy of a live partition's files
/// taken while it runs, which is what a crash leaves: acknowledged batches that no commit record
/// covers come back, the scan stops at the first batch that fails its CRC, and the log goes on at
/// that batch's offset with nothing of the damaged tail left behind.
/// </summary>
public sealed class LogTailRecoveryTests : IDisposable
{
    private const int BatchCount = 10;
    private const int DamagedBatch = 7;
    private readonly string folder = Path.Combine(Path.GetTempPath(), "log-journal-tail-tests", Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static async Task AppendAsync(PartitionLog log, int index)
    {
        var batch = RawKafkaConnection.Batch([.. Enumerable.Range(0, 100).Select(value => (byte)(index + value))]);
        Assert.Null(RecordBatch.TryRead(batch, out var header));
        var result = log.Append(batch, header);
        Assert.Equal(0, result.ErrorCode);
        Assert.Equal(index, result.BaseOffset);
        log.Flush();
        Assert.True(result.Durable.IsCompletedSuccessfully, "a batch is durable when the flush that wrote it returns");
        await result.Durable;
    }

    [Fact]
    public async Task Batches_past_the_last_commit_record_come_back_up_to_the_first_damaged_one()
    {
        var options = new JournalNodeOptions { DataDirectory = folder };
        var live = Path.Combine(folder, "live");
        var crashed = Path.Combine(folder, "crashed");
        var log = PartitionLog.Open("t", 0, live, options, NullLogger.Instance);
        try
        {
            for (var index = 0; index < BatchCount; index++)
            {
                await AppendAsync(log, index);
            }
            // Every batch is acknowledged (durable): copy the files as a crash would leave them.
            Directory.CreateDirectory(crashed);
            foreach (var path in Directory.GetFiles(live))
            {
                File.Copy(path, Path.Combine(crashed, Path.GetFileName(path)));
            }
        }
        finally
        {
            await log.DisposeAsync();
        }

        using (var slots = new AlternatingSlotCommitManager(crashed))
        {
            var newest = slots.NewestSlotCommit()!.Value;
            Assert.True(AlternatingSlotCommitManager.OffsetOf(newest.Info) < DamagedBatch, "the commit record on disk covers the damaged batch: nothing to scan");
        }
        // Damage one batch's records (CRC-covered) as a torn write would. Entries follow FASTER's
        // first address (64), each a 4-byte length and the batch padded to 4 bytes.
        var segment = Path.Combine(crashed, PartitionLog.LogFileName + ".0");
        var batchBytes = RawKafkaConnection.Batch(new byte[100]).Length;
        var entryBytes = 4 + ((batchBytes + 3) & ~3);
        await using (var file = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 64 + (DamagedBatch * entryBytes) + 4 + RecordBatch.HeaderBytes + 10;
            var original = file.ReadByte();
            file.Position--;
            file.WriteByte((byte)(original ^ 0xFF));
        }

        var recovered = PartitionLog.Open("t", 0, crashed, options, NullLogger.Instance);
        try
        {
            Assert.Equal(DamagedBatch, recovered.HighWatermark);
            var fetched = await recovered.ReadAsync(0, 1 << 20, CancellationToken.None);
            Assert.Equal(DamagedBatch * batchBytes, fetched.Records.Length);
            // The damaged batch and the ones after it are gone from the file, not just skipped.
            Assert.True(new FileInfo(segment).Length <= 64 + (DamagedBatch * entryBytes) + 512);
            await AppendAsync(recovered, DamagedBatch);
        }
        finally
        {
            await recovered.DisposeAsync();
        }
        var reopened = PartitionLog.Open("t", 0, crashed, options, NullLogger.Instance);
        try
        {
            Assert.Equal(DamagedBatch + 1, reopened.HighWatermark);
        }
        finally
        {
            await reopened.DisposeAsync();
        }
    }
}
