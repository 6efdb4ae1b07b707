using System.Text;
using Log.QueryNode.Execution;

namespace Log.QueryNode.Sessions;

/// <summary>The options of one COPY (PostgreSQL's CopyFormatOptions) and how a row is written in them.</summary>
internal sealed class CopyFormat
{
    private CopyFormat(bool isCsv, bool header, char delimiter, string nullText, char quote, char escape)
    {
        IsCsv = isCsv;
        Header = header;
        Delimiter = delimiter;
        NullText = nullText;
        Quote = quote;
        Escape = escape;
    }

    public bool IsCsv { get; }
    public bool Header { get; }
    public char Delimiter { get; }
    public string NullText { get; }
    public char Quote { get; }
    public char Escape { get; }

    /// <summary>Checks the options as ProcessCopyOptions does, with its SQLSTATEs and wording.</summary>
    public static CopyFormat From(IReadOnlyDictionary<string, string?> options)
    {
        bool isCsv = false;
        bool header = false;
        string? delimiter = null, nullText = null, quote = null, escape = null;
        foreach ((string name, string? value) in options)
        {
            switch (name)
            {
                case "format":
                    isCsv = value?.ToLowerInvariant() switch
                    {
                        "text" => false,
                        "csv" => true,
                        "binary" => throw new SqlException(SqlState.FeatureNotSupported, "COPY BINARY is not supported"),
                        _ => throw new SqlException(SqlState.InvalidParameterValue, $"COPY format \"{value}\" not recognized"),
                    };
                    break;
                case "header":
                    header = value?.ToLowerInvariant() switch
                    {
                        null or "true" or "on" or "1" or "match" => true,
                        "false" or "off" or "0" => false,
                        _ => throw new SqlException(SqlState.InvalidParameterValue, "header requires a Boolean value or \"match\""),
                    };
                    break;
                case "delimiter":
                    delimiter = value;
                    break;
                case "null":
                    nullText = value;
                    break;
                case "quote":
                    quote = value;
                    break;
                case "escape":
                    escape = value;
                    break;
                default:
                    throw new SqlException(SqlState.SyntaxError, $"option \"{name}\" not recognized");
            }
        }
        if (delimiter is not null && delimiter.Length != 1)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "COPY delimiter must be a single one-byte character");
        }
        if (!isCsv && (quote is not null || escape is not null))
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"COPY {(quote is not null ? "quote" : "escape")} available only in CSV mode");
        }
        if (quote is not null && quote.Length != 1)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "COPY quote must be a single one-byte character");
        }
        if (escape is not null && escape.Length != 1)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "COPY escape must be a single one-byte character");
        }
        char delimiterChar = delimiter?[0] ?? (isCsv ? ',' : '\t');
        if (delimiterChar is '\r' or '\n' || (!isCsv && (delimiterChar == '\\' || char.IsAsciiLetterLower(delimiterChar) || char.IsAsciiDigit(delimiterChar) || delimiterChar == '.')))
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"COPY delimiter cannot be \"{delimiterChar}\"");
        }
        char quoteChar = quote?[0] ?? '"';
        return new CopyFormat(isCsv, header, delimiterChar, nullText ?? (isCsv ? "" : "\\N"), quoteChar, escape?[0] ?? quoteChar);
    }

    /// <summary>Appends one row with its line end, as CopyOneRowTo writes it.</summary>
    public void WriteRow(StringBuilder line, IReadOnlyList<string?> fields)
    {
        for (int index = 0; index < fields.Count; index++)
        {
            if (index > 0) line.Append(Delimiter);
            string? field = fields[index];
            if (field is null) line.Append(NullText);
            else if (IsCsv) AppendCsv(line, field);
            else AppendText(line, field);
        }
        line.Append('\n');
    }

    private void AppendText(StringBuilder line, string field)
    {
        foreach (char character in field)
        {
            switch (character)
            {
                case '\\': line.Append("\\\\"); break;
                case '\n': line.Append("\\n"); break;
                case '\r': line.Append("\\r"); break;
                case '\t': line.Append("\\t"); break;
                case '\b': line.Append("\\b"); break;
                case '\f': line.Append("\\f"); break;
                case '\v': line.Append("\\v"); break;
                default:
                    if (character == Delimiter) line.Append('\\');
                    line.Append(character);
                    break;
            }
        }
    }

    /// <summary>CSV quotes a field that holds the delimiter, the quote, the escape, a line break, that equals the NULL
    /// text, or that is the end marker, so that every value reads back as itself.</summary>
    private void AppendCsv(StringBuilder line, string field)
    {
        bool mustQuote = field == NullText || field == "\\." || field.Length == 0 && NullText.Length == 0;
        foreach (char character in field)
        {
            if (character == Delimiter || character == Quote || character == Escape || character is '\n' or '\r')
            {
                mustQuote = true;
                break;
            }
        }
        if (!mustQuote)
        {
            line.Append(field);
            return;
        }
        line.Append(Quote);
        foreach (char character in field)
        {
            if (character == Quote || character == Escape) line.Append(Escape);
            line.Append(character);
        }
        line.Append(Quote);
    }
}

