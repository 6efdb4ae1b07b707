using System.Diagnostics;
using Xunit.Abstractions;

namespace Log.Journal.Tests;

/// <summary>Debian's kcat (librdkafka 2.0.2) against the node, unchanged. Skipped, with the
/// reason printed, where kcat is not installed.</summary>
public sealed class KcatTests(ITestOutputHelper output)
{
    private const string KcatPath = KcatFactAttribute.KcatPath;

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

    [KcatFact]
    public async Task Kcat_lists_metadata_produces_and_consumes()
    {
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

    [KcatFact]
    public async Task Kcat_queries_offsets_and_consumes_as_a_group_resuming_from_its_commits()
    {
        await using var node = await TestNode.StartAsync(output);
        var broker = $"-b {node.BootstrapServers}";
        Assert.Equal(0, (await RunKcatAsync($"{broker} -P -t grouped", "one\ntwo\nthree\n")).ExitCode);

        var latest = await RunKcatAsync($"{broker} -Q -t grouped:0:-1");
        Assert.Equal(0, latest.ExitCode);
        Assert.Contains("grouped [0] offset 3", latest.Output, StringComparison.Ordinal);
        var earliest = await RunKcatAsync($"{broker} -Q -t grouped:0:-2");
        Assert.Contains("grouped [0] offset 0", earliest.Output, StringComparison.Ordinal);
        var byTime = await RunKcatAsync($"{broker} -Q -t grouped:0:{DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds()}");
        Assert.Contains("grouped [0] offset 0", byTime.Output, StringComparison.Ordinal);

        const string Group = "-X topic.auto.offset.reset=earliest -X auto.commit.interval.ms=100 -e -q -f \"%p:%o:%s\\n\"";
        var first = await RunKcatAsync($"{broker} -G readers grouped {Group}");
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(["0:0:one", "0:1:two", "0:2:three"], first.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // The group committed its position on the way out: a new member starts after it.
        Assert.Equal(0, (await RunKcatAsync($"{broker} -P -t grouped", "four\n")).ExitCode);
        var second = await RunKcatAsync($"{broker} -G readers grouped {Group}");
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(["0:3:four"], second.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
