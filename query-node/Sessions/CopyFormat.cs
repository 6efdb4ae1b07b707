using System.Text;
using Log.QueryNode.Execution;

namespace Log.QueryNode.Sessions;

/// <summary>The options of one COPY (PostgreSQL's CopyFormatOptions) and how a row is written in them.</summary>
internal sealed class CopyFormat
{
    private CopyFormat(bool isCsv, bool header, char delimiter, string nullText, char quote, char escape, bool isBinary = false)
    {
        IsCsv = isCsv;
        IsBinary = isBinary;
        NullBytes = Encoding.UTF8.GetBytes(nullText);
        Header = header;
        Delimiter = delimiter;
        NullText = nullText;
        Quote = quote;
        Escape = escape;
    }

    public bool IsCsv { get; }
    /// <summary>FORMAT binary: PostgreSQL's binary COPY file (<see cref="CopyBinary"/>); the text options do not apply.</summary>
    public bool IsBinary { get; }
    public bool Header { get; }
    public char Delimiter { get; }
    public string NullText { get; }
    /// <summary>The NULL marker as the client sends it, compared with a field's raw bytes.</summary>
    public byte[] NullBytes { get; }
    public char Quote { get; }
    public char Escape { get; }

    /// <summary>Checks the options as ProcessCopyOptions does, with its SQLSTATEs and wording.</summary>
    public static CopyFormat From(IReadOnlyDictionary<string, string?> options)
    {
        bool isCsv = false;
        bool isBinary = false;
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
                        "binary" => false,
                        _ => throw new SqlException(SqlState.InvalidParameterValue, $"COPY format \"{value}\" not recognized"),
                    };
                    isBinary = value?.ToLowerInvariant() == "binary";
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
                case "freeze":
                    // PostgreSQL writes the rows already frozen, to spare a later VACUUM; Log's rows need no freezing.
                    _ = value?.ToLowerInvariant() switch
                    {
                        null or "true" or "on" or "1" or "false" or "off" or "0" => true,
                        _ => throw new SqlException(SqlState.SyntaxError, "freeze requires a Boolean value"),
                    };
                    break;
                default:
                    throw new SqlException(SqlState.SyntaxError, $"option \"{name}\" not recognized");
            }
        }
        if (isBinary)
        {
            // ProcessCopyOptions' checks, in its order.
            if (delimiter is not null) throw new SqlException(SqlState.SyntaxError, "cannot specify DELIMITER in BINARY mode");
            if (nullText is not null) throw new SqlException(SqlState.SyntaxError, "cannot specify NULL in BINARY mode");
            if (header) throw new SqlException(SqlState.FeatureNotSupported, "cannot specify HEADER in BINARY mode");
        }
        if (delimiter is not null && !IsOneByte(delimiter))
        {
            throw new SqlException(SqlState.FeatureNotSupported, "COPY delimiter must be a single one-byte character");
        }
        if (!isCsv && (quote is not null || escape is not null))
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"COPY {(quote is not null ? "quote" : "escape")} available only in CSV mode");
        }
        if (quote is not null && !IsOneByte(quote))
        {
            throw new SqlException(SqlState.FeatureNotSupported, "COPY quote must be a single one-byte character");
        }
        if (escape is not null && !IsOneByte(escape))
        {
            throw new SqlException(SqlState.FeatureNotSupported, "COPY escape must be a single one-byte character");
        }
        char delimiterChar = delimiter?[0] ?? (isCsv ? ',' : '\t');
        if (delimiterChar is '\r' or '\n' || (!isCsv && (delimiterChar == '\\' || char.IsAsciiLetterLower(delimiterChar) || char.IsAsciiDigit(delimiterChar) || delimiterChar == '.')))
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"COPY delimiter cannot be \"{delimiterChar}\"");
        }
        char quoteChar = quote?[0] ?? '"';
        return new CopyFormat(isCsv, header, delimiterChar, nullText ?? (isCsv ? "" : "\\N"), quoteChar, escape?[0] ?? quoteChar, isBinary);
    }

    /// <summary>PostgreSQL counts these options in bytes: one ASCII character. Rows are split on bytes, before decoding.</summary>
    private static bool IsOneByte(string option) => option.Length == 1 && char.IsAscii(option[0]);

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