/// <summary>
/// Splits COPY FROM data into rows and fields as CopyReadLine / CopyReadAttributesText / CopyReadAttributesCSV do.
/// The data arrives in chunks that may cut a row (or a quoted CSV value with line breaks) anywhere, so complete rows
/// are taken from the front of a buffer and the rest waits for more data.
/// </summary>
internal sealed class CopyRowReader(CopyFormat format)
{
    private readonly StringBuilder buffer = new();
    private int lineNumber;
    private bool finished;
    private bool headerSkipped = !format.Header;

    /// <summary>True once the end marker (a line holding only \.) was read: later data is ignored.</summary>
    public bool Ended { get; private set; }

    public void Append(ReadOnlySpan<char> characters)
    {
        if (Ended) return;
        buffer.Append(characters);
        if (buffer.Length > CopyLimits.RowCharsMax && IndexOfRowEnd() < 0)
        {
            throw new SqlException(SqlState.ProgramLimitExceeded, $"COPY row is longer than {CopyLimits.RowCharsMax} characters");
        }
    }

    /// <summary>The client sent CopyDone: a last row without a line end still counts.</summary>
    public void Finish()
    {
        finished = true;
    }

    /// <summary>The next complete data row (header and end marker skipped), or false when more data is needed.</summary>
    public bool TryReadRow(out string?[] fields, out int rowLineNumber)
    {
        while (!Ended)
        {
            int end = IndexOfRowEnd();
            string line;
            if (end < 0)
            {
                if (!finished || buffer.Length == 0) break;
                line = buffer.ToString();
                buffer.Clear();
            }
            else
            {
                int length = end;
                int consumed = end + 1;
                if (length > 0 && buffer[length - 1] == '\r') length--;
                line = buffer.ToString(0, length);
                buffer.Remove(0, consumed);
            }
            lineNumber++;
            if (line == "\\.")
            {
                Ended = true;
                break;
            }
            if (!headerSkipped)
            {
                headerSkipped = true;
                continue;
            }
            fields = format.IsCsv ? SplitCsv(line) : SplitText(line);
            rowLineNumber = lineNumber;
            return true;
        }
        fields = [];
        rowLineNumber = lineNumber;
        return false;
    }

