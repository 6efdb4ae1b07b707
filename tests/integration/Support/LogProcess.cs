using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Log.Integration.Tests.Support;

/// <summary>
/// The real database process (the query node's log.dll) started on ephemeral ports with its own
/// data folder. Disposal kills the process tree by process id, even when a test failed, and
/// removes the folder unless the test keeps it for a restart.
/// </summary>
public sealed partial class LogProcess : IAsyncDisposable
{
    /// <summary>Until the ready line. A start took 43 s beside six busy loops on this shared 2-core machine (load average
    /// 48), and over 60 s at a load average of 80: a bound that only tells a hang from a slow start.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly TaskCompletionSource<Match> ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool ownsDataDirectory;

    private LogProcess(string dataDirectory, bool ownsDataDirectory, IReadOnlyList<string> extraArguments)
    {
        DataDirectory = dataDirectory;
        this.ownsDataDirectory = ownsDataDirectory;
        var serverPath = Path.Combine(AppContext.BaseDirectory, "log.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { serverPath, "--port", "0", "--journal-port", "0", "--data", dataDirectory }.Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }
        process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, line) => OnLine(line.Data);
        process.ErrorDataReceived += (_, line) => OnLine(line.Data);
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException(
            $"log exited with code {SafeExitCode()} before it was ready:\n{Output}"));
    }

    public string DataDirectory { get; }
    public int Port { get; private set; }
    public int JournalPort { get; private set; }
    public int ProcessId => process.Id;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Starts a server on a new data folder, or on <paramref name="dataDirectory"/> to restart one,
    /// with more command-line switches if given (e.g. <c>--journal HOST:PORT</c>).</summary>
    public static async Task<LogProcess> StartAsync(string? dataDirectory = null, params string[] extraArguments)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("log-it-").FullName;
        var server = new LogProcess(dataDirectory, owns, extraArguments);
        server.process.Start();
        server.process.BeginOutputReadLine();
        server.process.BeginErrorReadLine();
        try
        {
            var match = await server.ready.Task.WaitAsync(StartTimeout);
            server.Port = int.Parse(match.Groups["port"].Value);
            server.JournalPort = int.Parse(match.Groups["kafka"].Value);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    [GeneratedRegex(@"Log is ready: postgresql=\S+:(?<port>\d+) kafka=\S+:(?<kafka>\d+)")]
    private static partial Regex ReadyLine();

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.AppendLine(line);
        }
        var match = ReadyLine().Match(line);
        if (match.Success)
        {
            ready.TrySetResult(match);
        }
    }

    private string SafeExitCode()
    {
        try
        {
            return process.ExitCode.ToString();
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or an out-of-memory kill.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        process.Dispose();
        if (ownsDataDirectory)
        {
            DeleteDirectory(DataDirectory);
        }
    }

    public static void DeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
