using System.Buffers;
using System.Buffers.Binary;
using Log.QueryNode.Execution;
using Log.Wire;
using Log.Wire.Types;

namespace Log.QueryNode.Sessions;

/// <summary>
/// COPY's binary file format (PostgreSQL's copyfromparse.c / copyto.c): an 11-byte signature, a 32-bit flags word and
/// a 32-bit header-extension length (with that many bytes to skip), then per row a 16-bit field count and each field as
/// a 32-bit length (-1 for NULL) followed by the type's binary send format, and a trailer of -1 as the field count.
/// </summary>
internal static class CopyBinary
{
    /// <summary>"PGCOPY\n\377\r\n\0".</summary>
    private static readonly byte[] SignatureBytes = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];

    /// <summary>Bit 16 of the flags word: the file has OIDs, which PostgreSQL 12 and later refuse.</summary>
    private const int HasOidsFlag = 1 << 16;

    /// <summary>Bits 17 to 31 are critical: a reader that does not know one must refuse the file.</summary>
    private const int CriticalFlagsMask = unchecked((int)0xFFFE0000);

    /// <summary>The header a writer sends before the first row: the signature, no flags, no extension.</summary>
    public static byte[] Header()
    {
        var header = new byte[SignatureBytes.Length + 8];
        SignatureBytes.CopyTo(header, 0);
        return header;
    }

    /// <summary>The trailer after the last row: a field count of -1.</summary>
    public static byte[] Trailer() => [0xFF, 0xFF];

    /// <summary>One row in the binary format: its field count, then each value's length and send format.</summary>
    public static void WriteRow(ArrayBufferWriter<byte> output, IReadOnlyList<object?> values, IReadOnlyList<int> typeOids)
    {
        BinaryPrimitives.WriteInt16BigEndian(output.GetSpan(2), checked((short)values.Count));
        output.Advance(2);
        var field = new ArrayBufferWriter<byte>();
        for (int index = 0; index < values.Count; index++)
        {
            if (values[index] is not { } value)
            {
                BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(4), -1);
                output.Advance(4);
                continue;
            }
            field.Clear();
            PgTypes.EncodeBinary(value, typeOids[index], field);
            BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(4), field.WrittenCount);
            output.Advance(4);
            output.Write(field.WrittenSpan);
        }
    }

    /// <summary>
    /// Reads rows of a binary COPY stream as the text rows <see cref="CopyRowReader"/> gives: each field is read with the
    /// binary receive format of its column's type and handed on in the type's text form, so the row goes through the
    /// same input, cast and constraint path as a text row. Like CopyRowReader, the data may be cut anywhere; a row is
    /// returned once all its bytes are there.
    /// </summary>
    public sealed class Reader(IReadOnlyList<int> typeOids, PgTypeSettings typeSettings) : ICopyRowReader
    {
        private byte[] buffer = new byte[CopyLimits.AppendChunkBytes];
        private int start;
        private int end;
        private bool headerRead;
        private bool finished;
        private int rowNumber;

        public bool Ended { get; private set; }

        public int LineNumber => rowNumber;

        public void Append(ReadOnlySpan<byte> bytes)
        {
            if (Ended || bytes.IsEmpty) return;
            if (start > 0)
            {
                buffer.AsSpan(start, end - start).CopyTo(buffer);
                end -= start;
                start = 0;
            }
            if (buffer.Length - end < bytes.Length) Array.Resize(ref buffer, Math.Max(end + bytes.Length, buffer.Length * 2));
            bytes.CopyTo(buffer.AsSpan(end));
            end += bytes.Length;
        }

        public void Finish() => finished = true;

        public bool TryReadRow(out string?[] fields)
        {
            fields = [];
            if (Ended) return false;
            if (!headerRead && !TryReadHeader()) return CheckEndOfData();
            int position = start;
            if (!TryReadInt16(ref position, out short count)) return CheckEndOfData();
            if (count == -1)
            {
                start = position;
                Ended = true;
                return false;
            }
            rowNumber++;
            if (count != typeOids.Count)
            {
                throw new SqlException(SqlState.BadCopyFileFormat, $"row field count is {count}, expected {typeOids.Count}");
            }
            var values = new string?[count];
            for (int index = 0; index < count; index++)
            {
                if (!TryReadInt32(ref position, out int length)) return CheckEndOfData();
                if (length == -1) continue;
                if (length < 0) throw new SqlException(SqlState.BadCopyFileFormat, "invalid field size");
                if (end - position < length) return CheckEndOfData();
                values[index] = Decode(buffer.AsSpan(position, length), typeOids[index]);
                position += length;
            }
            start = position;
            fields = values;
            return true;
        }

        /// <summary>A partial row: more data is needed, unless the client is done, which is PostgreSQL's "unexpected EOF".
        /// Data that ends where a row would start ends the rows, as PostgreSQL accepts a file without a trailer.</summary>
        private bool CheckEndOfData()
        {
            if (end - start > CopyLimits.LineBytesMax) throw new SqlException(SqlState.ProgramLimitExceeded, "out of memory");
            if (!finished) return false;
            if (end == start && headerRead)
            {
                Ended = true;
                return false;
            }
            throw new SqlException(SqlState.BadCopyFileFormat, headerRead ? "unexpected EOF in COPY data" : "COPY file signature not recognized");
        }

        private bool TryReadHeader()
        {
            int position = start;
            if (end - position < SignatureBytes.Length + 8) return false;
            if (!buffer.AsSpan(position, SignatureBytes.Length).SequenceEqual(SignatureBytes))
            {
                throw new SqlException(SqlState.BadCopyFileFormat, "COPY file signature not recognized");
            }
            position += SignatureBytes.Length;
            TryReadInt32(ref position, out int flags);
            if ((flags & HasOidsFlag) != 0) throw new SqlException(SqlState.BadCopyFileFormat, "invalid COPY file header (WITH OIDS)");
            if ((flags & CriticalFlagsMask) != 0) throw new SqlException(SqlState.BadCopyFileFormat, "unrecognized critical flags in COPY file header");
            TryReadInt32(ref position, out int extension);
            if (extension < 0) throw new SqlException(SqlState.BadCopyFileFormat, "invalid COPY file header (missing length)");
            if (end - position < extension) return false;
            start = position + extension;
            headerRead = true;
            return true;
        }

        private string? Decode(ReadOnlySpan<byte> bytes, int typeOid)
        {
            object value;
            try
            {
                value = PgTypes.DecodeBinary(bytes, typeOid);
            }
            catch (PgException exception)
            {
                throw new SqlException(exception.Error.SqlState, exception.Error.Message, null, exception.Error.Detail, exception.Error.Hint);
            }
            return PgTypes.EncodeText(value, typeOid, typeSettings);
        }

        private bool TryReadInt16(ref int position, out short value)
        {
            value = 0;
            if (end - position < 2) return false;
            value = BinaryPrimitives.ReadInt16BigEndian(buffer.AsSpan(position));
            position += 2;
            return true;
        }

        private bool TryReadInt32(ref int position, out int value)
        {
            value = 0;
            if (end - position < 4) return false;
            value = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(position));
            position += 4;
            return true;
        }
    }
}

/// <summary>What COPY FROM reads rows with: the text/CSV splitter or the binary reader.</summary>
internal interface ICopyRowReader
{
    /// <summary>The end of the data was read (text's \. line, binary's trailer): later data is ignored.</summary>
    bool Ended { get; }

    /// <summary>The line (text) or row (binary) the last row came from, for error messages.</summary>
    int LineNumber { get; }

    void Append(ReadOnlySpan<byte> bytes);

    /// <summary>The client sent CopyDone.</summary>
    void Finish();

    /// <summary>The next complete row, or false when more data is needed.</summary>
    bool TryReadRow(out string?[] fields);
}
