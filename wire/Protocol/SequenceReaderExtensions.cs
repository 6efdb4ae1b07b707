using System.Buffers;
using System.Buffers.Binary;

namespace Log.Wire.Protocol;

internal static class SequenceReaderExtensions
{
    public static bool TryPeekBigEndian(this ref SequenceReader<byte> reader, out int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        if (!reader.TryCopyTo(bytes))
        {
            value = 0;
            return false;
        }
        value = BinaryPrimitives.ReadInt32BigEndian(bytes);
        return true;
    }
}
