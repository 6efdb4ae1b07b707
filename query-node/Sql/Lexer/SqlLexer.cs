using System.Text;
using Log.QueryNode.Execution;

namespace Log.QueryNode.Sql.Lexer;

/// <summary>PostgreSQL's scanner (scan.l), by hand: whitespace and comments (nested /* */) vanish, identifiers fold to
/// lower case and truncate to 63 bytes, strings ('' escapes, E'' backslash escapes, $tag$ dollar quotes) become their
/// values, operators follow PostgreSQL's rule about trailing + and -.</summary>
internal static class SqlLexer
{
    private const string OperatorCharacters = "~!@#^&|`?+-*/%<>=";

    /// <summary>The most tokens room is made for before the text is read; a longer statement's list grows as usual.</summary>
    private const int TokenCapacityGuessMax = 1024;
    private const string NonMathOperatorCharacters = "~!@#^&|`?%";

    /// <summary>The tokens of <paramref name="text"/>. PostgreSQL's scanner warns when it truncates an identifier
    /// (NOTICE 42622); those messages are added to <paramref name="notices"/> when given.</summary>
    public static List<Token> Tokenize(string text, List<string>? notices = null)
    {
        // About one token per four characters of SQL: one array for a short statement instead of four doublings.
        var tokens = new List<Token>(Math.Min(text.Length / 4 + 4, TokenCapacityGuessMax));
        int index = 0;
        while (true)
        {
            index = SkipWhitespaceAndComments(text, index);
            if (index >= text.Length)
            {
                tokens.Add(new Token(TokenKind.EndOfInput, "", text.Length, 0));
                return tokens;
            }
            char current = text[index];
            int start = index;
            if (current is 'e' or 'E' && index + 1 < text.Length && text[index + 1] == '\'')
            {
                (string value, int end) = ReadEscapeString(text, index + 1);
                tokens.Add(new Token(TokenKind.String, value, start, end - start));
                index = end;
            }
            else if (IsIdentifierStart(current))
            {
                while (index < text.Length && IsIdentifierPart(text[index])) index++;
                tokens.Add(new Token(TokenKind.Identifier, NormalizeIdentifier(text[start..index], notices), start, index - start));
            }
            else if (current == '"')
            {
                (string value, int end) = ReadQuotedIdentifier(text, index, notices);
                tokens.Add(new Token(TokenKind.QuotedIdentifier, value, start, end - start));
                index = end;
            }
            else if (current == '\'')
            {
                (string value, int end) = ReadStandardString(text, index);
                tokens.Add(new Token(TokenKind.String, value, start, end - start));
                index = end;
            }
            else if (char.IsAsciiDigit(current) || (current == '.' && index + 1 < text.Length && char.IsAsciiDigit(text[index + 1])))
            {
                index = ReadNumber(text, index, tokens);
            }
            else if (current == '$' && index + 1 < text.Length && char.IsAsciiDigit(text[index + 1]))
            {
                index++;
                while (index < text.Length && char.IsAsciiDigit(text[index])) index++;
                tokens.Add(new Token(TokenKind.Parameter, text[(start + 1)..index], start, index - start));
            }
            else if (current == '$' && TryReadDollarQuoted(text, index, out string dollarValue, out int dollarEnd))
            {
                tokens.Add(new Token(TokenKind.String, dollarValue, start, dollarEnd - start));
                index = dollarEnd;
            }
            else if (current == ':' && index + 1 < text.Length && text[index + 1] == ':')
            {
                tokens.Add(new Token(TokenKind.Operator, "::", start, 2));
                index += 2;
            }
            else if ("(),;.[]:".Contains(current, StringComparison.Ordinal))
            {
                tokens.Add(new Token(TokenKind.Operator, current.ToString(), start, 1));
                index++;
            }
            else if (OperatorCharacters.Contains(current, StringComparison.Ordinal))
            {
                index = ReadOperator(text, index, tokens);
            }
            else
            {
                throw SyntaxError(text, start, 1);
            }
        }
    }

