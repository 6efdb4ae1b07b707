using Log.Journal.Node;
using Log.Journal.Node.Protocol;
using Log.Journal.Node.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Journal.Tests;

/// <summary>
/// A partition's index file (<see cref="PartitionIndexFile"/>): an open after it takes the batches it covers from it and
/// checks only those after it, and still serves every record at its offset and remembers the producers' sequences; an
/// index that is torn, damaged, left half written by a crash or describing another log is ignored and every batch is
/// checked; and a batch the open took from the index unchecked is checked when served, so a damaged one is never served.
/// </summary>
public sealed class PartitionIndexTests : IDisposable
{
    private const long ProducerId = 7;
    private const int IndexedBatches = 10;
    private const int BatchesAfterIndex = 2;
    private readonly string folder = Path.Combine(Path.GetTempPath(), "log-journal-index-tests", Guid.NewGuid().ToString("N"));

    // The index is written at a clean stop only: an open here never checks as much as this.
    private readonly JournalNodeOptions options = new() { PartitionIndexIntervalBytes = long.MaxValue / 2 };

    public PartitionIndexTests()
    {
        options.DataDirectory = folder;
    }

    public void Dispose()
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static byte[] Value(int index) => [.. Enumerable.Range(0, 100).Select(value => (byte)(index + value))];

    private static async Task AppendAsync(PartitionLog log, int index)
    {
        var batch = RawKafkaConnection.Batch(Value(index), ProducerId, producerEpoch: 0, baseSequence: index);
        Assert.Null(RecordBatch.TryRead(batch, out var header));
        var result = log.Append(batch, header);
        Assert.Equal(0, result.ErrorCode);
        Assert.Equal(index, result.BaseOffset);
        log.Flush();
        await result.Durable;
    }

    /// <summary>An open of <paramref name="directory"/> takes nothing from its index and still serves every batch.</summary>
    private async Task AssertIndexIgnoredAsync(string directory, int count)
    {
        var log = PartitionLog.Open("t", 0, directory, options, NullLogger.Instance);
        try
        {
            Assert.Equal(0, log.BatchesFromIndexAtOpen);
            await AssertEveryBatchAsync(log, count);
        }
        finally
        {
            await log.DisposeAsync();
        }
    }

    /// <summary>Every batch from offset 0 to the high watermark, each checked and holding the value written at its offset.</summary>
    private static async Task AssertEveryBatchAsync(PartitionLog log, int count)
    {
        Assert.Equal(count, log.HighWatermark);
        var fetched = await log.ReadAsync(0, 1 << 20, CancellationToken.None);
        Assert.Equal(0, fetched.ErrorCode);
        var position = 0;
        for (var index = 0; index < count; index++)
        {
            var expected = RawKafkaConnection.Batch(Value(index), ProducerId, producerEpoch: 0, baseSequence: index);
            var batch = fetched.Records.AsSpan(position, expected.Length);
            Assert.Null(RecordBatch.TryRead(batch, out var header));
            Assert.Equal(index, header.BaseOffset);
            // The records (the batch's timestamps are the clock's when each was built).
            Assert.True(batch[RecordBatch.HeaderBytes..].SequenceEqual(expected.AsSpan(RecordBatch.HeaderBytes)), $"batch {index} holds what was written");
            position += expected.Length;
        }
        Assert.Equal(position, fetched.Records.Length);
    }

    /// <summary>A partition of <see cref="IndexedBatches"/> batches, stopped cleanly (which writes its index file); its folder.</summary>
    private async Task<string> IndexedPartitionAsync()
    {
        var live = Path.Combine(folder, "live");
        var log = PartitionLog.Open("t", 0, live, options, NullLogger.Instance);
        try
        {
            for (var index = 0; index < IndexedBatches; index++)
            {
                await AppendAsync(log, index);
            }
        }
        finally
        {
            await log.DisposeAsync();
        }
        return live;
    }

