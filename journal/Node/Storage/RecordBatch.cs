using System.Buffers.Binary;
using System.Numerics;

namespace Log.Journal.Node.Storage;

/// <summary>The header fields of a Kafka RecordBatch (magic 2) that the node reads or sets.</summary>
public readonly record struct RecordBatchHeader(
    long BaseOffset,
    int BatchLengthBytes,
    short Attributes,
    int LastOffsetDelta,
    long MaxTimestamp,
    long ProducerId,
    short ProducerEpoch,
    int BaseSequence,
    int RecordCount)
{
    /// <summary>Whole size of the batch: the offset and length fields plus what the length counts.</summary>
    public int TotalBytes => RecordBatch.LogOverheadBytes + BatchLengthBytes;

    public bool IsTransactional => (Attributes & 0x10) != 0;
    public bool IsControl => (Attributes & 0x20) != 0;

    /// <summary>The sequence number of the last record, wrapping as Kafka's do.</summary>
    public int LastSequence => BaseSequence < 0 ? -1 : (int)(((long)BaseSequence + LastOffsetDelta) % ((long)int.MaxValue + 1));
}

/// <summary>
/// Kafka's RecordBatch v2 layout. The node never looks inside the records: a batch is stored as
/// the producer sent it, except for the base offset and partition leader epoch, which the node
/// assigns and which the CRC (from the attributes to the end) deliberately does not cover.
/// </summary>
public static class RecordBatch
{
    public const int BaseOffsetPosition = 0;
    public const int BatchLengthPosition = 8;
    public const int PartitionLeaderEpochPosition = 12;
    public const int MagicPosition = 16;
    public const int CrcPosition = 17;
    public const int AttributesPosition = 21;
    public const int LastOffsetDeltaPosition = 23;
    public const int MaxTimestampPosition = 35;
    public const int ProducerIdPosition = 43;
    public const int ProducerEpochPosition = 51;
    public const int BaseSequencePosition = 53;
    public const int RecordCountPosition = 57;
    public const int HeaderBytes = 61;

    /// <summary>The base offset and length fields, which the batch length does not count.</summary>
    public const int LogOverheadBytes = 12;

    public const sbyte CurrentMagic = 2;

    /// <summary>Reads and checks one batch at the start of <paramref name="bytes"/>: the layout,
    /// the magic, the lengths and the CRC-32C. Returns null when it is sound, else the problem.</summary>
    public static string? TryRead(ReadOnlySpan<byte> bytes, out RecordBatchHeader header)
    {
        header = default;
        if (bytes.Length < LogOverheadBytes)
        {
            return $"batch truncated: {bytes.Length} bytes";
        }
        var batchLength = BinaryPrimitives.ReadInt32BigEndian(bytes[BatchLengthPosition..]);
        if (batchLength < HeaderBytes - LogOverheadBytes)
        {
            return $"batch length {batchLength} is shorter than a batch header";
        }
        if ((long)batchLength + LogOverheadBytes > bytes.Length)
        {
            return $"batch length {batchLength} runs past the {bytes.Length} bytes given";
        }
        var magic = (sbyte)bytes[MagicPosition];
        if (magic != CurrentMagic)
        {
            return $"unsupported record batch magic {magic}";
        }
        var batch = bytes[..(LogOverheadBytes + batchLength)];
        var expectedCrc = BinaryPrimitives.ReadUInt32BigEndian(batch[CrcPosition..]);
        var actualCrc = Crc32C(batch[AttributesPosition..]);
        if (expectedCrc != actualCrc)
        {
            return $"CRC mismatch: batch says {expectedCrc:x8}, contents give {actualCrc:x8}";
        }
        header = new RecordBatchHeader(
            BaseOffset: BinaryPrimitives.ReadInt64BigEndian(batch[BaseOffsetPosition..]),
            BatchLengthBytes: batchLength,
            Attributes: BinaryPrimitives.ReadInt16BigEndian(batch[AttributesPosition..]),
            LastOffsetDelta: BinaryPrimitives.ReadInt32BigEndian(batch[LastOffsetDeltaPosition..]),
            MaxTimestamp: BinaryPrimitives.ReadInt64BigEndian(batch[MaxTimestampPosition..]),
            ProducerId: BinaryPrimitives.ReadInt64BigEndian(batch[ProducerIdPosition..]),
            ProducerEpoch: BinaryPrimitives.ReadInt16BigEndian(batch[ProducerEpochPosition..]),
            BaseSequence: BinaryPrimitives.ReadInt32BigEndian(batch[BaseSequencePosition..]),
            RecordCount: BinaryPrimitives.ReadInt32BigEndian(batch[RecordCountPosition..]));
        if (header.LastOffsetDelta < 0 || header.RecordCount < 0)
        {
            return $"negative last offset delta {header.LastOffsetDelta} or record count {header.RecordCount}";
        }
        if (header.RecordCount > 0 && header.LastOffsetDelta < header.RecordCount - 1)
        {
            return $"last offset delta {header.LastOffsetDelta} is less than the {header.RecordCount} records need";
        }
        return null;
    }

    /// <summary>Sets the fields the node owns. Neither is covered by the CRC.</summary>
    public static void Assign(Span<byte> batch, long baseOffset, int partitionLeaderEpoch)
    {
        BinaryPrimitives.WriteInt64BigEndian(batch[BaseOffsetPosition..], baseOffset);
        BinaryPrimitives.WriteInt32BigEndian(batch[PartitionLeaderEpochPosition..], partitionLeaderEpoch);
    }

    public static uint Crc32C(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        var index = 0;
        for (; index + 8 <= bytes.Length; index += 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(bytes[index..]));
        }
        for (; index < bytes.Length; index++)
        {
            crc = BitOperations.Crc32C(crc, bytes[index]);
        }
        return crc ^ 0xFFFFFFFFu;
    }
}
