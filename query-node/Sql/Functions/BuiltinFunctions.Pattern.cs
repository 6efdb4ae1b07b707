using System.Text;
using System.Text.RegularExpressions;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Executor;

namespace Log.QueryNode.Sql.Functions;

/// <summary>Pattern matching: the regular expression functions behind ~ ~* !~ !~* and regexp_*, the SQL regular
/// expressions of SIMILAR TO and substring(... similar ...), and the LIKE functions with their escape rewriting.
/// PostgreSQL rewrites <c>a LIKE b ESCAPE c</c> to <c>a ~~ like_escape(b, c)</c> and <c>a SIMILAR TO b</c> to
/// <c>a ~ similar_to_escape(b)</c>; the binder does the same with these functions.</summary>
internal static partial class BuiltinFunctions
{
    private static readonly PostgresRegex.RegexFlags CaseSensitive = new(IgnoreCase: false, NewlineSensitive: false, Expanded: false, Literal: false);
    private static readonly PostgresRegex.RegexFlags CaseInsensitive = CaseSensitive with { IgnoreCase = true };

    private static void AddPatternMatching(FunctionRegistry registry)
    {
        Add(registry, "textregexeq", [Text, Text], Bool, (a, _) => RegexMatches(a, CaseSensitive));
        Add(registry, "textregexne", [Text, Text], Bool, (a, _) => !RegexMatches(a, CaseSensitive));
        Add(registry, "texticregexeq", [Text, Text], Bool, (a, _) => RegexMatches(a, CaseInsensitive));
        Add(registry, "texticregexne", [Text, Text], Bool, (a, _) => !RegexMatches(a, CaseInsensitive));
        Add(registry, "textlike", [Text, Text], Bool, (a, _) => LikeMatcher.IsMatch((string)a[0]!, (string)a[1]!, caseInsensitive: false));
        Add(registry, "textnlike", [Text, Text], Bool, (a, _) => !LikeMatcher.IsMatch((string)a[0]!, (string)a[1]!, caseInsensitive: false));
        Add(registry, "texticlike", [Text, Text], Bool, (a, _) => LikeMatcher.IsMatch((string)a[0]!, (string)a[1]!, caseInsensitive: true));
        Add(registry, "texticnlike", [Text, Text], Bool, (a, _) => !LikeMatcher.IsMatch((string)a[0]!, (string)a[1]!, caseInsensitive: true));
        Add(registry, "like_escape", [Text, Text], Text, (a, _) => LikeEscape((string)a[0]!, (string)a[1]!));
        Add(registry, "similar_to_escape", [Text], Text, (a, _) => SimilarToEscape((string)a[0]!, "\\"));
        Add(registry, "similar_to_escape", [Text, Text], Text, (a, _) => SimilarToEscape((string)a[0]!, (string)a[1]!));
        // substring(text from pattern): the first parenthesized part of a POSIX match, or the whole match.
        Add(registry, "substring", [Text, Text], Text, (a, _) => RegexSubstring((string)a[0]!, (string)a[1]!));
        // substring(text similar pattern escape e) / substring(text from pattern for e): a SQL regular expression.
        Add(registry, "substring", [Text, Text, Text], Text, (a, _) => RegexSubstring((string)a[0]!, SimilarToEscape((string)a[1]!, (string)a[2]!)));
        Add(registry, "regexp_replace", [Text, Text, Text], Text, (a, _) => RegexReplace((string)a[0]!, (string)a[1]!, (string)a[2]!, ""));
        Add(registry, "regexp_replace", [Text, Text, Text, Text], Text, (a, _) => RegexReplace((string)a[0]!, (string)a[1]!, (string)a[2]!, (string)a[3]!));
        Add(registry, "regexp_like", [Text, Text], Bool, (a, _) => RegexLike((string)a[0]!, (string)a[1]!, ""));
        Add(registry, "regexp_like", [Text, Text, Text], Bool, (a, _) => RegexLike((string)a[0]!, (string)a[1]!, (string)a[2]!));
        Add(registry, "regexp_count", [Text, Text], Int4, (a, _) => RegexCount((string)a[0]!, (string)a[1]!, 1, ""));
        Add(registry, "regexp_count", [Text, Text, Int4], Int4, (a, _) => RegexCount((string)a[0]!, (string)a[1]!, (int)a[2]!, ""));
        Add(registry, "regexp_count", [Text, Text, Int4, Text], Int4, (a, _) => RegexCount((string)a[0]!, (string)a[1]!, (int)a[2]!, (string)a[3]!));
        Add(registry, "regexp_substr", [Text, Text], Text, (a, _) => RegexSubstr((string)a[0]!, (string)a[1]!, 1, 1, ""));
        Add(registry, "regexp_substr", [Text, Text, Int4], Text, (a, _) => RegexSubstr((string)a[0]!, (string)a[1]!, (int)a[2]!, 1, ""));
        Add(registry, "regexp_substr", [Text, Text, Int4, Int4], Text, (a, _) => RegexSubstr((string)a[0]!, (string)a[1]!, (int)a[2]!, (int)a[3]!, ""));
        Add(registry, "regexp_substr", [Text, Text, Int4, Int4, Text], Text,
            (a, _) => RegexSubstr((string)a[0]!, (string)a[1]!, (int)a[2]!, (int)a[3]!, (string)a[4]!));
        // pg_proc's rows for the set-returning functions; the binder runs their calls as such (TableFunction), never these.
        AddUnsupported(registry, "regexp_matches", [Text, Text], "set-returning functions in expressions");
        AddUnsupported(registry, "regexp_matches", [Text, Text, Text], "set-returning functions in expressions");
        AddUnsupported(registry, "regexp_split_to_table", [Text, Text], "set-returning functions in expressions");
        AddUnsupported(registry, "regexp_split_to_table", [Text, Text, Text], "set-returning functions in expressions");
    }

