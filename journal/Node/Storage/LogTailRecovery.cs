using System.Buffers.Binary;
using FASTER.core;
using Microsoft.Extensions.Logging;

namespace Log.Journal.Node.Storage;

/// <summary>
/// Runs at open, before FASTER: finds the batches that were flushed (and perhaps acknowledged)
/// after the newest commit record on disk, which <see cref="AlternatingSlotCommitManager"/> writes
/// lazily, and records a commit that covers them; then cuts the log files off where that commit
/// ends, so that nothing a crash left behind past it (a torn write, batches never acknowledged) can
/// be mistaken for batches by a later scan.
///
/// Why a batch found this way is sound: it is read from FASTER's own entry layout (a 4-byte length,
/// the entry, padding to 4 bytes, no entry across a page), it must be a whole Kafka batch whose
/// CRC-32C holds, whose length matches the entry's and whose partition leader epoch is the node's
/// (0), and its base offset must be exactly the next offset after the previous one (the commit
/// record carries the next offset as its cookie). The scan stops at the first entry that fails any
/// of this. Acknowledged batches always pass: a produce is answered only after the data write up
/// to it returned, and writes follow each other in log order. A zero length is the padding FASTER
/// leaves at the end of a page only if the next page's first entry would not have fitted in it;
/// otherwise it is a hole, and the scan stops there.
/// </summary>
public static class LogTailRecovery
{
    /// <summary>FASTER's first log address (its <c>Constants.kFirstValidAddress</c>).</summary>
    private const long FirstValidAddress = 64;

    /// <summary>FASTER's entry header (the length; no per-entry checksum is configured).</summary>
    internal const int EntryHeaderBytes = 4;

    public static void Recover(string logFilePath, AlternatingSlotCommitManager commitManager, int pageSizeBits, int segmentSizeBits,
        int maximumBatchBytes, ILogger logger, string topic, int partition)
    {
        if (commitManager.LegacyCommitsPresent)
        {
            // Written before lazy commit records: every acknowledged batch is under a commit on disk.
            return;
        }
        var newest = commitManager.NewestSlotCommit();
        long end;
        if (newest is not { } commit)
        {
            // Nothing was ever committed (the first commit record is always written at once), so
            // no batch was acknowledged: whatever is in the files goes.
            end = FirstValidAddress;
        }
        else
        {
            var info = commit.Info;
            end = info.UntilAddress;
            if (AlternatingSlotCommitManager.OffsetOf(info) is { } nextOffset)
            {
                var (scannedEnd, scannedNextOffset, batches) = Scan(logFilePath, info.UntilAddress, nextOffset, pageSizeBits, segmentSizeBits, maximumBatchBytes);
                if (batches > 0)
                {
                    end = scannedEnd;
                    info.UntilAddress = scannedEnd;
                    info.Cookie = AlternatingSlotCommitManager.OffsetCookie(scannedNextOffset);
                    commitManager.WriteRecoveredCommit(commit.CommitNumber + 1, info);
                    logger.LogInformation(
                        "Journal partition {Topic}/{Partition}: found {Batches} batches past the last commit record, up to offset {NextOffset} (log address {Address})",
                        topic, partition, batches, scannedNextOffset, scannedEnd);
                }
            }
        }
        CutFilesAt(logFilePath, end, segmentSizeBits);
    }

