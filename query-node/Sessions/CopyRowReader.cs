using System.Globalization;
using Log.QueryNode.Execution;
using Log.Wire;

namespace Log.QueryNode.Sessions;

/// <summary>
/// Splits COPY FROM data into rows and fields as CopyReadLine / CopyReadAttributesText / CopyReadAttributesCSV do.
/// The data arrives in chunks that may cut a row (or a quoted CSV value with line breaks, or a UTF-8 character)
/// anywhere, so the reader keeps the bytes of the unfinished row and remembers how far it has looked for the row's
/// end: each byte is scanned once and moved at most once, so a row costs time linear in its length however it is cut.
/// Rows are split on bytes (the delimiter, quote and escape are ASCII, which never occurs inside a multibyte UTF-8
/// character), then each line is checked as UTF-8 and each field decoded strictly, as PostgreSQL verifies the
/// client's bytes: invalid UTF-8 is 22021, never a replacement character.
/// </summary>
internal sealed class CopyRowReader(CopyFormat format) : ICopyRowReader
{
    private byte[] buffer = new byte[CopyLimits.AppendChunkBytes];
    /// <summary>The first byte of the row not yet returned.</summary>
    private int rowStart;
    /// <summary>The end of the bytes appended so far.</summary>
    private int dataEnd;
    /// <summary>The first byte of the current row not yet looked at for its end.</summary>
    private int scanPosition;
    /// <summary>CSV: the scan stopped inside a quoted value, where a line break is data.</summary>
    private bool inQuotes;
    /// <summary>A field's bytes after de-escaping, reused from field to field.</summary>
    private byte[] field = new byte[256];
    private int lineNumber;
    private bool finished;
    private bool headerSkipped = !format.Header;

    /// <summary>True once the end marker (a line holding only \.) was read: later data is ignored.</summary>
    public bool Ended { get; private set; }

    /// <summary>The line the last row came from (or the reader stopped at), for error messages.</summary>
    public int LineNumber => lineNumber;