    /// <summary>The index of the '\n' that ends the first row, or -1. In CSV a line break inside quotes is data.</summary>
    private int IndexOfRowEnd()
    {
        bool inQuotes = false;
        for (int index = 0; index < buffer.Length; index++)
        {
            char character = buffer[index];
            if (format.IsCsv)
            {
                if (inQuotes && character == format.Escape && format.Escape != format.Quote && index + 1 < buffer.Length
                    && (buffer[index + 1] == format.Quote || buffer[index + 1] == format.Escape))
                {
                    index++;
                    continue;
                }
                if (character == format.Quote)
                {
                    inQuotes = !inQuotes;
                    continue;
                }
            }
            else if (character == '\\')
            {
                // A backslash escapes the next character, but an escaped line break still ends the row in PostgreSQL
                // (it is an error there); keep it simple and skip only non-line-break characters.
                if (index + 1 < buffer.Length && buffer[index + 1] != '\n') index++;
                continue;
            }
            if (character == '\n' && !inQuotes) return index;
        }
        return -1;
    }

    private string?[] SplitText(string line)
    {
        var fields = new List<string?>();
        var field = new StringBuilder();
        int rawStart = 0;
        for (int index = 0; index <= line.Length; index++)
        {
            if (index == line.Length || line[index] == format.Delimiter)
            {
                // The NULL marker is compared with the raw text, before de-escaping, as PostgreSQL does.
                string raw = line[rawStart..index];
                fields.Add(raw == format.NullText ? null : field.ToString());
                field.Clear();
                rawStart = index + 1;
                continue;
            }
            char character = line[index];
            if (character != '\\' || index + 1 >= line.Length)
            {
                field.Append(character);
                continue;
            }
            char next = line[++index];
            switch (next)
            {
                case 'b': field.Append('\b'); break;
                case 'f': field.Append('\f'); break;
                case 'n': field.Append('\n'); break;
                case 'r': field.Append('\r'); break;
                case 't': field.Append('\t'); break;
                case 'v': field.Append('\v'); break;
                case >= '0' and <= '7':
                {
                    int value = next - '0';
                    for (int digits = 1; digits < 3 && index + 1 < line.Length && line[index + 1] is >= '0' and <= '7'; digits++)
                    {
                        value = value * 8 + (line[++index] - '0');
                    }
                    field.Append((char)(value & 0xFF));
                    break;
                }
                case 'x' when index + 1 < line.Length && Uri.IsHexDigit(line[index + 1]):
                {
                    int value = Convert.ToInt32(line[index + 1].ToString(), 16);
                    index++;
                    if (index + 1 < line.Length && Uri.IsHexDigit(line[index + 1]))
                    {
                        value = value * 16 + Convert.ToInt32(line[index + 1].ToString(), 16);
                        index++;
                    }
                    field.Append((char)value);
                    break;
                }
                default:
                    field.Append(next);
                    break;
            }
        }
        return fields.ToArray();
    }

    private string?[] SplitCsv(string line)
    {
        var fields = new List<string?>();
        var field = new StringBuilder();
        int index = 0;
        while (true)
        {
            bool quoted = false;
            field.Clear();
            int rawStart = index;
            while (index < line.Length && line[index] != format.Delimiter)
            {
                char character = line[index];
                if (character == format.Quote)
                {
                    quoted = true;
                    index++;
                    while (true)
                    {
                        if (index >= line.Length)
                        {
                            throw new SqlException("22P04", "unterminated CSV quoted field");
                        }
                        char inside = line[index];
                        if (inside == format.Escape && index + 1 < line.Length
                            && (line[index + 1] == format.Quote || (format.Escape != format.Quote && line[index + 1] == format.Escape)))
                        {
                            field.Append(line[index + 1]);
                            index += 2;
                            continue;
                        }
                        if (inside == format.Quote)
                        {
                            index++;
                            break;
                        }
                        field.Append(inside);
                        index++;
                    }
                    continue;
                }
                field.Append(character);
                index++;
            }
            // Only an unquoted field equal to the NULL text is NULL: "" stays an empty string.
            string raw = line[rawStart..index];
            fields.Add(!quoted && raw == format.NullText ? null : field.ToString());
            if (index >= line.Length) break;
            index++;
        }
        return fields.ToArray();
    }
}
