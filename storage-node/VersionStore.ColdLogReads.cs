using System.Runtime.InteropServices;
using FASTER.core;

namespace Log.StorageNode;

internal sealed partial class VersionStore
{
    /// <summary>Bytes read from a cold head record's address on: a head record of a row (FASTER's header, the key, the
    /// version header and the value) fits unless the row is large, and then that record is read through FASTER.</summary>
    private const int ColdReadRecordBytes = 2048;

    /// <summary>Two cold head records at most this far apart are read in one I/O, the bytes between them included:
    /// the records of rows loaded together lie together in the log.</summary>
    private const int ColdReadGapBytesMax = 16 << 10;

    /// <summary>The longest single read (a batch of 256 table rows loaded in order spans about 50 KB of log).</summary>
    private const int ColdReadBytesMax = 1 << 20;

    private long coldHeadsReadInBulk;
    private long coldHeadsReadThroughFaster;

    /// <summary>Head records scans read from disk since the store opened: in bulk from the log's files, and through
    /// FASTER's read path (large rows, moved or invalid records, addresses below the log's begin).</summary>
    public (long InBulk, long ThroughFaster) ColdHeadReads =>
        (Interlocked.Read(ref coldHeadsReadInBulk), Interlocked.Read(ref coldHeadsReadThroughFaster));

    /// <summary>
    /// Reads the head records of a scan batch that have left FASTER's in-memory log straight from the log's files,
    /// in a few large reads, instead of one FASTER read per record (each of which allocates a pending context, reads its
    /// own sector-aligned buffer and completes through callbacks: about 3.5 µs of CPU a row at 1,000,000 rows, where a
    /// row in memory costs 0.2).
    /// <para>
    /// The addresses come from the ordered index (the newest head record of each key). They are sorted, records close
    /// together are read in one read (<see cref="ColdReadGapBytesMax"/>, <see cref="ColdReadRecordBytes"/> after the
    /// last), all reads of the batch are issued at once through FASTER's device (so the recovered checkpoint's log
    /// chunks are checked as before), and each record is then visited in place in the buffer when it is whole there and is the
    /// key's head (<see cref="InMemoryLog.TryReadHeadPayload(byte*, long, ReadOnlySpan{byte}, out ReadOnlySpan{byte})"/>).
    /// </para>
    /// <para>
    /// Why it is safe. Below FASTER's head address the log is on disk and never changes (records are not updated in
    /// place, and a page leaves memory only once flushed); a record read here is the one FASTER's read at that
    /// address would find first. Below the begin address records are gone (compaction), so those addresses are not
    /// read here. Anything unexpected (a short read, an I/O error, another key or a record not whole in the bytes read,
    /// an invalid record) leaves the key out of the result, and the caller reads it through FASTER, which also looks the
    /// key up by hash when the address no longer holds it.
    /// </para>
    /// </summary>
    /// <param name="cold">Indexes into <paramref name="keys"/> of the keys to read, each with an address below <paramref name="inMemoryFrom"/>.</param>
    /// <returns>The reads, whose buffer holds the head records found (by key index; the caller disposes them once it
    /// has visited them), and the indexes of <paramref name="cold"/> not read here (to read through FASTER).</returns>
    private async ValueTask<(ColdLogReads? Reads, List<int> Missed)> ReadColdHeadsFromLogAsync(KeyBatch keys, List<int> cold,
        long inMemoryFrom)
    {
        var missed = new List<int>();
        long begin = store.Log.BeginAddress;
        var addresses = new long[cold.Count];
        var order = new int[cold.Count];
        var count = 0;
        foreach (var index in cold)
        {
            var address = keys.HeadAddress(index);
            if (address >= begin && address < inMemoryFrom)
            {
                addresses[count] = address;
                order[count++] = index;
            }
            else
            {
                missed.Add(index);
            }
        }
        if (count == 0)
        {
            Interlocked.Add(ref coldHeadsReadThroughFaster, missed.Count);
            return (null, missed);
        }
        // Keys in order mostly have their head records in the order they were written: sorted already, no sort.
        if (!IsAscending(addresses.AsSpan(0, count)))
        {
            Array.Sort(addresses, order, 0, count);
        }
        var reads = new ColdLogReads(device, segmentSizeBits, addresses.AsSpan(0, count), keys.Count);
        try
        {
            await reads.Completed.ConfigureAwait(false);
            // A recovered log chunk that failed its checksum marks the device before its bytes are handed over.
            ThrowIfLogCorrupt();
            for (var position = 0; position < count; position++)
            {
                if (!reads.TryFindHead(inMemoryLog, position, order[position], keys.Key(order[position])))
                {
                    missed.Add(order[position]);
                }
            }
            Interlocked.Add(ref coldHeadsReadInBulk, cold.Count - missed.Count);
            Interlocked.Add(ref coldHeadsReadThroughFaster, missed.Count);
            return (reads, missed);
        }
        catch
        {
            reads.Dispose();
            throw;
        }
    }