    private static SqlException SyntaxError(string text, int start, int length) =>
        new(SqlState.SyntaxError, $"syntax error at or near \"{text.Substring(start, Math.Min(length, text.Length - start))}\"", start + 1);

    private static int SkipWhitespaceAndComments(string text, int index)
    {
        while (index < text.Length)
        {
            char current = text[index];
            if (char.IsWhiteSpace(current))
            {
                index++;
            }
            else if (current == '-' && index + 1 < text.Length && text[index + 1] == '-')
            {
                while (index < text.Length && text[index] != '\n' && text[index] != '\r') index++;
            }
            else if (current == '/' && index + 1 < text.Length && text[index + 1] == '*')
            {
                int start = index;
                int depth = 0;
                // Unlike the SQL standard's single level, PostgreSQL nests block comments.
                while (true)
                {
                    if (index + 1 >= text.Length)
                    {
                        throw new SqlException(SqlState.SyntaxError, "unterminated /* comment at or near \"" + text[start..] + "\"", start + 1);
                    }
                    if (text[index] == '/' && text[index + 1] == '*')
                    {
                        depth++;
                        index += 2;
                    }
                    else if (text[index] == '*' && text[index + 1] == '/')
                    {
                        depth--;
                        index += 2;
                        if (depth == 0) break;
                    }
                    else
                    {
                        index++;
                    }
                }
            }
            else
            {
                break;
            }
        }
        return index;
    }

    private static bool IsIdentifierStart(char character) => char.IsAsciiLetter(character) || character == '_' || character >= 0x80;

    private static bool IsIdentifierPart(char character) => IsIdentifierStart(character) || char.IsAsciiDigit(character) || character == '$';

    /// <summary>Unquoted identifiers fold ASCII letters to lower case only (PostgreSQL's downcase_identifier for UTF-8).</summary>
    private static string NormalizeIdentifier(string identifier, List<string>? notices)
    {
        bool hasUpper = false;
        foreach (char character in identifier)
        {
            if (char.IsAsciiLetterUpper(character))
            {
                hasUpper = true;
                break;
            }
        }
        string folded = hasUpper ? string.Create(identifier.Length, identifier, static (span, source) =>
        {
            for (int index = 0; index < source.Length; index++) span[index] = char.IsAsciiLetterUpper(source[index]) ? (char)(source[index] + 32) : source[index];
        }) : identifier;
        return TruncateIdentifier(folded, notices);
    }

    /// <summary>As truncate_identifier with warn = true: the cut is reported, since two long names that share their
    /// first 63 bytes silently name the same object.</summary>
    private static string TruncateIdentifier(string identifier, List<string>? notices)
    {
        string truncated = TruncateIdentifier(identifier);
        if (notices is not null && truncated.Length != identifier.Length)
        {
            notices.Add($"identifier \"{identifier}\" will be truncated to \"{truncated}\"");
        }
        return truncated;
    }

    /// <summary>Cuts an identifier to 63 bytes of UTF-8 without splitting a character (pg_mbcliplen).</summary>
    public static string TruncateIdentifier(string identifier)
    {
        if (identifier.Length <= SqlLimits.IdentifierLengthBytesMax / 3 || System.Text.Encoding.UTF8.GetByteCount(identifier) <= SqlLimits.IdentifierLengthBytesMax)
        {
            return identifier;
        }
        int bytes = 0;
        int index = 0;
        while (index < identifier.Length)
        {
            int width = char.IsSurrogatePair(identifier, index) ? 2 : 1;
            int characterBytes = System.Text.Encoding.UTF8.GetByteCount(identifier.AsSpan(index, width));
            if (bytes + characterBytes > SqlLimits.IdentifierLengthBytesMax) break;
            bytes += characterBytes;
            index += width;
        }
        return identifier[..index];
    }

