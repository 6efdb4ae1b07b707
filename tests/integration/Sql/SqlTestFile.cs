using System.Text;

namespace Log.Integration.Tests.Sql;

/// <summary>How a query's rows are compared: in the order the server sent them, sorted as rows, or every value sorted on its own.</summary>
public enum SortMode
{
    NoSort,
    RowSort,
    ValueSort,
}

/// <summary>
/// A <c>skipif</c> or <c>onlyif</c> line before a record: the record is skipped on (or runs only on)
/// the named engine, <c>log</c> or <c>postgresql</c>, for the reason that follows the name.
/// </summary>
public sealed record SqlTestCondition(bool OnlyIf, string Engine, string Reason)
{
    public const string Log = "log";
    public const string PostgreSql = "postgresql";

    /// <summary>
    /// What the skip counts are grouped by: the reason up to its first " (", so that
    /// "joins (LEFT JOIN)" and "joins (USING)" count as joins.
    /// </summary>
    public string Feature => Reason.IndexOf(" (", StringComparison.Ordinal) is var end and > 0 ? Reason[..end] : Reason;

    /// <summary>True when the record runs on <paramref name="engine"/>.</summary>
    public bool Allows(string engine) => OnlyIf == (engine == Engine);

    public override string ToString() => $"{(OnlyIf ? "onlyif" : "skipif")} {Engine} # {Reason}";
}

/// <summary>
/// What a record expects, in the form the file stores: success or an error's SQLSTATE, and for a
/// query the column type letters and the rendered result lines (already sorted by the sort mode).
/// </summary>
public sealed record SqlExpectation(string? SqlState, string TypeLetters, IReadOnlyList<string> Lines);

/// <summary>
/// One <c>statement</c> or <c>query</c> record. <see cref="Line"/> is the 1-based line of its header
/// (the <c>statement</c>/<c>query</c> line) in the file, which is what a mismatch points at.
/// </summary>
public sealed class SqlTestRecord
{
    public required int Line { get; init; }
    public required IReadOnlyList<SqlTestCondition> Conditions { get; init; }
    public required bool IsQuery { get; set; }
    public required SortMode SortMode { get; set; }
    public required string Sql { get; init; }
    public required SqlExpectation Expected { get; set; }

    /// <summary>The first condition that keeps the record off <paramref name="engine"/>, or null when it runs there.</summary>
    public SqlTestCondition? SkippedOn(string engine) => Conditions.FirstOrDefault(condition => !condition.Allows(engine));
}

/// <summary>
/// A test file in the sqllogictest style (format in tests/sql/README.md): comments and blank lines
/// are kept verbatim, so that a recorder can rewrite the expectations in place and leave
/// everything else as the author wrote it.
/// </summary>
public sealed class SqlTestFile
{
    public const string ResultSeparator = "----";
    public const string NullText = "NULL";
    public const string EmptyText = "(empty)";

    /// <summary>Each element is a verbatim line (a string) or a record.</summary>
    private readonly List<object> parts;

    private SqlTestFile(string path, List<object> parts)
    {
        Path = path;
        this.parts = parts;
    }

    public string Path { get; }

    public string Name => System.IO.Path.GetFileName(Path);

    public IEnumerable<SqlTestRecord> Records => parts.OfType<SqlTestRecord>();

    public static SqlTestFile Load(string path) => Parse(path, File.ReadAllText(path));

    /// <summary>Reads a file; a malformed one throws <see cref="FormatException"/> naming the file and line.</summary>
    public static SqlTestFile Parse(string path, string text)
    {
        string[] lines = text.Replace("\r\n", "\n").Split('\n');
        if (lines.Length > 0 && lines[^1].Length == 0)
        {
            lines = lines[..^1];
        }
        var parts = new List<object>();
        var conditions = new List<SqlTestCondition>();
        int index = 0;
        while (index < lines.Length)
        {
            string line = lines[index];
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string first = words.Length == 0 ? "" : words[0];
            switch (first)
            {
                case "skipif" or "onlyif":
                    if (words.Length < 2 || words[1] is not (SqlTestCondition.Log or SqlTestCondition.PostgreSql))
                    {
                        throw Malformed(path, index, $"'{first}' needs an engine, '{SqlTestCondition.Log}' or '{SqlTestCondition.PostgreSql}'");
                    }
                    string reason = string.Join(' ', words.Skip(2)).TrimStart('#', ' ');
                    if (reason.Length == 0)
                    {
                        throw Malformed(path, index, $"'{first} {words[1]}' needs a reason after the engine name");
                    }
                    conditions.Add(new SqlTestCondition(first == "onlyif", words[1], reason));
                    index++;
                    break;
                case "statement" or "query":
                    parts.Add(ParseRecord(path, lines, ref index, words, conditions.ToList()));
                    conditions.Clear();
                    break;
                default:
                    if (conditions.Count > 0)
                    {
                        throw Malformed(path, index, "a skipif/onlyif line must be followed by its record");
                    }
                    if (line.Length > 0 && !line.StartsWith('#'))
                    {
                        throw Malformed(path, index, $"expected 'statement', 'query', 'skipif', 'onlyif', a comment or a blank line, not '{line}'");
                    }
                    parts.Add(line);
                    index++;
                    break;
            }
        }
        if (conditions.Count > 0)
        {
            throw Malformed(path, lines.Length - 1, "a skipif/onlyif line at the end of the file");
        }
        return new SqlTestFile(path, parts);
    }