    private static (long End, long NextOffset, int Batches) Scan(string logFilePath, long from, long nextOffset, int pageSizeBits, int segmentSizeBits, int maximumBatchBytes)
    {
        var pageSize = 1L << pageSizeBits;
        var address = from;
        var batches = 0;
        var lengthBytes = new byte[EntryHeaderBytes];
        var entry = new byte[maximumBatchBytes];
        using var segments = new SegmentReader(logFilePath, segmentSizeBits);
        while (true)
        {
            var offsetInPage = address & (pageSize - 1);
            if (!segments.TryRead(address, lengthBytes))
            {
                break;
            }
            var length = BinaryPrimitives.ReadInt32LittleEndian(lengthBytes);
            if (length == 0 && offsetInPage != 0)
            {
                // Padding at the end of the page, if the next page's first entry did not fit here.
                var nextPage = address - offsetInPage + pageSize;
                if (!segments.TryRead(nextPage, lengthBytes))
                {
                    break;
                }
                var nextLength = BinaryPrimitives.ReadInt32LittleEndian(lengthBytes);
                if (nextLength <= 0 || offsetInPage + EntryHeaderBytes + Align(nextLength) <= pageSize)
                {
                    break;
                }
                address = nextPage;
                continue;
            }
            if (length <= 0 || length > maximumBatchBytes || offsetInPage + EntryHeaderBytes + Align(length) > pageSize)
            {
                break;
            }
            var bytes = entry.AsSpan(0, length);
            if (!segments.TryRead(address + EntryHeaderBytes, bytes))
            {
                break;
            }
            if (RecordBatch.TryRead(bytes, out var header) is not null || header.TotalBytes != length || header.BaseOffset != nextOffset
                || BinaryPrimitives.ReadInt32BigEndian(bytes[RecordBatch.PartitionLeaderEpochPosition..]) != 0)
            {
                break;
            }
            nextOffset = header.BaseOffset + header.LastOffsetDelta + 1;
            batches++;
            address = EntryEnd(address, length);
        }
        return (address, nextOffset, batches);
    }

    private static int Align(int length) => (length + 3) & ~3;

    /// <summary>Where the FASTER entry at <paramref name="address"/> holding <paramref name="length"/>
    /// bytes ends: its header, then the bytes padded to 4.</summary>
    internal static long EntryEnd(long address, int length) => address + EntryHeaderBytes + Align(length);

    private static string SegmentPath(string logFilePath, long segment) => $"{logFilePath}.{segment}";

    /// <summary>Reads log addresses from the segment files, keeping the last one open.</summary>
    private sealed class SegmentReader(string logFilePath, int segmentSizeBits) : IDisposable
    {
        private Microsoft.Win32.SafeHandles.SafeFileHandle? file;
        private long openSegment = -1;

        /// <summary>False when the bytes are not all in the files (a missing segment or its end).</summary>
        public bool TryRead(long address, Span<byte> destination)
        {
            var segment = address >> segmentSizeBits;
            if (segment != openSegment)
            {
                file?.Dispose();
                file = null;
                openSegment = segment;
                var path = SegmentPath(logFilePath, segment);
                if (File.Exists(path))
                {
                    file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                }
            }
            if (file is null)
            {
                return false;
            }
            var position = address & ((1L << segmentSizeBits) - 1);
            var total = 0;
            while (total < destination.Length)
            {
                var read = RandomAccess.Read(file, destination[total..], position + total);
                if (read == 0)
                {
                    return false;
                }
                total += read;
            }
            return true;
        }

        public void Dispose() => file?.Dispose();
    }

    /// <summary>Zeroes the segment holding <paramref name="end"/> from there to the end of its
    /// sector, shortens it to that sector, deletes the segments after it, and makes it durable.</summary>
    private static void CutFilesAt(string logFilePath, long end, int segmentSizeBits)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(logFilePath))!;
        var segment = end >> segmentSizeBits;
        var removedAny = false;
        var prefix = Path.GetFileName(logFilePath) + ".";
        foreach (var path in Directory.EnumerateFiles(folder, prefix + "*"))
        {
            if (long.TryParse(Path.GetFileName(path).AsSpan(prefix.Length), System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out var id) && id > segment)
            {
                File.Delete(path);
                removedAny = true;
            }
        }
        var tailPath = SegmentPath(logFilePath, segment);
        if (File.Exists(tailPath))
        {
            using var file = File.OpenHandle(tailPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            var position = end & ((1L << segmentSizeBits) - 1);
            // The log device writes whole sectors; the cut keeps the file a whole number of them.
            const long sector = PreparedLogDevice.SectorBytes;
            var sectorEnd = (position + sector - 1) / sector * sector;
            var length = RandomAccess.GetLength(file);
            if (length > position)
            {
                RandomAccess.Write(file, new byte[(int)(Math.Min(sectorEnd, length) - position)], position);
                if (length > sectorEnd)
                {
                    RandomAccess.SetLength(file, sectorEnd);
                }
                RandomAccess.FlushToDisk(file);
            }
        }
        if (removedAny)
        {
            DurableFile.SynchronizeFolder(folder);
        }
    }
}
