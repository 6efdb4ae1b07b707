using System.Diagnostics;
using System.Buffers.Binary;

namespace Log.Journal.Node.Storage;

/// <summary>
/// The records inside a RecordBatch (magic 2), which the node otherwise never looks into: reading their values (the
/// writer fence checks each record's writer epoch) and building an uncompressed batch of given values (the node's own
/// appends at an expected offset). Record layout (Kafka's): a zig-zag varint length, then attributes, timestamp delta,
/// offset delta, key, value and headers.
/// </summary>
public static class RecordBatchValues
{
    private const int FirstTimestampPosition = 27;
    private const short CompressionMask = 0x07;

    /// <summary>Adds the value of every record of a whole, sound batch (<see cref="RecordBatch.TryRead"/> passed) to
    /// <paramref name="values"/>; returns null, or why the records cannot be read (a compressed batch, a record running
    /// past the batch, a null value).</summary>
    public static string? TryRead(ReadOnlySpan<byte> batch, in RecordBatchHeader header, List<byte[]> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var places = new List<RecordPlace>();
        var problem = TryReadPlaces(batch, header, places);
        foreach (var place in places)
        {
            values.Add(batch.Slice(place.ValueStart, place.ValueLength).ToArray());
        }
        return problem;
    }

    /// <summary>Where a record's value lies in its batch, and the record's offset delta (its offset less the batch's base
    /// offset).</summary>
    public readonly record struct RecordPlace(long OffsetDelta, int ValueStart, int ValueLength);

    /// <summary>Adds where the value of every record of a whole, sound batch lies to <paramref name="places"/>, in the
    /// batch's order; returns null, or why the records cannot be read (as <see cref="TryRead"/>; the places of the records
    /// before the one that failed are added).</summary>
    public static string? TryReadPlaces(ReadOnlySpan<byte> batch, in RecordBatchHeader header, List<RecordPlace> places)
    {
        ArgumentNullException.ThrowIfNull(places);
        if ((header.Attributes & CompressionMask) != 0)
        {
            return "the batch is compressed";
        }
        var position = RecordBatch.HeaderBytes;
        for (var record = 0; record < header.RecordCount; record++)
        {
            if (!TryReadVarLong(batch, ref position, out var length) || length < 0 || position + length > batch.Length)
            {
                return $"record {record} runs past the batch";
            }
            var bodyStart = position;
            var body = batch.Slice(position, (int)length);
            position += (int)length;
            var at = 1;
            if (!TryReadVarLong(body, ref at, out _) || !TryReadVarLong(body, ref at, out var offsetDelta)
                || !TryReadVarLong(body, ref at, out var keyLength) || (keyLength > 0 && (at += (int)keyLength) > body.Length)
                || !TryReadVarLong(body, ref at, out var valueLength) || valueLength < 0 || at + valueLength > body.Length)
            {
                return $"record {record} is malformed or has no value";
            }
            places.Add(new RecordPlace(offsetDelta, bodyStart + at, (int)valueLength));
        }
        return position == batch.Length ? null : "bytes follow the last record";
    }

    /// <summary>An uncompressed batch of <paramref name="values"/> (no key, no headers, no producer id), its base offset
    /// 0 until the log assigns one.</summary>
    public static byte[] Build(IReadOnlyList<byte[]> values, long timestampMs)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one record.", nameof(values));
        }
        // Sized first and written once: a commit's record is built on its append's path, a fragment's is up to 1 MiB.
        var recordsBytes = 0L;
        for (var index = 0; index < values.Count; index++)
        {
            var bodyBytes = RecordBodyBytes(index, values[index].Length);
            recordsBytes += VarLongBytes(bodyBytes) + bodyBytes;
        }
        if (RecordBatch.HeaderBytes + recordsBytes > Array.MaxLength)
        {
            throw new ArgumentException($"A batch of {recordsBytes} bytes of records does not fit in one array.", nameof(values));
        }
        var batch = new byte[RecordBatch.HeaderBytes + recordsBytes];
        var position = RecordBatch.HeaderBytes;
        for (var index = 0; index < values.Count; index++)
        {
            var value = values[index];
            position = WriteVarLong(batch, position, RecordBodyBytes(index, value.Length));
            batch[position++] = 0;
            position = WriteVarLong(batch, position, 0);
            position = WriteVarLong(batch, position, index);
            position = WriteVarLong(batch, position, -1);
            position = WriteVarLong(batch, position, value.Length);
            value.CopyTo(batch, position);
            position += value.Length;
            position = WriteVarLong(batch, position, 0);
        }
        Debug.Assert(position == batch.Length);
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatch.BatchLengthPosition..], batch.Length - RecordBatch.LogOverheadBytes);
        span[RecordBatch.MagicPosition] = (byte)RecordBatch.CurrentMagic;
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatch.LastOffsetDeltaPosition..], values.Count - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[FirstTimestampPosition..], timestampMs);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatch.MaxTimestampPosition..], timestampMs);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatch.ProducerIdPosition..], -1);
        BinaryPrimitives.WriteInt16BigEndian(span[RecordBatch.ProducerEpochPosition..], -1);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatch.BaseSequencePosition..], -1);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatch.RecordCountPosition..], values.Count);
        BinaryPrimitives.WriteUInt32BigEndian(span[RecordBatch.CrcPosition..], RecordBatch.Crc32C(span[RecordBatch.AttributesPosition..]));
        return batch;
    }

    private static bool TryReadVarLong(ReadOnlySpan<byte> bytes, ref int position, out long value)
    {
        ulong raw = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= bytes.Length)
            {
                value = 0;
                return false;
            }
            var next = bytes[position++];
            raw |= (ulong)(next & 0x7F) << shift;
            if ((next & 0x80) == 0)
            {
                value = (long)(raw >> 1) ^ -(long)(raw & 1);
                return true;
            }
        }
        value = 0;
        return false;
    }

    /// <summary>A record's bytes after its length: attributes, timestamp delta 0, offset delta, no key, the value, no headers.</summary>
    private static int RecordBodyBytes(int index, int valueLength) =>
        1 + VarLongBytes(0) + VarLongBytes(index) + VarLongBytes(-1) + VarLongBytes(valueLength) + valueLength + VarLongBytes(0);

    private static int VarLongBytes(long value)
    {
        var raw = (ulong)((value << 1) ^ (value >> 63));
        var bytes = 1;
        while (raw >= 0x80)
        {
            bytes++;
            raw >>= 7;
        }
        return bytes;
    }

    private static int WriteVarLong(byte[] into, int position, long value)
    {
        var raw = (ulong)((value << 1) ^ (value >> 63));
        while (raw >= 0x80)
        {
            into[position++] = (byte)(raw | 0x80);
            raw >>= 7;
        }
        into[position++] = (byte)raw;
        return position;
    }
}
