using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Log.Journal.Node.Storage;

/// <summary>Where one batch of a partition lies: its offsets, its FASTER log address and length, its greatest timestamp.</summary>
internal readonly record struct PartitionIndexEntry(long BaseOffset, long LastOffset, long Address, int LengthBytes, long MaxTimestamp);

/// <summary>One batch an idempotent producer wrote, remembered to recognise its retries.</summary>
internal readonly record struct ProducerBatch(int FirstSequence, int LastSequence, long BaseOffset, long LastOffset);

/// <summary>An idempotent producer's epoch and its most recent batches, oldest first.</summary>
internal sealed record ProducerSnapshot(long ProducerId, short Epoch, ProducerBatch[] Recent);

/// <summary>
/// What a partition's open learns from its log up to <see cref="EndAddress"/>: the index of the batches there, the offset
/// after them and the producers' state after them. The open reads it from <see cref="PartitionIndexFile"/> and checks only
/// the batches after <see cref="EndAddress"/>.
/// </summary>
internal sealed record PartitionIndexContents(
    long EndAddress, long NextOffset, long MaximumProducerIdSeen, PartitionIndexEntry[] Entries, ProducerSnapshot[] Producers);

/// <summary>
/// The persisted index of a partition's checked prefix (<see cref="FileName"/>, beside the log's segments), so that an open
/// checks the batches written after it instead of every batch of the partition. Layout, little-endian: the magic
/// "LOGPIDX1"; the end address, the next offset, the greatest producer id seen (8 bytes each); the entry and producer
/// counts (4 bytes each); per entry its base and last offsets, address (8 bytes each), length (4) and greatest timestamp
/// (8); per producer its id (8), epoch (2), count of recent batches (4), and per batch its first and last sequences (4
/// each), base and last offsets (8 each); then the SHA-256 of everything before it.
///
/// Why it is safe: the file is replaced atomically (<see cref="DurableFile"/>), so a crash leaves the old one or the new
/// one; its hash and its own consistency (contiguous offsets, increasing addresses, everything below the end address) are
/// checked on read, and the partition checks it against the log before it trusts it (<see cref="PartitionLog"/>); a
/// file that fails any of this is ignored and the whole log is checked, as without one. It is written only once every
/// batch it covers is durable, with the producers' state taken at the same moment as the entries.
/// </summary>
internal static class PartitionIndexFile
{
    public const string FileName = "batches.index";

    private static ReadOnlySpan<byte> Magic => "LOGPIDX1"u8;

    private const int HeaderBytes = 8 + (3 * 8) + (2 * 4);
    private const int EntryBytes = (3 * 8) + 4 + 8;
    private const int ProducerHeaderBytes = 8 + 2 + 4;
    private const int ProducerBatchBytes = (2 * 4) + (2 * 8);
    private const int HashBytes = 32;

    public static void Write(string path, PartitionIndexContents contents)
    {
        DurableFile.WriteAtomically(path, Encode(contents));
    }

    internal static byte[] Encode(PartitionIndexContents contents)
    {
        var length = HeaderBytes + (contents.Entries.Length * EntryBytes) + HashBytes
            + contents.Producers.Sum(producer => ProducerHeaderBytes + (producer.Recent.Length * ProducerBatchBytes));
        var bytes = new byte[length];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        var position = Magic.Length;
        WriteInt64(span, ref position, contents.EndAddress);
        WriteInt64(span, ref position, contents.NextOffset);
        WriteInt64(span, ref position, contents.MaximumProducerIdSeen);
        WriteInt32(span, ref position, contents.Entries.Length);
        WriteInt32(span, ref position, contents.Producers.Length);
        foreach (var entry in contents.Entries)
        {
            WriteEntry(span, ref position, entry);
        }
        foreach (var producer in contents.Producers)
        {
            WriteInt64(span, ref position, producer.ProducerId);
            BinaryPrimitives.WriteInt16LittleEndian(span[position..], producer.Epoch);
            position += 2;
            WriteInt32(span, ref position, producer.Recent.Length);
            foreach (var batch in producer.Recent)
            {
                WriteProducerBatch(span, ref position, batch);
            }
        }
        SHA256.HashData(span[..position], span[position..]);
        return bytes;
    }

    /// <summary>The file's contents; null when there is none (<paramref name="problem"/> null) or when it is damaged or
    /// inconsistent (<paramref name="problem"/> says how).</summary>
    public static PartitionIndexContents? TryRead(string path, out string? problem)
    {
        var bytes = DurableFile.ReadIfExists(path);
        if (bytes is null)
        {
            problem = null;
            return null;
        }
        return TryDecode(bytes, out problem);
    }

