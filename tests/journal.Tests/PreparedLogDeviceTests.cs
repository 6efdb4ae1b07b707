using System.Runtime.InteropServices;
using Log.Journal.Node;
using Log.Journal.Node.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Journal.Tests;

/// <summary>
/// The partition log device: writes done on the caller's thread (or at the end of a deferral
/// scope), zeros prepared ahead of the data and never over it, segments found again at open; and
/// the partition log on top of it: a batch is acknowledged and served only once a flush wrote it.
/// </summary>
public sealed class PreparedLogDeviceTests : IDisposable
{
    private const int SegmentSizeBits = 22;
    private readonly string folder = Path.Combine(Path.GetTempPath(), "log-journal-device-tests", Guid.NewGuid().ToString("N"));

    public PreparedLogDeviceTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string LogPath => Path.Combine(folder, PartitionLog.LogFileName);

    private PreparedLogDevice NewDevice()
    {
        var device = new PreparedLogDevice(LogPath);
        device.Initialize(1L << SegmentSizeBits);
        return device;
    }

    /// <summary>Sector-aligned native memory, as FASTER hands to a device.</summary>
    private sealed unsafe class AlignedBuffer : IDisposable
    {
        private readonly byte* pointer;

        public AlignedBuffer(int length)
        {
            Length = length;
            pointer = (byte*)NativeMemory.AlignedAlloc((nuint)length, 4096);
        }

        public IntPtr Address => (IntPtr)pointer;
        public int Length { get; }
        public Span<byte> Span => new(pointer, Length);

        public void Dispose() => NativeMemory.AlignedFree(pointer);
    }

    private static (uint Error, uint Bytes)? Write(PreparedLogDevice device, AlignedBuffer buffer, int segment, long offset)
    {
        (uint Error, uint Bytes)? completed = null;
        device.WriteAsync(buffer.Address, segment, (ulong)offset, (uint)buffer.Length, (error, bytes, _) => completed = (error, bytes), null!);
        return completed;
    }

    private static async Task WaitForFileLengthAsync(string path, long atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (new FileInfo(path).Length < atLeast)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{path} never reached {atLeast} bytes");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Writes_complete_before_they_return_and_the_zeros_prepared_ahead_never_cover_data()
    {
        const int chunk = 4096;
        const int chunks = 300;
        var expected = new byte[chunk * chunks];
        Random.Shared.NextBytes(expected);
        using var buffer = new AlignedBuffer(chunk);
        using (var device = NewDevice())
        {
            for (var index = 0; index < chunks; index++)
            {
                expected.AsSpan(index * chunk, chunk).CopyTo(buffer.Span);
                var completed = Write(device, buffer, segment: 0, offset: (long)index * chunk);
                Assert.Equal((0u, (uint)chunk), completed);
                if (index % 50 == 0)
                {
                    // Let preparation run ahead now and then, so data writes land on prepared zeros.
                    await WaitForFileLengthAsync(LogPath + ".0", ((long)index + 2) * chunk);
                }
            }
            // The region past the data is prepared in the background.
            await WaitForFileLengthAsync(LogPath + ".0", expected.Length + (128 * 1024));
        }
        var file = await File.ReadAllBytesAsync(LogPath + ".0");
        Assert.True(file.AsSpan(0, expected.Length).SequenceEqual(expected), "data was overwritten");
        Assert.True(file.AsSpan(expected.Length).IndexOfAnyExcept((byte)0) < 0, "the prepared region is not all zeros");
        Assert.True(file.Length <= expected.Length + (16 * 1024 * 1024), $"{file.Length} bytes prepared for {expected.Length} of data");
    }

    [Fact]
    public void Writes_issued_inside_a_deferral_scope_are_done_when_it_ends_in_issue_order()
    {
        using var first = new AlignedBuffer(512);
        using var second = new AlignedBuffer(512);
        first.Span.Fill(1);
        second.Span.Fill(2);
        using var device = NewDevice();
        var order = new List<int>();
        using (device.DeferWrites())
        {
            device.WriteAsync(first.Address, 0, 0, 512, (_, _, _) => order.Add(1), null!);
            // The same range again: the later write must win.
            device.WriteAsync(second.Address, 0, 0, 512, (_, _, _) => order.Add(2), null!);
            Assert.Empty(order);
        }
        Assert.Equal([1, 2], order);
        using var read = new AlignedBuffer(512);
        using var done = new ManualResetEventSlim();
        uint readBytes = 0;
        device.ReadAsync(0, 0, read.Address, 512, (_, bytes, _) =>
        {
            readBytes = bytes;
            done.Set();
        }, null!);
        Assert.True(done.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(512u, readBytes);
        Assert.True(read.Span.IndexOfAnyExcept((byte)2) < 0);
    }

    [Fact]
    public void Segments_are_found_again_at_open_and_removed_with_their_files()
    {
        using var buffer = new AlignedBuffer(512);
        using (var device = NewDevice())
        {
            for (var segment = 0; segment < 3; segment++)
            {
                Assert.Equal((0u, 512u), Write(device, buffer, segment, 0));
            }
        }
        using (var device = NewDevice())
        {
            Assert.Equal(0, device.StartSegment);
            Assert.Equal(2, device.EndSegment);
            device.RemoveSegment(0);
            Assert.False(File.Exists(LogPath + ".0"));
            Assert.True(File.Exists(LogPath + ".1"));
        }
        using (var device = NewDevice())
        {
            Assert.Equal(1, device.StartSegment);
            Assert.Equal(2, device.EndSegment);
        }
    }

    [Fact]
    public async Task A_batch_is_acknowledged_and_served_only_after_a_flush_has_written_it()
    {
        var options = new JournalNodeOptions { DataDirectory = folder };
        var partitionFolder = Path.Combine(folder, "p");
        var log = PartitionLog.Open("t", 0, partitionFolder, options, NullLogger.Instance);
        try
        {
            var batch = RawKafkaConnection.Batch(new byte[100]);
            Assert.Null(RecordBatch.TryRead(batch, out var header));
            var appended = log.Append(batch, header);
            Assert.Equal(0, appended.ErrorCode);
            Assert.False(appended.Durable.IsCompleted);
            Assert.Equal(0, log.HighWatermark);
            Assert.Empty((await log.ReadAsync(0, 1 << 20, CancellationToken.None)).Records);

            log.Flush();
            Assert.True(appended.Durable.IsCompletedSuccessfully);
            Assert.Equal(1, log.HighWatermark);
            Assert.Equal(batch.Length, (await log.ReadAsync(0, 1 << 20, CancellationToken.None)).Records.Length);

            // What a crash would leave now: no commit record covers the batch (they are written
            // lazily), but a new partition wrote its first one at once, and the scan from there
            // finds the acknowledged batch.
            var crashed = Path.Combine(folder, "crashed");
            Directory.CreateDirectory(crashed);
            foreach (var path in Directory.GetFiles(partitionFolder))
            {
                File.Copy(path, Path.Combine(crashed, Path.GetFileName(path)));
            }
            var recovered = PartitionLog.Open("t", 0, crashed, options, NullLogger.Instance);
            try
            {
                Assert.Equal(1, recovered.HighWatermark);
                Assert.Equal(batch.Length, (await recovered.ReadAsync(0, 1 << 20, CancellationToken.None)).Records.Length);
            }
            finally
            {
                await recovered.DisposeAsync();
            }
        }
        finally
        {
            await log.DisposeAsync();
        }
    }
}
