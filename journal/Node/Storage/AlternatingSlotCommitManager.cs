using System.Buffers.Binary;
using FASTER.core;
using Microsoft.Win32.SafeHandles;

namespace Log.Journal.Node.Storage;

/// <summary>
/// Where a partition's <see cref="FasterLog"/> keeps its commit records: one preallocated file of
/// two slots, overwritten in turn, each write synchronous (O_DSYNC) and guarded by a CRC-32C.
///
/// Why: FASTER's default manager creates a new file per commit (and deletes an old one), so every
/// commit paid for a file creation, a journal commit of the folder and an unlink on top of the data
/// write; on this disk that made a commit of 1 MB take ~100 ms instead of ~6 ms. Overwriting
/// allocated blocks needs no file system metadata, only the data.
///
/// Why it is safe: FASTER calls <see cref="Commit"/> only after the data up to the commit is
/// durable, and acknowledges the commit only after this returns. Each write goes to the slot that
/// does not hold the newest commit, so a write torn by a crash can only damage a commit that was
/// never acknowledged; the other slot still holds the previous one, whose data is on disk.
/// Recovery takes the valid slot with the higher commit number.
///
/// Lazy commit records: a commit record costs a second synchronous write after the data write, so
/// most commits are not written here at all. That is safe because the data FASTER flushed is
/// durable before <see cref="Commit"/> is called, and at open <see cref="LogTailRecovery"/> finds
/// it again by scanning, from the newest commit record here, the batches that follow it (each
/// checked by its CRC and by its base offset, which must continue the offsets before it). For that
/// the commit records carry the next Kafka offset (<see cref="OffsetCookieBytes"/>, FASTER's commit
/// cookie). A commit is written here at once when the scan could not find its data: when no commit
/// record with an offset is on disk yet, when the log's begin address moved (FASTER deletes
/// segments right after this returns), when legacy commit files are still present, and when the
/// log grew by <see cref="LazyCommitDistanceBytes"/> since the last one (which bounds the scan).
/// The newest commit not yet written is written at <see cref="Dispose"/>.
///
/// Data folders written before this existed hold FASTER's own commit files (<c>log-commits/</c>):
/// those are still read at open, and removed once the first commit here is durable.
/// </summary>
public sealed class AlternatingSlotCommitManager : ILogCommitManager
{
    public const string FileName = "commit-slots";

    /// <summary>One slot; FASTER's commit metadata without persisted iterators or cookies is
    /// under 100 bytes.</summary>
    private const int SlotBytes = 4096;

    private const int SlotCount = 2;
    private const uint SlotMagic = 0x4C4A4353; // "LJCS"

    // Slot layout: magic (4), metadata length (4), commit number (8), metadata, CRC-32C of all before it (4).
    private const int SlotHeaderBytes = 16;
    private const int SlotCrcBytes = 4;
    private const int MaximumMetadataBytes = SlotBytes - SlotHeaderBytes - SlotCrcBytes;

    /// <summary>A commit record is written at least once per this much log, so that the scan at
    /// open reads at most this much past it.</summary>
    public const long LazyCommitDistanceBytes = 64L << 20;

    /// <summary>The commit cookie: the next Kafka offset at the commit's until address, big-endian.</summary>
    public const int OffsetCookieBytes = 8;

    private readonly string path;
    private readonly SafeFileHandle file;
    private readonly DeviceLogCommitCheckpointManager legacy;
    private readonly byte[] slotBuffer = new byte[SlotBytes];
    private bool legacyCommitsPresent;
    private int nextSlot;
    private bool disposed;
    private bool durableCommitHasOffset;
    private long durableBeginAddress;
    private long durableUntilAddress;
    private (long CommitNumber, byte[] Metadata)? notWritten;