    private static (string Value, int End) ReadQuotedIdentifier(string text, int index, List<string>? notices)
    {
        int start = index;
        var builder = new StringBuilder();
        index++;
        while (true)
        {
            if (index >= text.Length)
            {
                throw new SqlException(SqlState.SyntaxError, "unterminated quoted identifier at or near \"" + text[start..] + "\"", start + 1);
            }
            if (text[index] == '"')
            {
                if (index + 1 < text.Length && text[index + 1] == '"')
                {
                    builder.Append('"');
                    index += 2;
                    continue;
                }
                index++;
                break;
            }
            builder.Append(text[index++]);
        }
        if (builder.Length == 0)
        {
            throw new SqlException(SqlState.SyntaxError, "zero-length delimited identifier at or near \"\"\"\"", start + 1);
        }
        return (TruncateIdentifier(builder.ToString(), notices), index);
    }

    private static (string Value, int End) ReadStandardString(string text, int index)
    {
        int start = index;
        var builder = new StringBuilder();
        index++;
        while (true)
        {
            if (index >= text.Length)
            {
                throw new SqlException(SqlState.SyntaxError, "unterminated quoted string at or near \"" + text[start..] + "\"", start + 1);
            }
            if (text[index] == '\'')
            {
                if (index + 1 < text.Length && text[index + 1] == '\'')
                {
                    builder.Append('\'');
                    index += 2;
                    continue;
                }
                index++;
                // 'a' <newline> 'b' is one string 'ab' in SQL.
                int next = index;
                bool sawNewline = false;
                while (next < text.Length && char.IsWhiteSpace(text[next]))
                {
                    if (text[next] == '\n' || text[next] == '\r') sawNewline = true;
                    next++;
                }
                if (sawNewline && next < text.Length && text[next] == '\'')
                {
                    index = next + 1;
                    continue;
                }
                break;
            }
            builder.Append(text[index++]);
        }
        return (builder.ToString(), index);
    }