    private static bool RegexMatches(ReadOnlySpan<object?> arguments, PostgresRegex.RegexFlags flags) =>
        PostgresRegex.IsMatch(PostgresRegex.Get((string)arguments[1]!, flags), (string)arguments[0]!);

    private static string RegexReplace(string source, string pattern, string replacement, string flagText)
    {
        (PostgresRegex.RegexFlags flags, bool global) = PostgresRegex.ParseFlags(flagText, "regexp_replace", globalAllowed: true);
        Regex regex = PostgresRegex.Get(pattern, flags);
        try
        {
            return regex.Replace(source, PostgresRegex.TranslateReplacement(replacement), global ? -1 : 1);
        }
        catch (RegexMatchTimeoutException)
        {
            throw PostgresRegex.Invalid("regular expression is too complex");
        }
    }

    private static bool RegexLike(string source, string pattern, string flagText)
    {
        (PostgresRegex.RegexFlags flags, _) = PostgresRegex.ParseFlags(flagText, "regexp_like", globalAllowed: false);
        return PostgresRegex.IsMatch(PostgresRegex.Get(pattern, flags), source);
    }

    private static int RegexCount(string source, string pattern, int start, string flagText)
    {
        if (start <= 0) throw new SqlException(SqlState.InvalidParameterValue, $"invalid value for parameter \"start\": {start}");
        (PostgresRegex.RegexFlags flags, _) = PostgresRegex.ParseFlags(flagText, "regexp_count", globalAllowed: false);
        Regex regex = PostgresRegex.Get(pattern, flags);
        int count = 0;
        int position = CharIndexOf(source, start - 1);
        while (position <= source.Length)
        {
            Match match = PostgresRegex.Match(regex, source, position);
            if (!match.Success) break;
            count++;
            position = match.Length == 0 ? match.Index + 1 : match.Index + match.Length;
        }
        return count;
    }

    private static string? RegexSubstr(string source, string pattern, int start, int occurrence, string flagText)
    {
        if (start <= 0) throw new SqlException(SqlState.InvalidParameterValue, $"invalid value for parameter \"start\": {start}");
        if (occurrence <= 0) throw new SqlException(SqlState.InvalidParameterValue, $"invalid value for parameter \"n\": {occurrence}");
        (PostgresRegex.RegexFlags flags, _) = PostgresRegex.ParseFlags(flagText, "regexp_substr", globalAllowed: false);
        Regex regex = PostgresRegex.Get(pattern, flags);
        int position = CharIndexOf(source, start - 1);
        while (position <= source.Length)
        {
            Match match = PostgresRegex.Match(regex, source, position);
            if (!match.Success) return null;
            if (--occurrence == 0) return match.Value;
            position = match.Length == 0 ? match.Index + 1 : match.Index + match.Length;
        }
        return null;
    }

