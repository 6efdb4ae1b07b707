namespace Log.Integration.Tests.Support;

/// <summary>
/// psql commands compared with what PostgreSQL 15's psql printed for them (a folder's commands.txt over its schema.sql,
/// recorded in describe.expected by its record.sh): each command's output must match, except the known differences
/// listed with their reason, and a known difference that starts to match fails too, so the list stays true.
/// </summary>
internal static class PsqlRecording
{
    /// <summary>Runs the folder's schema.sql, then its commands (aligned, with headers), then <paramref name="cleanup"/>,
    /// and asserts the outputs.</summary>
    public static async Task AssertMatchesAsync(int port, string folder, IReadOnlyDictionary<string, string> knownDifferences, string cleanup)
    {
        string directory = Path.Combine(AppContext.BaseDirectory, folder);
        string[] commands = File.ReadAllLines(Path.Combine(directory, "commands.txt")).Where(line => line.Length > 0).ToArray();
        var script = new global::System.Text.StringBuilder();
        foreach (string command in commands) script.Append($"\\echo '### {command.Replace("\\", "\\\\")}'\n{command}\n");
        string schema = File.ReadAllText(Path.Combine(directory, "schema.sql"));
        var setup = await Psql.RunAsync(port, "\\set ON_ERROR_STOP 1\n" + schema, "-U", "postgres");
        Assert.True(setup.ExitCode == 0, setup.ToString());
        try
        {
            var result = await Psql.RunAsync(port, script.ToString(), "-U", "postgres", "-P", "format=aligned", "-P", "tuples_only=off");
            Dictionary<string, string> expected = SplitByCommand(File.ReadAllText(Path.Combine(directory, "describe.expected")));
            Dictionary<string, string> actual = SplitByCommand(result.Output);
            var differing = commands.Where(command => expected[command] != actual.GetValueOrDefault(command)).ToList();
            var unexpected = differing.Where(command => !knownDifferences.ContainsKey(command))
                .Select(command => $"{command}\n--- PostgreSQL\n{expected[command]}\n--- Log\n{actual.GetValueOrDefault(command)}");
            Assert.True(!unexpected.Any(), $"answered unlike PostgreSQL:\n{string.Join("\n", unexpected)}\n{result.Error}");
            var nowPassing = knownDifferences.Keys.Where(command => !differing.Contains(command)).ToList();
            Assert.True(nowPassing.Count == 0, $"now answered as PostgreSQL does, remove from the known differences: {string.Join(", ", nowPassing)}");
        }
        finally
        {
            await Psql.RunAsync(port, cleanup, "-U", "postgres");
        }
    }

    /// <summary>The output of each command, keyed by the command its "### command" marker line names.</summary>
    private static Dictionary<string, string> SplitByCommand(string output)
    {
        var sections = new Dictionary<string, string>(StringComparer.Ordinal);
        string? command = null;
        var text = new global::System.Text.StringBuilder();
        foreach (string line in output.ReplaceLineEndings("\n").Split('\n'))
        {
            if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                if (command is not null) sections[command] = text.ToString().TrimEnd('\n');
                command = line[4..];
                text.Clear();
                continue;
            }
            text.Append(line).Append('\n');
        }
        // The last section ends where the output does, which may or may not have a final newline.
        if (command is not null) sections[command] = text.ToString().TrimEnd('\n');
        return sections;
    }
}
