using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Log.QueryNode.Execution;

namespace Log.QueryNode.Sql.Functions;

/// <summary>
/// PostgreSQL's advanced regular expressions (ARE, regex(7)) run on .NET's engine: the pattern is rewritten where the
/// two flavours differ: . and [^...] match a newline and $ only matches at the very end unless the newline-sensitive
/// flag is given; \m \M \y \Y are word boundaries and \Z the end of the string; \b is a backspace; POSIX bracket
/// classes ([[:alpha:]]) and word boundaries ([[:&lt;:]]) become .NET classes. Not reproduced: PostgreSQL's rule
/// that a whole expression takes the greediness of its first quantifier (here each quantifier keeps its own).
/// Compiled expressions are cached, and a match that runs too long fails instead of holding the session.
/// </summary>
internal static class PostgresRegex
{
    /// <summary>The compiled expressions kept (cleared when full: patterns are usually few and constant).</summary>
    private const int CacheEntriesMax = 256;

    private static readonly ConcurrentDictionary<(string Pattern, RegexFlags Flags), Regex> Cache = new();

    /// <summary>The flags of regexp_replace and its relatives ('g' is the caller's business).</summary>
    public readonly record struct RegexFlags(bool IgnoreCase, bool NewlineSensitive, bool Expanded, bool Literal);

    /// <summary>Reads a flags string (i c n m p w s x q t, and g when <paramref name="functionName"/> accepts it).</summary>
    public static (RegexFlags Flags, bool Global) ParseFlags(string flags, string functionName, bool globalAllowed)
    {
        bool ignoreCase = false, newline = false, expanded = false, literal = false, global = false;
        foreach (char flag in flags)
        {
            switch (flag)
            {
                case 'g':
                    if (!globalAllowed)
                    {
                        throw new SqlException(SqlState.InvalidParameterValue, $"{functionName}() does not support the \"global\" option",
                            hint: "Use the regexp_matches function instead.");
                    }
                    global = true;
                    break;
                case 'i': ignoreCase = true; break;
                case 'c': ignoreCase = false; break;
                case 'n' or 'm' or 'w': newline = true; break;
                case 's' or 'p': newline = false; break;
                case 'x': expanded = true; break;
                case 't': expanded = false; break;
                case 'q': literal = true; break;
                case 'b' or 'e':
                    break;
                default:
                    throw new SqlException(SqlState.InvalidParameterValue, $"invalid regular expression option: \"{flag}\"");
            }
        }
        return (new RegexFlags(ignoreCase, newline, expanded, literal), global);
    }

    public static Regex Get(string pattern, RegexFlags flags)
    {
        if (Cache.TryGetValue((pattern, flags), out Regex? cached)) return cached;
        if (Cache.Count >= CacheEntriesMax) Cache.Clear();
        var options = RegexOptions.CultureInvariant;
        if (flags.IgnoreCase) options |= RegexOptions.IgnoreCase;
        if (flags.NewlineSensitive) options |= RegexOptions.Multiline;
        else options |= RegexOptions.Singleline;
        if (flags.Expanded) options |= RegexOptions.IgnorePatternWhitespace;
        string translated = flags.Literal ? Regex.Escape(pattern) : Translate(pattern, flags.NewlineSensitive);
        Regex regex;
        try
        {
            regex = new Regex(translated, options, SqlLimits.PatternMatchTimeMax);
        }
        catch (ArgumentException exception)
        {
            throw Invalid(exception.Message);
        }
        Cache[(pattern, flags)] = regex;
        return regex;
    }

    public static bool IsMatch(Regex regex, string input)
    {
        try
        {
            return regex.IsMatch(input);
        }
        catch (RegexMatchTimeoutException)
        {
            throw TooComplex();
        }
    }

    public static Match Match(Regex regex, string input, int start = 0)
    {
        try
        {
            return regex.Match(input, start);
        }
        catch (RegexMatchTimeoutException)
        {
            throw TooComplex();
        }
    }

    private static SqlException TooComplex() => Invalid("regular expression is too complex");

    public static SqlException Invalid(string detail) =>
        new(EngineSqlState.InvalidRegularExpression, $"invalid regular expression: {detail}");