    /// <summary>Adds the client's next bytes. Call <see cref="TryReadRow"/> until it returns false before the next
    /// call, so that the buffer holds at most one unfinished row (bounded by <see cref="CopyLimits.LineBytesMax"/>).</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (Ended || bytes.IsEmpty) return;
        if (rowStart > 0)
        {
            // Move the unfinished row to the front once; until it ends, rowStart stays 0 and nothing moves again.
            int unfinished = dataEnd - rowStart;
            buffer.AsSpan(rowStart, unfinished).CopyTo(buffer);
            scanPosition -= rowStart;
            dataEnd = unfinished;
            rowStart = 0;
        }
        if (buffer.Length - dataEnd < bytes.Length)
        {
            Array.Resize(ref buffer, Math.Max(dataEnd + bytes.Length, buffer.Length * 2));
        }
        bytes.CopyTo(buffer.AsSpan(dataEnd));
        dataEnd += bytes.Length;
    }

    /// <summary>The client sent CopyDone: a last row without a line end still counts.</summary>
    public void Finish()
    {
        finished = true;
    }

    /// <summary>The next complete data row (header and end marker skipped), or false when more data is needed.
    /// Throws 54000 for a line longer than the limit, 22021 for invalid UTF-8, 22P04 for a bad CSV quote.</summary>
    public bool TryReadRow(out string?[] fields)
    {
        while (!Ended)
        {
            int end = FindRowEnd();
            int lineEnd;
            int next;
            if (end < 0)
            {
                ThrowIfTooLong(dataEnd - rowStart);
                if (!finished || dataEnd == rowStart) break;
                lineEnd = dataEnd;
                next = dataEnd;
            }
            else
            {
                lineEnd = end;
                next = end + 1;
                if (lineEnd > rowStart && buffer[lineEnd - 1] == '\r') lineEnd--;
                ThrowIfTooLong(lineEnd - rowStart);
            }
            // The line stays valid in the buffer until the next Append, which is after it has been split.
            ReadOnlySpan<byte> line = buffer.AsSpan(rowStart, lineEnd - rowStart);
            rowStart = next;
            scanPosition = next;
            inQuotes = false;
            lineNumber++;
            if (line.SequenceEqual("\\."u8))
            {
                Ended = true;
                break;
            }
            // PostgreSQL checks the whole line before it splits it, so the first bad byte of the line is the one named.
            int invalid = PgUtf8.IndexOfInvalid(line);
            if (invalid >= 0)
            {
                throw new SqlException(SqlState.CharacterNotInRepertoire, PgUtf8.DescribeInvalid(line, invalid));
            }
            if (!headerSkipped)
            {
                headerSkipped = true;
                continue;
            }
            fields = format.IsCsv ? SplitCsv(line) : SplitText(line);
            return true;
        }
        fields = [];
        return false;
    }

    /// <summary>PostgreSQL's line buffer is a StringInfo, which fails with this error at 1 GB; ours stops at
    /// <see cref="CopyLimits.LineBytesMax"/>, the largest row a transaction can hold anyway.</summary>
    private static void ThrowIfTooLong(int lineBytes)
    {
        if (lineBytes > CopyLimits.LineBytesMax)
        {
            throw new SqlException(SqlState.ProgramLimitExceeded, "out of memory", null,
                $"Cannot enlarge string buffer containing {CopyLimits.LineBytesMax.ToString(CultureInfo.InvariantCulture)} bytes by "
                + $"{(lineBytes - CopyLimits.LineBytesMax).ToString(CultureInfo.InvariantCulture)} more bytes.");
        }
    }

    /// <summary>The index of the '\n' that ends the current row, or -1 (the scan resumes where it stopped next time).
    /// In CSV a line break inside quotes is data; in text a backslash escapes the next byte except a line break
    /// (an escaped line break still ends the row, where PostgreSQL reports an error; kept simple).</summary>
    private int FindRowEnd()
    {
        byte quote = (byte)format.Quote;
        byte escape = (byte)format.Escape;
        int index = scanPosition;
        while (index < dataEnd)
        {
            ReadOnlySpan<byte> rest = buffer.AsSpan(index, dataEnd - index);
            int found = format.IsCsv
                ? (inQuotes ? rest.IndexOfAny(quote, escape) : rest.IndexOfAny(quote, (byte)'\n'))
                : rest.IndexOfAny((byte)'\\', (byte)'\n');
            if (found < 0)
            {
                index = dataEnd;
                break;
            }
            index += found;
            byte character = buffer[index];
            if (format.IsCsv)
            {
                if (inQuotes && character == escape && escape != quote)
                {
                    if (index + 1 >= dataEnd && !finished)
                    {
                        break; // the escaped byte has not arrived yet: look again from the escape
                    }
                    index += index + 1 < dataEnd && (buffer[index + 1] == quote || buffer[index + 1] == escape) ? 2 : 1;
                    continue;
                }
                if (character == quote)
                {
                    inQuotes = !inQuotes;
                    index++;
                    continue;
                }
            }
            else if (character == '\\')
            {
                if (index + 1 >= dataEnd && !finished)
                {
                    break;
                }
                index += index + 1 < dataEnd && buffer[index + 1] != '\n' ? 2 : 1;
                continue;
            }
            scanPosition = index;
            return index;
        }
        scanPosition = index;
        return -1;
    }

    private string?[] SplitText(ReadOnlySpan<byte> line)
    {
        byte delimiter = (byte)format.Delimiter;
        var fields = new List<string?>();
        int fieldLength = 0;
        int rawStart = 0;
        int index = 0;
        while (true)
        {
            ReadOnlySpan<byte> rest = line[index..];
            int found = rest.IndexOfAny(delimiter, (byte)'\\');
            int run = found < 0 ? rest.Length : found;
            AppendField(ref fieldLength, rest[..run]);
            index += run;
            if (index == line.Length || line[index] == delimiter)
            {
                // The NULL marker is compared with the raw text, before de-escaping, as PostgreSQL does.
                ReadOnlySpan<byte> raw = line[rawStart..index];
                fields.Add(raw.SequenceEqual(format.NullBytes) ? null : DecodeField(fieldLength));
                fieldLength = 0;
                if (index == line.Length) break;
                index++;
                rawStart = index;
                continue;
            }
            // A backslash.
            if (index + 1 >= line.Length)
            {
                AppendField(ref fieldLength, line.Slice(index, 1));
                index++;
                continue;
            }
            byte next = line[++index];
            index++;
            switch (next)
            {
                case (byte)'b': AppendFieldByte(ref fieldLength, (byte)'\b'); break;
                case (byte)'f': AppendFieldByte(ref fieldLength, (byte)'\f'); break;
                case (byte)'n': AppendFieldByte(ref fieldLength, (byte)'\n'); break;
                case (byte)'r': AppendFieldByte(ref fieldLength, (byte)'\r'); break;
                case (byte)'t': AppendFieldByte(ref fieldLength, (byte)'\t'); break;
                case (byte)'v': AppendFieldByte(ref fieldLength, (byte)'\v'); break;
                case >= (byte)'0' and <= (byte)'7':
                {
                    int value = next - '0';
                    for (int digits = 1; digits < 3 && index < line.Length && line[index] is >= (byte)'0' and <= (byte)'7'; digits++)
                    {
                        value = value * 8 + (line[index++] - '0');
                    }
                    AppendFieldByte(ref fieldLength, (byte)(value & 0xFF));
                    break;
                }
                case (byte)'x' when index < line.Length && char.IsAsciiHexDigit((char)line[index]):
                {
                    int value = HexValue(line[index++]);
                    if (index < line.Length && char.IsAsciiHexDigit((char)line[index]))
                    {
                        value = value * 16 + HexValue(line[index++]);
                    }
                    AppendFieldByte(ref fieldLength, (byte)value);
                    break;
                }
                default:
                    AppendFieldByte(ref fieldLength, next);
                    break;
            }
        }
        return fields.ToArray();
    }

    private string?[] SplitCsv(ReadOnlySpan<byte> line)
    {
        byte delimiter = (byte)format.Delimiter;
        byte quote = (byte)format.Quote;
        byte escape = (byte)format.Escape;
        var fields = new List<string?>();
        int index = 0;
        while (true)
        {
            bool quoted = false;
            int fieldLength = 0;
            int rawStart = index;
            while (index < line.Length && line[index] != delimiter)
            {
                if (line[index] != quote)
                {
                    ReadOnlySpan<byte> rest = line[index..];
                    int found = rest.IndexOfAny(delimiter, quote);
                    int run = found < 0 ? rest.Length : found;
                    AppendField(ref fieldLength, rest[..run]);
                    index += run;
                    continue;
                }
                quoted = true;
                index++;
                while (true)
                {
                    if (index >= line.Length)
                    {
                        throw new SqlException(SqlState.BadCopyFileFormat, "unterminated CSV quoted field");
                    }
                    byte inside = line[index];
                    if (inside == escape && index + 1 < line.Length
                        && (line[index + 1] == quote || (escape != quote && line[index + 1] == escape)))
                    {
                        AppendFieldByte(ref fieldLength, line[index + 1]);
                        index += 2;
                        continue;
                    }
                    if (inside == quote)
                    {
                        index++;
                        break;
                    }
                    ReadOnlySpan<byte> rest = line[index..];
                    int found = rest.IndexOfAny(quote, escape);
                    int run = found < 0 ? rest.Length : Math.Max(found, 1);
                    AppendField(ref fieldLength, rest[..run]);
                    index += run;
                }
            }
            // Only an unquoted field equal to the NULL text is NULL: "" stays an empty string.
            ReadOnlySpan<byte> raw = line[rawStart..index];
            fields.Add(!quoted && raw.SequenceEqual(format.NullBytes) ? null : DecodeField(fieldLength));
            if (index >= line.Length) break;
            index++;
        }
        return fields.ToArray();
    }

    private static int HexValue(byte digit) => digit <= '9' ? digit - '0' : (digit | 0x20) - 'a' + 10;

    private void AppendField(ref int fieldLength, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        if (field.Length - fieldLength < bytes.Length)
        {
            Array.Resize(ref field, Math.Max(fieldLength + bytes.Length, field.Length * 2));
        }
        bytes.CopyTo(field.AsSpan(fieldLength));
        fieldLength += bytes.Length;
    }

    private void AppendFieldByte(ref int fieldLength, byte value) => AppendField(ref fieldLength, [value]);

    /// <summary>Escapes (\ooo, \xhh) can produce any byte, so a field is checked again after de-escaping; text
    /// never holds NUL in PostgreSQL, so a NUL byte is invalid here too.</summary>
    private string DecodeField(int fieldLength)
    {
        ReadOnlySpan<byte> bytes = field.AsSpan(0, fieldLength);
        int invalid = PgUtf8.IndexOfInvalid(bytes);
        if (invalid < 0)
        {
            invalid = bytes.IndexOf((byte)0);
        }
        if (invalid >= 0)
        {
            throw new SqlException(SqlState.CharacterNotInRepertoire, PgUtf8.DescribeInvalid(bytes, invalid));
        }
        PgUtf8.TryDecode(bytes, out string text);
        return text;
    }
}
