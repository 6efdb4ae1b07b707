using System.Diagnostics;

namespace Log.Integration.Tests.Cluster;

/// <summary>Runs only where Debian's docker-compose is installed (.ci/run installs it); skipped with the reason otherwise.</summary>
public sealed class DockerComposeFactAttribute : FactAttribute
{
    public const string DockerComposePath = "/usr/bin/docker-compose";

    public DockerComposeFactAttribute()
    {
        if (!File.Exists(DockerComposePath))
        {
            Skip = $"{DockerComposePath} is not installed (apt-get install docker-compose; .ci/run installs it).";
        }
    }
}

/// <summary>The repository's compose.yaml is a valid Compose file that describes every role. No Docker engine is
/// reachable here, so nothing is started: the same topology runs as processes in <see cref="ClusterTests"/>.</summary>
public sealed class ComposeFileTests
{
    [DockerComposeFact]
    public async Task Compose_yaml_is_valid_and_names_every_role()
    {
        var root = FindRepositoryRoot();
        var start = new ProcessStartInfo(DockerComposeFactAttribute.DockerComposePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        foreach (var argument in new[] { "-f", Path.Combine(root, "compose.yaml"), "config", "--services" }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(process.ExitCode == 0, $"docker-compose config failed:\n{await error}");
        var services = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order().ToArray();
        Assert.Equal(["adjudicator", "journal", "query-node-1", "query-node-2"], services);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "compose.yaml")) && File.Exists(Path.Combine(directory.FullName, "Log.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No repository root (compose.yaml beside Log.sln) above {AppContext.BaseDirectory}.");
    }
}
