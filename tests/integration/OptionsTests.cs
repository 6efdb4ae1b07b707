using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Log.Integration.Tests.Support;

namespace Log.Integration.Tests;

public sealed class OptionsTests
{
    private static async Task<(int ExitCode, string Output)> RunToExitAsync(IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "log.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task NonLoopbackListenAddressWithoutAuthenticationIsRefused()
    {
        var (exitCode, output) = await RunToExitAsync(["--listen", "0.0.0.0", "--auth", "none", "--port", "0", "--journal-port", "0"]);
        Assert.Equal(2, exitCode);
        Assert.Contains("loopback", output);
        Assert.Contains("--auth tokens", output);
    }

    [Theory]
    [InlineData("password", "--auth 'password' must be tokens or none")]
    public async Task UnknownAuthenticationIsRefused(string auth, string expected)
    {
        var (exitCode, output) = await RunToExitAsync(["--auth", auth, "--port", "0", "--journal-port", "0"]);
        Assert.Equal(2, exitCode);
        Assert.Contains(expected, output);
    }

    [Fact]
    public async Task EnvironmentVariablesAreReadWithTheLogPrefix()
    {
        var (exitCode, output) = await RunToExitAsync([], new Dictionary<string, string> { ["LOG__PORT"] = "70000" });
        Assert.Equal(2, exitCode);
        Assert.Contains("--port 70000", output);
    }

    [Fact]
    public async Task PortsAndDataFolderComeFromTheCommandLine()
    {
        var port = FreePort();
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"log-options-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "log.dll"), "--port", port.ToString(),
                     "--journal-port", "0", "--data", dataDirectory })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            string? line;
            do
            {
                line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            } while (line is not null && !line.StartsWith("Log is ready", StringComparison.Ordinal));
            Assert.NotNull(line);
            Assert.Contains($"postgresql=127.0.0.1:{port} ", line);
            Assert.Contains($"data={dataDirectory}", line);
            Assert.True(Directory.Exists(Path.Combine(dataDirectory, "journal")));
            var result = await Psql.CommandAsync(port, "select 1");
            Assert.Equal("1", result.Output);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            LogProcess.DeleteDirectory(dataDirectory);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