    /// <summary>Rewrites an ARE into .NET syntax with the same meaning.</summary>
    public static string Translate(string pattern, bool newlineSensitive)
    {
        var result = new StringBuilder(pattern.Length + 16);
        int depth = 0;
        for (int index = 0; index < pattern.Length; index++)
        {
            char current = pattern[index];
            switch (current)
            {
                case '\\':
                    if (index + 1 >= pattern.Length) throw Invalid("invalid escape \\ sequence");
                    index++;
                    result.Append(pattern[index] switch
                    {
                        'm' => @"\b(?=\w)",
                        'M' => @"\b(?<=\w)",
                        'y' => @"\b",
                        'Y' => @"\B",
                        'Z' => @"\z",
                        'b' => @"\x08",
                        'B' => @"\\",
                        'e' => @"\x1B",
                        char other => "\\" + other,
                    });
                    break;
                case '$':
                    result.Append(newlineSensitive ? "(?=\\n|\\z)" : "\\z");
                    break;
                case '[':
                    index = TranslateBracket(pattern, index, result);
                    break;
                case '(':
                    depth++;
                    result.Append(current);
                    break;
                case ')':
                    if (--depth < 0) throw Invalid("parentheses () not balanced");
                    result.Append(current);
                    break;
                default:
                    result.Append(current);
                    break;
            }
        }
        if (depth != 0) throw Invalid("parentheses () not balanced");
        return result.ToString();
    }

    /// <summary>A bracket expression from its '[' to its ']': returns the index of the ']'.</summary>
    private static int TranslateBracket(string pattern, int start, StringBuilder result)
    {
        if (string.CompareOrdinal(pattern, start, "[[:<:]]", 0, 7) == 0)
        {
            result.Append(@"\b(?=\w)");
            return start + 6;
        }
        if (string.CompareOrdinal(pattern, start, "[[:>:]]", 0, 7) == 0)
        {
            result.Append(@"\b(?<=\w)");
            return start + 6;
        }
        result.Append('[');
        int index = start + 1;
        if (index < pattern.Length && pattern[index] == '^')
        {
            result.Append('^');
            index++;
        }
        bool first = true;
        for (; index < pattern.Length; index++, first = false)
        {
            char current = pattern[index];
            if (current == ']' && !first)
            {
                result.Append(']');
                return index;
            }
            if (current == '[' && index + 1 < pattern.Length && pattern[index + 1] is ':' or '.' or '=')
            {
                char kind = pattern[index + 1];
                int end = pattern.IndexOf(kind + "]", index + 2, StringComparison.Ordinal);
                if (end < 0) throw Invalid("brackets [] not balanced");
                string name = pattern[(index + 2)..end];
                result.Append(kind == ':' ? ClassOf(name) : Regex.Escape(name));
                index = end + 1;
                continue;
            }
            if (current == '\\' && index + 1 < pattern.Length)
            {
                result.Append('\\').Append(pattern[++index]);
                continue;
            }
            if (current is ']' or '[') result.Append('\\');
            result.Append(current);
        }
        throw Invalid("brackets [] not balanced");
    }

    private static string ClassOf(string name) => name switch
    {
        "alpha" => @"\p{L}",
        "digit" => @"0-9",
        "alnum" => @"\p{L}\p{Nd}",
        "upper" => @"\p{Lu}",
        "lower" => @"\p{Ll}",
        "space" => @"\s",
        "blank" => @" \t",
        "punct" => @"\p{P}\p{S}",
        "xdigit" => @"0-9A-Fa-f",
        "word" => @"\w",
        "cntrl" => @"\p{Cc}",
        "print" => @"\P{C}",
        "graph" => @"\p{L}\p{M}\p{N}\p{P}\p{S}",
        "ascii" => @"\x00-\x7F",
        _ => throw Invalid("invalid character class"),
    };

    /// <summary>regexp_replace's replacement: \1..\9 the groups, \&amp; the whole match, \\ a backslash; everything else literal.</summary>
    public static string TranslateReplacement(string replacement)
    {
        var result = new StringBuilder(replacement.Length + 8);
        for (int index = 0; index < replacement.Length; index++)
        {
            char current = replacement[index];
            if (current == '$')
            {
                result.Append("$$");
            }
            else if (current == '\\' && index + 1 < replacement.Length)
            {
                char next = replacement[index + 1];
                if (next is >= '1' and <= '9') result.Append("${").Append(next).Append('}');
                else if (next == '&') result.Append("$0");
                else if (next == '\\') result.Append('\\');
                else result.Append('\\').Append(next);
                index++;
            }
            else
            {
                result.Append(current);
            }
        }
        return result.ToString();
    }
}