    internal static PartitionIndexContents? TryDecode(ReadOnlySpan<byte> bytes, out string? problem)
    {
        if (bytes.Length < HeaderBytes + HashBytes || !bytes.StartsWith(Magic))
        {
            problem = $"not a partition index ({bytes.Length} bytes)";
            return null;
        }
        var body = bytes[..^HashBytes];
        Span<byte> hash = stackalloc byte[HashBytes];
        SHA256.HashData(body, hash);
        if (!hash.SequenceEqual(bytes[^HashBytes..]))
        {
            problem = "its SHA-256 does not match its contents";
            return null;
        }
        var position = Magic.Length;
        var endAddress = ReadInt64(body, ref position);
        var nextOffset = ReadInt64(body, ref position);
        var maximumProducerIdSeen = ReadInt64(body, ref position);
        var entryCount = ReadInt32(body, ref position);
        var producerCount = ReadInt32(body, ref position);
        if (entryCount < 0 || producerCount < 0 || (long)entryCount * EntryBytes > body.Length - position)
        {
            problem = $"{entryCount} entries and {producerCount} producers do not fit its {bytes.Length} bytes";
            return null;
        }
        var entries = new PartitionIndexEntry[entryCount];
        for (var index = 0; index < entryCount; index++)
        {
            entries[index] = ReadEntry(body, ref position);
        }
        var producers = new List<ProducerSnapshot>();
        for (var index = 0; index < producerCount; index++)
        {
            if (body.Length - position < ProducerHeaderBytes)
            {
                problem = $"producer {index} of {producerCount} runs past its end";
                return null;
            }
            var producerId = ReadInt64(body, ref position);
            var epoch = BinaryPrimitives.ReadInt16LittleEndian(body[position..]);
            position += 2;
            var recentCount = ReadInt32(body, ref position);
            if (recentCount < 0 || (long)recentCount * ProducerBatchBytes > body.Length - position)
            {
                problem = $"producer {producerId}'s {recentCount} batches run past its end";
                return null;
            }
            var recent = new ProducerBatch[recentCount];
            for (var batch = 0; batch < recentCount; batch++)
            {
                recent[batch] = ReadProducerBatch(body, ref position);
            }
            producers.Add(new ProducerSnapshot(producerId, epoch, recent));
        }
        if (position != body.Length)
        {
            problem = $"{body.Length - position} bytes after its last producer";
            return null;
        }
        var contents = new PartitionIndexContents(endAddress, nextOffset, maximumProducerIdSeen, entries, [.. producers]);
        problem = Inconsistency(contents);
        return problem is null ? contents : null;
    }

    /// <summary>What in <paramref name="contents"/> no partition could have written, or null.</summary>
    private static string? Inconsistency(PartitionIndexContents contents)
    {
        if (contents.EndAddress < 0 || contents.NextOffset < 0)
        {
            return $"negative end address {contents.EndAddress} or next offset {contents.NextOffset}";
        }
        var entries = contents.Entries;
        for (var index = 0; index < entries.Length; index++)
        {
            var entry = entries[index];
            if (entry.BaseOffset < 0 || entry.LastOffset < entry.BaseOffset || entry.LengthBytes <= 0 || entry.Address < 0)
            {
                return $"entry {index} is not a batch ({entry})";
            }
            if (index > 0)
            {
                var previous = entries[index - 1];
                if (entry.BaseOffset != previous.LastOffset + 1 || entry.Address < LogTailRecovery.EntryEnd(previous.Address, previous.LengthBytes))
                {
                    return $"entry {index} ({entry}) does not follow entry {index - 1} ({previous})";
                }
            }
        }
        if (entries.Length > 0)
        {
            var last = entries[^1];
            if (LogTailRecovery.EntryEnd(last.Address, last.LengthBytes) > contents.EndAddress || last.LastOffset + 1 != contents.NextOffset)
            {
                return $"its last entry ({last}) does not end at its end address {contents.EndAddress} and next offset {contents.NextOffset}";
            }
        }
        foreach (var producer in contents.Producers)
        {
            if (producer.Recent.Any(batch => batch.LastOffset >= contents.NextOffset || batch.BaseOffset > batch.LastOffset))
            {
                return $"producer {producer.ProducerId} remembers a batch at or past its next offset {contents.NextOffset}";
            }
        }
        return null;
    }

    private static void WriteEntry(Span<byte> span, ref int position, in PartitionIndexEntry entry)
    {
        WriteInt64(span, ref position, entry.BaseOffset);
        WriteInt64(span, ref position, entry.LastOffset);
        WriteInt64(span, ref position, entry.Address);
        WriteInt32(span, ref position, entry.LengthBytes);
        WriteInt64(span, ref position, entry.MaxTimestamp);
    }

    private static void WriteProducerBatch(Span<byte> span, ref int position, in ProducerBatch batch)
    {
        WriteInt32(span, ref position, batch.FirstSequence);
        WriteInt32(span, ref position, batch.LastSequence);
        WriteInt64(span, ref position, batch.BaseOffset);
        WriteInt64(span, ref position, batch.LastOffset);
    }

    private static PartitionIndexEntry ReadEntry(ReadOnlySpan<byte> body, ref int position) => new(
        BaseOffset: ReadInt64(body, ref position),
        LastOffset: ReadInt64(body, ref position),
        Address: ReadInt64(body, ref position),
        LengthBytes: ReadInt32(body, ref position),
        MaxTimestamp: ReadInt64(body, ref position));

    private static ProducerBatch ReadProducerBatch(ReadOnlySpan<byte> body, ref int position) => new(
        FirstSequence: ReadInt32(body, ref position),
        LastSequence: ReadInt32(body, ref position),
        BaseOffset: ReadInt64(body, ref position),
        LastOffset: ReadInt64(body, ref position));

    private static void WriteInt64(Span<byte> span, ref int position, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(span[position..], value);
        position += 8;
    }

    private static void WriteInt32(Span<byte> span, ref int position, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(span[position..], value);
        position += 4;
    }

    private static long ReadInt64(ReadOnlySpan<byte> span, ref int position)
    {
        var value = BinaryPrimitives.ReadInt64LittleEndian(span[position..]);
        position += 8;
        return value;
    }

    private static int ReadInt32(ReadOnlySpan<byte> span, ref int position)
    {
        var value = BinaryPrimitives.ReadInt32LittleEndian(span[position..]);
        position += 4;
        return value;
    }
}