    private static SqlTestRecord ParseRecord(string path, string[] lines, ref int index, string[] header, List<SqlTestCondition> conditions)
    {
        int headerIndex = index;
        bool isQuery = header[0] == "query";
        string? sqlState = null;
        string letters = "";
        var sortMode = SortMode.NoSort;
        if (!isQuery)
        {
            sqlState = header switch
            {
                [_, "ok"] => null,
                [_, "error", var state] when state.Length == 5 => state,
                _ => throw Malformed(path, index, "expected 'statement ok' or 'statement error <SQLSTATE>'"),
            };
        }
        else if (header is [_, "error", var state] && state.Length == 5)
        {
            sqlState = state;
        }
        else
        {
            if (header.Length < 2 || header.Length > 3)
            {
                throw Malformed(path, index, "expected 'query <column type letters> [nosort|rowsort|valuesort]'");
            }
            letters = header[1];
            if (header.Length == 3)
            {
                sortMode = header[2] switch
                {
                    "nosort" => SortMode.NoSort,
                    "rowsort" => SortMode.RowSort,
                    "valuesort" => SortMode.ValueSort,
                    _ => throw Malformed(path, index, $"unknown sort mode '{header[2]}'"),
                };
            }
        }
        index++;
        var sql = new StringBuilder();
        while (index < lines.Length && lines[index].Length > 0 && lines[index] != ResultSeparator)
        {
            sql.Append(sql.Length == 0 ? "" : "\n").Append(lines[index]);
            index++;
        }
        if (sql.Length == 0)
        {
            throw Malformed(path, headerIndex, "a record without SQL");
        }
        var results = new List<string>();
        if (index < lines.Length && lines[index] == ResultSeparator)
        {
            if (!isQuery)
            {
                throw Malformed(path, index, "a statement has no results; use 'query'");
            }
            index++;
            while (index < lines.Length && lines[index].Length > 0)
            {
                results.Add(lines[index]);
                index++;
            }
        }
        return new SqlTestRecord
        {
            Line = headerIndex + 1,
            Conditions = conditions,
            IsQuery = isQuery,
            SortMode = sortMode,
            Sql = sql.ToString(),
            Expected = new SqlExpectation(sqlState, letters, results),
        };
    }

    private static FormatException Malformed(string path, int index, string message) =>
        new($"{path}:{index + 1}: {message}");

    /// <summary>The file's text with every record written from its current expectation.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        foreach (object part in parts)
        {
            if (part is string line)
            {
                text.Append(line).Append('\n');
                continue;
            }
            var record = (SqlTestRecord)part;
            foreach (SqlTestCondition condition in record.Conditions)
            {
                text.Append(condition).Append('\n');
            }
            text.Append(Header(record)).Append('\n');
            text.Append(record.Sql).Append('\n');
            if (record.IsQuery && record.Expected.SqlState is null)
            {
                text.Append(ResultSeparator).Append('\n');
                foreach (string result in record.Expected.Lines)
                {
                    text.Append(result).Append('\n');
                }
            }
        }
        return text.ToString();
    }

    private static string Header(SqlTestRecord record)
    {
        if (record.Expected.SqlState is { } state)
        {
            return $"{(record.IsQuery ? "query" : "statement")} error {state}";
        }
        if (!record.IsQuery)
        {
            return "statement ok";
        }
        string sort = record.SortMode switch
        {
            SortMode.RowSort => " rowsort",
            SortMode.ValueSort => " valuesort",
            _ => "",
        };
        return $"query {record.Expected.TypeLetters}{sort}";
    }

    /// <summary>
    /// A value as the file writes it: NULL, (empty) for the empty string, and tab, newline,
    /// carriage return and backslash-escaped so that a value stays on its line and in its column.
    /// </summary>
    public static string RenderValue(string? value)
    {
        if (value is null)
        {
            return NullText;
        }
        if (value.Length == 0)
        {
            return EmptyText;
        }
        return value.Replace("\t", "\\t").Replace("\n", "\\n").Replace("\r", "\\r");
    }

    /// <summary>The result lines for rows of text values, in the order the sort mode gives.</summary>
    public static List<string> RenderRows(IEnumerable<IReadOnlyList<string?>> rows, SortMode sortMode)
    {
        List<string> lines = sortMode == SortMode.ValueSort
            ? rows.SelectMany(row => row.Select(RenderValue)).ToList()
            : rows.Select(row => string.Join('\t', row.Select(RenderValue))).ToList();
        if (sortMode != SortMode.NoSort)
        {
            lines.Sort(StringComparer.Ordinal);
        }
        return lines;
    }
}
