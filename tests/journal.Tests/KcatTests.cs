using System.Diagnostics;
using Xunit.Abstractions;

namespace Log.Journal.Tests;

/// <summary>Debian's kcat (librdkafka 2.0.2) against the node, unchanged. Skipped, with the
/// reason printed, where kcat is not installed.</summary>
public sealed class KcatTests(ITestOutputHelper output)
{
    private const string KcatPath = "/usr/bin/kcat";

    private async Task<(int ExitCode, string Output, string Error)> RunKcatAsync(string arguments, string? input = null)
    {
        var start = new ProcessStartInfo(KcatPath, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }
        process.StandardInput.Close();
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kcat {arguments} did not finish: {await standardError}");
        }
        var result = (process.ExitCode, await standardOutput, await standardError);
        output.WriteLine($"kcat {arguments} -> {result.ExitCode}\n{result.Item2}\n{result.Item3}");
        return result;
    }

    [Fact]
    public async Task Kcat_lists_metadata_produces_and_consumes()
    {
        if (!File.Exists(KcatPath))
        {
            output.WriteLine($"SKIPPED: {KcatPath} is not installed (apt-get install kcat).");
            return;
        }
        await using var node = await TestNode.StartAsync(output);
        var broker = $"-b {node.BootstrapServers}";

        var produced = await RunKcatAsync($"{broker} -P -t kcat-topic", "alpha\nbeta\ngamma\n");
        Assert.Equal(0, produced.ExitCode);

        var listed = await RunKcatAsync($"{broker} -L");
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains("kcat-topic", listed.Output, StringComparison.Ordinal);
        Assert.Contains($"1 brokers", listed.Output, StringComparison.Ordinal);

        var consumed = await RunKcatAsync($"{broker} -C -t kcat-topic -e -q");
        Assert.Equal(0, consumed.ExitCode);
        Assert.Equal(["alpha", "beta", "gamma"], consumed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var withOffsets = await RunKcatAsync($"{broker} -C -t kcat-topic -p 0 -o 1 -e -q -f \"%o:%s\\n\"");
        Assert.Equal(0, withOffsets.ExitCode);
        Assert.Equal(["1:beta", "2:gamma"], withOffsets.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
