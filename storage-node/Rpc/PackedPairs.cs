using System.Buffers;
using System.Buffers.Binary;

namespace Log.StorageNode.Rpc;

/// <summary>
/// Key-value pairs packed into one byte string for a scan page: for each pair, its key's length (4 bytes, big-endian),
/// the key, its value's length, the value. One copy out of the replica's memory on the server and one out of the
/// frame on the client; the client hands its visitor spans of the page with no allocation per pair.
/// </summary>
public static class PackedPairs
{
    public const int LengthBytes = 4;

    /// <summary>Appends one pair to <paramref name="output"/>; returns the bytes it took.</summary>
    public static int Append(IBufferWriter<byte> output, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var size = 2 * LengthBytes + key.Length + value.Length;
        var span = output.GetSpan(size);
        BinaryPrimitives.WriteInt32BigEndian(span, key.Length);
        key.CopyTo(span[LengthBytes..]);
        var at = LengthBytes + key.Length;
        BinaryPrimitives.WriteInt32BigEndian(span[at..], value.Length);
        value.CopyTo(span[(at + LengthBytes)..]);
        output.Advance(size);
        return size;
    }

    /// <summary>Reads the pair at <paramref name="position"/> and moves past it; false at the end. A length that runs
    /// past the page is <see cref="InvalidDataException"/>.</summary>
    public static bool TryRead(ReadOnlySpan<byte> packed, scoped ref int position, out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        key = default;
        value = default;
        if (position >= packed.Length)
        {
            return false;
        }
        key = ReadPart(packed, ref position);
        value = ReadPart(packed, ref position);
        return true;
    }

    private static ReadOnlySpan<byte> ReadPart(ReadOnlySpan<byte> packed, scoped ref int position)
    {
        if (packed.Length - position < LengthBytes)
        {
            throw new InvalidDataException("A packed scan page ends inside a length.");
        }
        var length = BinaryPrimitives.ReadInt32BigEndian(packed[position..]);
        position += LengthBytes;
        if (length < 0 || length > packed.Length - position)
        {
            throw new InvalidDataException($"A packed scan page has a part of {length} bytes with {packed.Length - position} left.");
        }
        var part = packed.Slice(position, length);
        position += length;
        return part;
    }
}