    public AlternatingSlotCommitManager(string folder)
    {
        path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            CreateZeroed(path);
        }
        file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, FileOptions.WriteThrough);
        legacy = new DeviceLogCommitCheckpointManager(new LocalStorageNamedDeviceFactory(), new DefaultCheckpointNamingScheme(folder), removeOutdated: false);
        legacyCommitsPresent = legacy.ListCommits().Any();
        var slots = ReadSlots();
        // Overwrite the older (or damaged) slot first, never the newest commit.
        nextSlot = slots.Count == 0 ? 0 : 1 - slots.MaxBy(slot => slot.CommitNumber).Slot;
        if (slots.Count > 0)
        {
            var newest = slots.MaxBy(slot => slot.CommitNumber);
            NoteDurable(newest.Metadata);
        }
    }

    /// <summary>The newest intact commit record in the slots (legacy files aside), or null.</summary>
    public (long CommitNumber, FasterLogRecoveryInfo Info)? NewestSlotCommit()
    {
        var slots = ReadSlots();
        if (slots.Count == 0)
        {
            return null;
        }
        var newest = slots.MaxBy(slot => slot.CommitNumber);
        return (newest.CommitNumber, Parse(newest.Metadata));
    }

    public bool LegacyCommitsPresent => legacyCommitsPresent;

    /// <summary>Whether data flushed past the newest commit record here will be found again at
    /// open (<see cref="LogTailRecovery"/> scans from a slot commit that carries an offset); until
    /// then, only a commit makes flushed data recoverable.</summary>
    public bool TailRecoverableByScan => durableCommitHasOffset && !legacyCommitsPresent;

    /// <summary>Reads the next Kafka offset from a commit's cookie; null for commits written
    /// before commit records carried it.</summary>
    public static long? OffsetOf(in FasterLogRecoveryInfo info) =>
        info.Cookie is { Length: OffsetCookieBytes } cookie ? BinaryPrimitives.ReadInt64BigEndian(cookie) : null;

    public static byte[] OffsetCookie(long nextOffset)
    {
        var cookie = new byte[OffsetCookieBytes];
        BinaryPrimitives.WriteInt64BigEndian(cookie, nextOffset);
        return cookie;
    }

    private static FasterLogRecoveryInfo Parse(byte[] metadata)
    {
        var info = new FasterLogRecoveryInfo();
        using var reader = new BinaryReader(new MemoryStream(metadata));
        info.Initialize(reader);
        return info;
    }

    /// <summary>Remembers what the newest commit on disk covers. Metadata FASTER cannot read
    /// (only tests write such) counts as a commit without an offset: every commit is written.</summary>
    private void NoteDurable(byte[] metadata)
    {
        try
        {
            var info = Parse(metadata);
            durableCommitHasOffset = OffsetOf(info) is not null;
            durableBeginAddress = info.BeginAddress;
            durableUntilAddress = info.UntilAddress;
        }
        catch (FasterException)
        {
            durableCommitHasOffset = false;
        }
    }

    /// <summary>Writes, durably and at once, the commit that <see cref="LogTailRecovery"/> found
    /// by scanning past the newest one. Called at open, before FASTER reads the commits.</summary>
    public void WriteRecoveredCommit(long commitNumber, in FasterLogRecoveryInfo info)
    {
        WriteSlot(info.ToByteArray(), commitNumber);
    }

    private static void CreateZeroed(string path)
    {
        var scratch = path + ".creating";
        using (var stream = new FileStream(scratch, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(new byte[SlotBytes * SlotCount]);
            stream.Flush(flushToDisk: true);
        }
        File.Move(scratch, path, overwrite: true);
        DurableFile.SynchronizeFolder(Path.GetDirectoryName(path)!);
    }

    private readonly record struct SlotContents(int Slot, long CommitNumber, byte[] Metadata);

    private List<SlotContents> ReadSlots()
    {
        var found = new List<SlotContents>(SlotCount);
        var buffer = new byte[SlotBytes];
        for (var slot = 0; slot < SlotCount; slot++)
        {
            if (RandomAccess.Read(file, buffer, (long)slot * SlotBytes) != SlotBytes)
            {
                continue;
            }
            if (BinaryPrimitives.ReadUInt32LittleEndian(buffer) != SlotMagic)
            {
                continue;
            }
            var length = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(4));
            if (length < 0 || length > MaximumMetadataBytes)
            {
                continue;
            }
            var end = SlotHeaderBytes + length;
            if (RecordBatch.Crc32C(buffer.AsSpan(0, end)) != BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(end)))
            {
                // Torn by a crash mid-write: that commit was never acknowledged.
                continue;
            }
            found.Add(new SlotContents(slot, BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(8)), buffer.AsSpan(SlotHeaderBytes, length).ToArray()));
        }
        return found;
    }

    public void Commit(long beginAddress, long untilAddress, byte[] commitMetadata, long commitNum, bool forceWriteMetadata)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        // FASTER serialises commits (one commit callback worker per log), so the buffer, the slot
        // index and the lazy state need no lock.
        var mustWrite = !durableCommitHasOffset || legacyCommitsPresent || forceWriteMetadata
            || beginAddress != durableBeginAddress
            || untilAddress - durableUntilAddress >= LazyCommitDistanceBytes;
        if (!mustWrite)
        {
            notWritten = (commitNum, commitMetadata);
            return;
        }
        WriteSlot(commitMetadata, commitNum);
    }

    private void WriteSlot(byte[] commitMetadata, long commitNum)
    {
        if (commitMetadata.Length > MaximumMetadataBytes)
        {
            throw new InvalidOperationException($"FASTER commit metadata of {commitMetadata.Length} bytes does not fit a {SlotBytes}-byte slot");
        }
        var buffer = slotBuffer.AsSpan();
        buffer.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, SlotMagic);
        BinaryPrimitives.WriteInt32LittleEndian(buffer[4..], commitMetadata.Length);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[8..], commitNum);
        commitMetadata.CopyTo(buffer[SlotHeaderBytes..]);
        var end = SlotHeaderBytes + commitMetadata.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[end..], RecordBatch.Crc32C(buffer[..end]));
        RandomAccess.Write(file, buffer, (long)nextSlot * SlotBytes);
        nextSlot = 1 - nextSlot;
        notWritten = null;
        NoteDurable(commitMetadata);
        if (legacyCommitsPresent)
        {
            // A newer commit is durable here: the old files can only mislead.
            legacy.RemoveAllCommits();
            legacyCommitsPresent = false;
        }
    }

    public byte[] GetCommitMetadata(long commitNum)
    {
        foreach (var slot in ReadSlots())
        {
            if (slot.CommitNumber == commitNum)
            {
                return slot.Metadata;
            }
        }
        return legacyCommitsPresent ? legacy.GetCommitMetadata(commitNum) : null!;
    }

    public IEnumerable<long> ListCommits()
    {
        var commits = ReadSlots().Select(slot => slot.CommitNumber);
        if (legacyCommitsPresent)
        {
            commits = commits.Concat(legacy.ListCommits());
        }
        return commits.Distinct().OrderByDescending(commit => commit).ToList();
    }

    /// <summary>Slots are reused rather than removed; legacy commit files are deleted.</summary>
    public void RemoveCommit(long commitNum)
    {
        if (legacyCommitsPresent)
        {
            legacy.RemoveCommit(commitNum);
        }
    }

    public void RemoveAllCommits()
    {
        RandomAccess.Write(file, new byte[SlotBytes * SlotCount], 0);
        durableCommitHasOffset = false;
        notWritten = null;
        if (legacyCommitsPresent)
        {
            legacy.RemoveAllCommits();
            legacyCommitsPresent = false;
        }
    }

    /// <summary>Nothing to purge: the legacy files go after the first new commit, not at recovery,
    /// because until then they may hold the only commit there is.</summary>
    public void OnRecovery(long commitNum)
    {
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }
        if (notWritten is { } pending)
        {
            // A clean stop leaves the newest commit on disk, so the next open scans nothing.
            WriteSlot(pending.Metadata, pending.CommitNumber);
        }
        disposed = true;
        file.Dispose();
        legacy.Dispose();
    }
}