    /// <summary>A partition with <see cref="IndexedBatches"/> batches under its index file (written at a clean stop), then
    /// <see cref="BatchesAfterIndex"/> more acknowledged; the files copied while it runs, as kill -9 leaves them.</summary>
    private async Task<string> CrashedAfterIndexAsync()
    {
        var live = await IndexedPartitionAsync();
        Assert.True(File.Exists(Path.Combine(live, PartitionIndexFile.FileName)), "a clean stop writes the index");
        var crashed = Path.Combine(folder, "crashed");
        var log = PartitionLog.Open("t", 0, live, options, NullLogger.Instance);
        try
        {
            Assert.Equal(IndexedBatches, log.BatchesFromIndexAtOpen);
            Assert.Equal(0, log.BatchesCheckedAtOpen);
            for (var index = IndexedBatches; index < IndexedBatches + BatchesAfterIndex; index++)
            {
                await AppendAsync(log, index);
            }
            CopyFiles(live, crashed);
        }
        finally
        {
            await log.DisposeAsync();
        }
        return crashed;
    }

    private static void CopyFiles(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var path in Directory.GetFiles(from))
        {
            File.Copy(path, Path.Combine(to, Path.GetFileName(path)), overwrite: true);
        }
    }

    [Fact]
    public async Task An_open_takes_the_batches_under_the_index_from_it_checks_the_rest_and_sees_every_record()
    {
        var crashed = await CrashedAfterIndexAsync();
        var log = PartitionLog.Open("t", 0, crashed, options, NullLogger.Instance);
        try
        {
            Assert.Equal(IndexedBatches, log.BatchesFromIndexAtOpen);
            Assert.Equal(BatchesAfterIndex, log.BatchesCheckedAtOpen);
            await AssertEveryBatchAsync(log, IndexedBatches + BatchesAfterIndex);
            Assert.Equal(IndexedBatches + BatchesAfterIndex, log.OffsetForTimestamp(long.MaxValue));

            // The producer's sequences survive too: a retry of a batch under the index gets its offset back and stores
            // nothing, a gap in the sequence is refused, and the next sequence is taken.
            // (It remembers its last five batches: two after the index, three under it.)
            var retry = RawKafkaConnection.Batch(Value(IndexedBatches - 2), ProducerId, producerEpoch: 0, baseSequence: IndexedBatches - 2);
            Assert.Null(RecordBatch.TryRead(retry, out var retryHeader));
            var retried = log.Append(retry, retryHeader);
            Assert.Equal((short)0, retried.ErrorCode);
            Assert.Equal(IndexedBatches - 2, retried.BaseOffset);
            var gap = RawKafkaConnection.Batch(Value(99), ProducerId, producerEpoch: 0, baseSequence: IndexedBatches + BatchesAfterIndex + 1);
            Assert.Null(RecordBatch.TryRead(gap, out var gapHeader));
            Assert.NotEqual((short)0, log.Append(gap, gapHeader).ErrorCode);
            await AppendAsync(log, IndexedBatches + BatchesAfterIndex);
        }
        finally
        {
            await log.DisposeAsync();
        }
        log = PartitionLog.Open("t", 0, crashed, options, NullLogger.Instance);
        try
        {
            Assert.Equal(IndexedBatches + BatchesAfterIndex + 1, log.BatchesFromIndexAtOpen);
            await AssertEveryBatchAsync(log, IndexedBatches + BatchesAfterIndex + 1);
        }
        finally
        {
            await log.DisposeAsync();
        }
    }

    public static TheoryData<string> Damages => ["flipped byte", "torn", "empty", "half written by a crash"];

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task A_damaged_index_is_ignored_and_every_batch_is_checked(string damage)
    {
        var crashed = await CrashedAfterIndexAsync();
        var path = Path.Combine(crashed, PartitionIndexFile.FileName);
        var bytes = await File.ReadAllBytesAsync(path);
        switch (damage)
        {
            case "flipped byte":
                bytes[bytes.Length / 2] ^= 0x10;
                await File.WriteAllBytesAsync(path, bytes);
                break;
            case "torn":
                await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);
                break;
            case "empty":
                await File.WriteAllBytesAsync(path, []);
                break;
            default:
                // kill -9 during a write: the new file never got its rename, and the old one is gone too (as if it had
                // never been written); what is left is the scratch file, part written.
                File.Move(path, path + ".writing");
                await using (var scratch = new FileStream(path + ".writing", FileMode.Open))
                {
                    scratch.SetLength(bytes.Length / 3);
                }
                break;
        }
        var log = PartitionLog.Open("t", 0, crashed, options, NullLogger.Instance);
        try
        {
            Assert.Equal(0, log.BatchesFromIndexAtOpen);
            Assert.Equal(IndexedBatches + BatchesAfterIndex, log.BatchesCheckedAtOpen);
            await AssertEveryBatchAsync(log, IndexedBatches + BatchesAfterIndex);
        }
        finally
        {
            await log.DisposeAsync();
        }
        Assert.False(File.Exists(path + ".writing"), "the scratch of a write that never finished is removed");
    }

    [Fact]
    public async Task An_index_of_another_log_is_ignored()
    {
        var crashed = await CrashedAfterIndexAsync();
        // A shorter log of other values beside the index of the longer one: the index ends past its committed end.
        var other = Path.Combine(folder, "other");
        var log = PartitionLog.Open("t", 0, other, options, NullLogger.Instance);
        try
        {
            for (var index = 0; index < 3; index++)
            {
                await AppendAsync(log, index);
            }
        }
        finally
        {
            await log.DisposeAsync();
        }
        File.Copy(Path.Combine(crashed, PartitionIndexFile.FileName), Path.Combine(other, PartitionIndexFile.FileName), overwrite: true);
        await AssertIndexIgnoredAsync(other, 3);

        // Its own index, sound and consistent, but its entries moved by one batch: the open's check of the batches it
        // takes from an index finds them elsewhere.
        var path = Path.Combine(other, PartitionIndexFile.FileName);
        var contents = PartitionIndexFile.TryDecode(await File.ReadAllBytesAsync(path), out var problem);
        Assert.Null(problem);
        var shifted = contents! with
        {
            Entries = [.. contents.Entries.Select(entry => entry with { BaseOffset = entry.BaseOffset + 1, LastOffset = entry.LastOffset + 1 })],
            NextOffset = contents.NextOffset + 1,
            Producers = [],
        };
        await File.WriteAllBytesAsync(path, PartitionIndexFile.Encode(shifted));
        await AssertIndexIgnoredAsync(other, 3);
    }

    [Fact]
    public async Task A_damaged_batch_under_the_index_is_never_served()
    {
        var crashed = await CrashedAfterIndexAsync();
        // Damage batch 4's records (covered by its CRC); the open checks only the index's first and last batches.
        const int damaged = 4;
        var batchBytes = RawKafkaConnection.Batch(Value(0), ProducerId, 0, 0).Length;
        var entryBytes = 4 + ((batchBytes + 3) & ~3);
        var segment = Path.Combine(crashed, PartitionLog.LogFileName + ".0");
        await using (var file = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 64 + (damaged * entryBytes) + 4 + RecordBatch.HeaderBytes + 10;
            var original = file.ReadByte();
            file.Position--;
            file.WriteByte((byte)(original ^ 0xFF));
        }
        var log = PartitionLog.Open("t", 0, crashed, options, NullLogger.Instance);
        try
        {
            Assert.Equal(IndexedBatches, log.BatchesFromIndexAtOpen);
            await Assert.ThrowsAsync<InvalidDataException>(async () => await log.ReadAsync(0, 1 << 20, CancellationToken.None));
            await Assert.ThrowsAsync<InvalidDataException>(async () => await log.ReadAsync(damaged, 1 << 20, CancellationToken.None));
            // The batches before it and after it are served.
            var before = await log.ReadAsync(0, batchBytes * damaged, CancellationToken.None);
            Assert.Equal(batchBytes * damaged, before.Records.Length);
            var after = await log.ReadAsync(damaged + 1, 1 << 20, CancellationToken.None);
            Assert.Equal(batchBytes * (IndexedBatches + BatchesAfterIndex - damaged - 1), after.Records.Length);
            Assert.Null(RecordBatch.TryRead(after.Records, out var header));
            Assert.Equal(damaged + 1, header.BaseOffset);
        }
        finally
        {
            await log.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(6)]
    [InlineData(IndexedBatches)]
    public async Task Records_deleted_after_the_index_was_written_stay_deleted(int deletedBelow)
    {
        var live = await IndexedPartitionAsync();
        var crashed = Path.Combine(folder, "crashed");
        var log = PartitionLog.Open("t", 0, live, options, NullLogger.Instance);
        try
        {
            Assert.Equal((short)0, (await log.DeleteRecordsAsync(deletedBelow, CancellationToken.None)).ErrorCode);
            // The index on disk still lists the deleted batches.
            CopyFiles(live, crashed);
        }
        finally
        {
            await log.DisposeAsync();
        }
        log = PartitionLog.Open("t", 0, crashed, options, NullLogger.Instance);
        try
        {
            Assert.Equal(deletedBelow, log.LogStartOffset);
            Assert.Equal(IndexedBatches, log.HighWatermark);
            Assert.Equal(ErrorCode.OffsetOutOfRange, (await log.ReadAsync(deletedBelow - 1, 1 << 20, CancellationToken.None)).ErrorCode);
            var fetched = await log.ReadAsync(deletedBelow, 1 << 20, CancellationToken.None);
            Assert.Equal(0, fetched.ErrorCode);
            if (deletedBelow < IndexedBatches)
            {
                Assert.Null(RecordBatch.TryRead(fetched.Records, out var header));
                Assert.Equal(deletedBelow, header.BaseOffset);
            }
            else
            {
                Assert.Empty(fetched.Records);
            }
            await AppendAsync(log, IndexedBatches);
        }
        finally
        {
            await log.DisposeAsync();
        }
    }

    [Fact]
    public void The_index_format_round_trips_and_any_changed_byte_is_refused()
    {
        var contents = new PartitionIndexContents(EndAddress: 4_096, NextOffset: 12, MaximumProducerIdSeen: 9,
            Entries: [new PartitionIndexEntry(0, 4, 64, 100, 1_000), new PartitionIndexEntry(5, 11, 168, 200, 2_000)],
            Producers: [new ProducerSnapshot(9, 2, [new ProducerBatch(0, 4, 0, 4), new ProducerBatch(5, 11, 5, 11)])]);
        var bytes = PartitionIndexFile.Encode(contents);
        var decoded = PartitionIndexFile.TryDecode(bytes, out var problem);
        Assert.Null(problem);
        Assert.Equal(contents.Entries, decoded!.Entries);
        Assert.Equal((contents.EndAddress, contents.NextOffset, contents.MaximumProducerIdSeen), (decoded.EndAddress, decoded.NextOffset, decoded.MaximumProducerIdSeen));
        Assert.Equal(contents.Producers[0].Recent, decoded.Producers[0].Recent);
        Assert.Equal((short)2, decoded.Producers[0].Epoch);
        for (var position = 0; position < bytes.Length; position++)
        {
            var changed = (byte[])bytes.Clone();
            changed[position] ^= 0x01;
            Assert.Null(PartitionIndexFile.TryDecode(changed, out problem));
            Assert.NotNull(problem);
        }
        // Sound bytes that no partition writes: a gap between the entries' offsets.
        var gap = contents with { Entries = [contents.Entries[0], contents.Entries[1] with { BaseOffset = 6 }] };
        Assert.Null(PartitionIndexFile.TryDecode(PartitionIndexFile.Encode(gap), out problem));
        Assert.Contains("does not follow", problem, StringComparison.Ordinal);
    }
}
