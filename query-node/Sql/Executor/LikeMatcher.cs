namespace Log.QueryNode.Sql.Executor;

/// <summary>LIKE: % matches any run of characters, _ one character, a backslash escapes the next one. Matching
/// backtracks only to the last %, so it runs in O(value × pattern) even for patterns like '%a%a%a%b'. A backslash at
/// the very end is 22025 when matching reaches it with characters left to match (PostgreSQL's MatchText), and simply
/// no match when the value ends first.</summary>
internal static class LikeMatcher
{
    private enum PartKind : byte
    {
        Literal,
        AnyOne,
        AnyRun,
        /// <summary>A backslash with nothing after it.</summary>
        TrailingEscape,
    }

    /// <summary>bytea LIKE bytea (bytealike): byte by byte, each byte read as the one Latin-1 character of its value, so
    /// % (0x25), _ (0x5f) and the backslash (0x5c) are what they are in text and any other byte matches only itself.</summary>
    public static bool IsMatch(byte[] value, byte[] pattern) =>
        IsMatch(System.Text.Encoding.Latin1.GetString(value), System.Text.Encoding.Latin1.GetString(pattern), caseInsensitive: false);

    public static bool IsMatch(string value, string pattern, bool caseInsensitive)
    {
        if (caseInsensitive)
        {
            value = value.ToLowerInvariant();
            pattern = pattern.ToLowerInvariant();
        }
        var parts = new List<(PartKind Kind, char Character)>(pattern.Length);
        for (int index = 0; index < pattern.Length; index++)
        {
            char current = pattern[index];
            if (current == '%') parts.Add((PartKind.AnyRun, '\0'));
            else if (current == '_') parts.Add((PartKind.AnyOne, '\0'));
            else if (current == '\\' && index + 1 < pattern.Length) parts.Add((PartKind.Literal, pattern[++index]));
            else if (current == '\\') parts.Add((PartKind.TrailingEscape, '\0'));
            else parts.Add((PartKind.Literal, current));
        }

        int valueIndex = 0;
        int partIndex = 0;
        int lastRunPart = -1;
        int lastRunValue = 0;
        while (valueIndex < value.Length)
        {
            if (partIndex < parts.Count && parts[partIndex].Kind == PartKind.TrailingEscape)
            {
                throw new Execution.SqlException(EngineSqlState.InvalidEscapeSequence, "LIKE pattern must not end with escape character");
            }
            if (partIndex < parts.Count && parts[partIndex].Kind == PartKind.AnyRun)
            {
                lastRunPart = partIndex++;
                lastRunValue = valueIndex;
            }
            else if (partIndex < parts.Count && (parts[partIndex].Kind == PartKind.AnyOne || parts[partIndex].Character == value[valueIndex]))
            {
                partIndex++;
                valueIndex++;
            }
            else if (lastRunPart >= 0)
            {
                // Let the last % swallow one more character and retry from there.
                partIndex = lastRunPart + 1;
                valueIndex = ++lastRunValue;
            }
            else
            {
                return false;
            }
        }
        while (partIndex < parts.Count && parts[partIndex].Kind == PartKind.AnyRun) partIndex++;
        return partIndex == parts.Count;
    }
}