    private static bool IsAscending(ReadOnlySpan<long> values)
    {
        for (var index = 1; index < values.Length; index++)
        {
            if (values[index] < values[index - 1])
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The reads of one batch: ranges of the log (sector-aligned, within one segment) read into one native
    /// buffer, all started at construction; <see cref="Completed"/> ends when every read has. Then the head records
    /// found in it are handed out in place, by the key's index in the batch, until disposed.</summary>
    private sealed unsafe class ColdLogReads : IDisposable
    {
        private readonly long[] rangeStarts;
        private readonly long[] rangeBufferOffsets;
        private readonly int[] rangeLengths;
        private readonly int[] rangeBytesRead;
        /// <summary>For each address (in sorted order), the range holding it.</summary>
        private readonly int[] rangeOf;
        private readonly long[] addresses;
        /// <summary>By key index: where the head record's payload starts in the buffer (-1: not found here), and its length.</summary>
        private readonly long[] payloadOffsets;
        private readonly int[] payloadLengths;
        private readonly byte* buffer;
        private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int pendingReads;

        public ColdLogReads(IDevice device, int segmentSizeBits, ReadOnlySpan<long> sortedAddresses, int keyCount)
        {
            addresses = sortedAddresses.ToArray();
            payloadOffsets = new long[keyCount];
            payloadOffsets.AsSpan().Fill(-1);
            payloadLengths = new int[keyCount];
            rangeOf = new int[addresses.Length];
            long sector = device.SectorSize;
            var starts = new List<long>();
            var ends = new List<long>();
            for (var position = 0; position < addresses.Length; position++)
            {
                long address = addresses[position];
                long segmentEnd = ((address >> segmentSizeBits) + 1) << segmentSizeBits;
                long start = address & ~(sector - 1);
                long end = AlignUp(Math.Min(address + ColdReadRecordBytes, segmentEnd), sector);
                if (starts.Count > 0 && start <= ends[^1] + ColdReadGapBytesMax && start >> segmentSizeBits == starts[^1] >> segmentSizeBits
                    && end - starts[^1] <= ColdReadBytesMax)
                {
                    ends[^1] = Math.Max(ends[^1], end);
                }
                else
                {
                    starts.Add(start);
                    ends.Add(end);
                }
                rangeOf[position] = starts.Count - 1;
            }
            rangeStarts = [.. starts];
            rangeLengths = new int[starts.Count];
            rangeBufferOffsets = new long[starts.Count];
            rangeBytesRead = new int[starts.Count];
            long total = 0;
            for (var range = 0; range < starts.Count; range++)
            {
                rangeLengths[range] = (int)(ends[range] - starts[range]);
                rangeBufferOffsets[range] = total;
                total += rangeLengths[range];
            }
            buffer = (byte*)NativeMemory.AlignedAlloc((nuint)total, (nuint)sector);
            pendingReads = starts.Count;
            for (var range = 0; range < starts.Count; range++)
            {
                try
                {
                    device.ReadAsync((ulong)rangeStarts[range], (IntPtr)(buffer + rangeBufferOffsets[range]), (uint)rangeLengths[range],
                        ReadDone, new RangeRead(this, range));
                }
                catch (Exception exception) when (exception is IOException or ObjectDisposedException)
                {
                    ReadDone(1, 0, new RangeRead(this, range)); // not read: its records are read through FASTER
                }
            }
        }

        /// <summary>Ends when every read has ended, read or not (never faults: a failed read is a range with no bytes).</summary>
        public Task Completed => completion.Task;

        private sealed record RangeRead(ColdLogReads Reads, int Range);

        private static void ReadDone(uint errorCode, uint bytesRead, object context)
        {
            var (reads, range) = (RangeRead)context;
            reads.rangeBytesRead[range] = errorCode == 0 ? (int)Math.Min(bytesRead, (uint)reads.rangeLengths[range]) : 0;
            if (Interlocked.Decrement(ref reads.pendingReads) == 0)
            {
                reads.completion.TrySetResult();
            }
        }

        /// <summary>Finds the head record of <paramref name="key"/> (the batch's key <paramref name="keyIndex"/>) at the
        /// <paramref name="position"/>-th sorted address; false when it is not whole in the bytes read.</summary>
        public bool TryFindHead(InMemoryLog log, int position, int keyIndex, ReadOnlySpan<byte> key)
        {
            var range = rangeOf[position];
            long offset = addresses[position] - rangeStarts[range];
            byte* record = buffer + rangeBufferOffsets[range] + offset;
            if (!log.TryReadHeadPayload(record, Volatile.Read(ref rangeBytesRead[range]) - offset, key, out var payload))
            {
                return false;
            }
            fixed (byte* payloadStart = payload)
            {
                payloadOffsets[keyIndex] = payloadStart - buffer;
            }
            payloadLengths[keyIndex] = payload.Length;
            return true;
        }

        /// <summary>The payload of the head record found for the batch's key <paramref name="keyIndex"/>, in place (valid
        /// until disposed).</summary>
        public bool TryGetPayload(int keyIndex, out ReadOnlySpan<byte> payload)
        {
            var offset = payloadOffsets[keyIndex];
            payload = offset < 0 ? default : new ReadOnlySpan<byte>(buffer + offset, payloadLengths[keyIndex]);
            return offset >= 0;
        }

        private static long AlignUp(long value, long alignment) => (value + alignment - 1) & ~(alignment - 1);

        /// <summary>Only after <see cref="Completed"/>: no read may still write into the buffer.</summary>
        public void Dispose() => NativeMemory.AlignedFree(buffer);
    }
}
