using System.Text.RegularExpressions;

namespace Log.Integration.Tests.Sql;

/// <summary>
/// The test files in tests/sql, found from the test binaries by walking up to the repository
/// (the recorder rewrites them in place, so they are read from the source tree, not copied).
/// LOG_SQL_FILES (names without .test, separated by commas or spaces) narrows the set.
/// </summary>
public static partial class SqlCorpus
{
    public const string FilesVariable = "LOG_SQL_FILES";
    public const string Extension = ".test";

    public static string Directory { get; } = FindDirectory();

    /// <summary>The file names (with .test) to run, in name order.</summary>
    public static IReadOnlyList<string> FileNames()
    {
        string[] wanted = (Environment.GetEnvironmentVariable(FilesVariable) ?? "")
            .Split([',', ' '], StringSplitOptions.RemoveEmptyEntries)
            .Select(name => name.EndsWith(Extension, StringComparison.Ordinal) ? name : name + Extension)
            .ToArray();
        return System.IO.Directory.GetFiles(Directory, "*" + Extension)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => wanted.Length == 0 || wanted.Contains(name))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public static IEnumerable<object[]> FileNameData() => FileNames().Select(name => new object[] { name });

    public static SqlTestFile Load(string fileName) => SqlTestFile.Load(Path.Combine(Directory, fileName));

    /// <summary>Tables a file creates, to drop before and after it on a shared server.</summary>
    public static IReadOnlyList<string> CreatedTables(SqlTestFile file) => file.Records
        .SelectMany(record => CreateTable().Matches(record.Sql).Select(match => match.Groups["name"].Value.ToLowerInvariant()))
        .Distinct()
        .ToList();

    [GeneratedRegex(@"\bCREATE\s+(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?<name>[A-Za-z_][A-Za-z_0-9]*)", RegexOptions.IgnoreCase)]
    private static partial Regex CreateTable();

    private static string FindDirectory()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Log.sln")))
            {
                return Path.Combine(directory.FullName, "tests", "sql");
            }
        }
        throw new InvalidOperationException($"no Log.sln above {AppContext.BaseDirectory}: cannot find tests/sql");
    }
}
