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

    /// <summary>
    /// Reads the head records of a scan batch that have left FASTER's in-memory log straight from the log's files,
    /// in a few large reads, instead of one FASTER read per record (each of which allocates a pending context, reads its
    /// own sector-aligned buffer and completes through callbacks: about 3.5 µs of CPU a row at 1,000,000 rows, where a
    /// row in memory costs 0.2).
    /// <para>
    /// The addresses come from the ordered index (the newest head record of each key). They are sorted, records close
    /// together are read in one read (<see cref="ColdReadGapBytesMax"/>, <see cref="ColdReadRecordBytes"/> after the
    /// last), all reads of the batch are issued at once through FASTER's device (so the recovered checkpoint's log
    /// chunks are checked as before), and each record is then taken from the buffer when it is whole there and is the
    /// key's head (<see cref="InMemoryLog.TryReadHeadPayload(byte*, long, byte[], out ReadOnlySpan{byte})"/>).
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
    /// <param name="heads">Receives each head read, by index.</param>
    /// <returns>The indexes of <paramref name="cold"/> not read here (to read through FASTER).</returns>
    private async ValueTask<List<int>> ReadColdHeadsFromLogAsync(IReadOnlyList<IndexedKey> keys, List<int> cold, long inMemoryFrom,
        StoredVersion?[] heads)
    {
        var missed = new List<int>();
        long begin = store.Log.BeginAddress;
        var addresses = new long[cold.Count];
        var order = new int[cold.Count];
        var count = 0;
        foreach (var index in cold)
        {
            var address = keys[index].HeadAddress;
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
            return missed;
        }
        Array.Sort(addresses, order, 0, count);
        using var reads = new ColdLogReads(device, segmentSizeBits, addresses.AsSpan(0, count));
        await reads.Completed.ConfigureAwait(false);
        // A recovered log chunk that failed its checksum marks the device before its bytes are handed over.
        ThrowIfLogCorrupt();
        for (var position = 0; position < count; position++)
        {
            var index = order[position];
            if (reads.TryReadHead(inMemoryLog, position, keys[index].Key, out var head))
            {
                heads[index] = head;
            }
            else
            {
                missed.Add(index);
            }
        }
        return missed;
    }

    /// <summary>The reads of one batch: ranges of the log (sector-aligned, within one segment) read into one native
    /// buffer, all started at construction; <see cref="Completed"/> ends when every read has.</summary>
    private sealed unsafe class ColdLogReads : IDisposable
    {
        private readonly long[] rangeStarts;
        private readonly long[] rangeBufferOffsets;
        private readonly int[] rangeLengths;
        private readonly int[] rangeBytesRead;
        /// <summary>For each address (in sorted order), the range holding it.</summary>
        private readonly int[] rangeOf;
        private readonly long[] addresses;
        private readonly byte* buffer;
        private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int pendingReads;

        public ColdLogReads(IDevice device, int segmentSizeBits, ReadOnlySpan<long> sortedAddresses)
        {
            addresses = sortedAddresses.ToArray();
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

        /// <summary>The head record of <paramref name="key"/> at the <paramref name="position"/>-th sorted address, when it
        /// is whole in the bytes read.</summary>
        public bool TryReadHead(InMemoryLog log, int position, byte[] key, out StoredVersion head)
        {
            var range = rangeOf[position];
            long offset = addresses[position] - rangeStarts[range];
            if (log.TryReadHeadPayload(buffer + rangeBufferOffsets[range] + offset, Volatile.Read(ref rangeBytesRead[range]) - offset, key,
                    out var payload))
            {
                head = StoredVersion.Read(payload);
                return true;
            }
            head = default;
            return false;
        }

        private static long AlignUp(long value, long alignment) => (value + alignment - 1) & ~(alignment - 1);

        /// <summary>Only after <see cref="Completed"/>: no read may still write into the buffer.</summary>
        public void Dispose() => NativeMemory.AlignedFree(buffer);
    }
}