    private static string? RegexSubstring(string source, string pattern)
    {
        Match match = PostgresRegex.Match(PostgresRegex.Get(pattern, CaseSensitive), source);
        if (!match.Success) return null;
        if (match.Groups.Count > 1)
        {
            Group first = match.Groups[1];
            return first.Success ? first.Value : null;
        }
        return match.Value;
    }

    /// <summary>like_escape(pattern, escape): the pattern rewritten with backslash as its escape character, which is
    /// what LIKE itself reads; an empty escape means none (backslashes become literal).</summary>
    private static string LikeEscape(string pattern, string escape)
    {
        int escapeLength = CodePointCount(escape);
        if (escapeLength > 1)
        {
            throw new SqlException(EngineSqlState.InvalidEscapeSequence, "invalid escape string", hint: "Escape string must be empty or one character.");
        }
        var result = new StringBuilder(pattern.Length + 4);
        if (escape.Length == 0)
        {
            foreach (char character in pattern)
            {
                if (character == '\\') result.Append('\\');
                result.Append(character);
            }
            return result.ToString();
        }
        if (escape == "\\") return pattern;
        char escapeCharacter = escape[0];
        bool afterEscape = false;
        foreach (char character in pattern)
        {
            if (afterEscape)
            {
                result.Append('\\').Append(character);
                afterEscape = false;
            }
            else if (character == escapeCharacter)
            {
                afterEscape = true;
            }
            else
            {
                if (character == '\\') result.Append('\\');
                result.Append(character);
            }
        }
        // A trailing escape character stays a trailing backslash: LIKE fails on it only if matching gets that far.
        if (afterEscape) result.Append('\\');
        return result.ToString();
    }

    /// <summary>similar_to_escape: a SQL regular expression (SIMILAR TO) as a POSIX one anchored at both ends: % is
    /// .*, _ is ., ( groups without capturing, and the escape character quotes the next one; escape-" pairs mark the
    /// part substring() returns.</summary>
    private static string SimilarToEscape(string pattern, string escape)
    {
        if (CodePointCount(escape) > 1)
        {
            throw new SqlException(EngineSqlState.InvalidEscapeSequence, "invalid escape string", hint: "Escape string must be empty or one character.");
        }
        char? escapeCharacter = escape.Length == 0 ? null : escape[0];
        var result = new StringBuilder("^(?:", pattern.Length + 12);
        bool afterEscape = false;
        bool inClass = false;
        int classPosition = 0;
        int quotes = 0;
        foreach (char character in pattern)
        {
            if (afterEscape)
            {
                if (character == '"' && !inClass)
                {
                    if (quotes == 0) result.Append("){1,1}?(");
                    else if (quotes == 1) result.Append("){1,1}(?:");
                    else
                    {
                        throw new SqlException(EngineSqlState.InvalidUseOfEscapeCharacter,
                            "SQL regular expression may not contain more than two escape-double-quote separators");
                    }
                    quotes++;
                }
                else
                {
                    result.Append('\\').Append(character);
                }
                afterEscape = false;
            }
            else if (character == escapeCharacter)
            {
                afterEscape = true;
            }
            else if (inClass)
            {
                if (character == '\\') result.Append('\\');
                result.Append(character);
                if (character == ']' && classPosition > 1) inClass = false;
                else if (character == '^' && classPosition == 1) classPosition = 1;
                classPosition++;
            }
            else
            {
                switch (character)
                {
                    case '[':
                        result.Append('[');
                        inClass = true;
                        classPosition = 1;
                        break;
                    case '%':
                        result.Append(".*");
                        break;
                    case '_':
                        result.Append('.');
                        break;
                    case '(':
                        result.Append("(?:");
                        break;
                    case '\\' or '.' or '^' or '$':
                        result.Append('\\').Append(character);
                        break;
                    default:
                        result.Append(character);
                        break;
                }
            }
        }
        return result.Append(")$").ToString();
    }
}