    private static (string Value, int End) ReadEscapeString(string text, int quoteIndex)
    {
        int start = quoteIndex - 1;
        var builder = new StringBuilder();
        int index = quoteIndex + 1;
        while (true)
        {
            if (index >= text.Length)
            {
                throw new SqlException(SqlState.SyntaxError, "unterminated quoted string at or near \"" + text[start..] + "\"", start + 1);
            }
            char current = text[index];
            if (current == '\'')
            {
                if (index + 1 < text.Length && text[index + 1] == '\'')
                {
                    builder.Append('\'');
                    index += 2;
                    continue;
                }
                return (builder.ToString(), index + 1);
            }
            if (current == '\\' && index + 1 < text.Length)
            {
                char escaped = text[index + 1];
                index += 2;
                switch (escaped)
                {
                    case 'n': builder.Append('\n'); break;
                    case 't': builder.Append('\t'); break;
                    case 'r': builder.Append('\r'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'x':
                        int hexStart = index;
                        while (index < text.Length && index - hexStart < 2 && char.IsAsciiHexDigit(text[index])) index++;
                        if (index == hexStart) builder.Append('x');
                        else builder.Append((char)Convert.ToInt32(text[hexStart..index], 16));
                        break;
                    case 'u':
                    case 'U':
                        int digits = escaped == 'u' ? 4 : 8;
                        if (index + digits <= text.Length && text.AsSpan(index, digits).ContainsAnyExcept("0123456789abcdefABCDEF") == false)
                        {
                            builder.Append(char.ConvertFromUtf32(Convert.ToInt32(text.Substring(index, digits), 16)));
                            index += digits;
                        }
                        else
                        {
                            throw new SqlException(SqlState.InvalidParameterValue, "invalid Unicode escape", index + 1);
                        }
                        break;
                    default:
                        if (escaped is >= '0' and <= '7')
                        {
                            int octalStart = index - 1;
                            while (index < text.Length && index - octalStart < 3 && text[index] is >= '0' and <= '7') index++;
                            builder.Append((char)Convert.ToInt32(text[octalStart..index], 8));
                        }
                        else
                        {
                            builder.Append(escaped);
                        }
                        break;
                }
                continue;
            }
            builder.Append(current);
            index++;
        }
    }

    private static bool TryReadDollarQuoted(string text, int index, out string value, out int end)
    {
        value = "";
        end = index;
        int tagEnd = index + 1;
        while (tagEnd < text.Length && text[tagEnd] != '$')
        {
            if (!(IsIdentifierStart(text[tagEnd]) || (tagEnd > index + 1 && char.IsAsciiDigit(text[tagEnd])))) return false;
            tagEnd++;
        }
        if (tagEnd >= text.Length) return false;
        string tag = text[index..(tagEnd + 1)];
        int close = text.IndexOf(tag, tagEnd + 1, StringComparison.Ordinal);
        if (close < 0)
        {
            throw new SqlException(SqlState.SyntaxError, "unterminated dollar-quoted string at or near \"" + text[index..] + "\"", index + 1);
        }
        value = text[(tagEnd + 1)..close];
        end = close + tag.Length;
        return true;
    }

    private static int ReadNumber(string text, int index, List<Token> tokens)
    {
        int start = index;
        bool isDecimal = false;
        while (index < text.Length && (char.IsAsciiDigit(text[index]) || (text[index] == '_' && index + 1 < text.Length && char.IsAsciiDigit(text[index + 1])))) index++;
        if (index < text.Length && text[index] == '.' && !(index + 1 < text.Length && text[index + 1] == '.'))
        {
            isDecimal = true;
            index++;
            while (index < text.Length && char.IsAsciiDigit(text[index])) index++;
        }
        if (index < text.Length && text[index] is 'e' or 'E')
        {
            int exponentStart = index;
            int next = index + 1;
            if (next < text.Length && text[next] is '+' or '-') next++;
            if (next < text.Length && char.IsAsciiDigit(text[next]))
            {
                isDecimal = true;
                index = next;
                while (index < text.Length && char.IsAsciiDigit(text[index])) index++;
            }
            else
            {
                index = exponentStart;
            }
        }
        if (index < text.Length && IsIdentifierStart(text[index]))
        {
            // PostgreSQL 15+ refuses "123abc" instead of reading it as 123 AS abc.
            throw new SqlException(SqlState.SyntaxError, $"trailing junk after numeric literal at or near \"{text[start..(index + 1)]}\"", start + 1);
        }
        string literal = text[start..index].Replace("_", "", StringComparison.Ordinal);
        tokens.Add(new Token(isDecimal ? TokenKind.Decimal : TokenKind.Integer, literal, start, index - start));
        return index;
    }

    private static int ReadOperator(string text, int index, List<Token> tokens)
    {
        int start = index;
        while (index < text.Length && OperatorCharacters.Contains(text[index], StringComparison.Ordinal))
        {
            // A comment start ends the operator.
            if (index > start && index + 1 < text.Length &&
                ((text[index] == '-' && text[index + 1] == '-') || (text[index] == '/' && text[index + 1] == '*')))
            {
                break;
            }
            index++;
        }
        int length = index - start;
        // "+-" and "<-" are not operators: a multi-character operator may end in + or - only if it also holds one of
        // ~!@#^&|`?%, so that "a<-1" reads as a < -1.
        if (length > 1)
        {
            bool hasNonMath = false;
            for (int position = start; position < start + length; position++)
            {
                if (NonMathOperatorCharacters.Contains(text[position], StringComparison.Ordinal)) hasNonMath = true;
            }
            if (!hasNonMath)
            {
                while (length > 1 && text[start + length - 1] is '+' or '-') length--;
            }
        }
        string op = text.Substring(start, length);
        if (op == "!=") op = "<>";
        tokens.Add(new Token(TokenKind.Operator, op, start, length));
        return start + length;
    }
}
