using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Log.Integration.Tests.Support;

/// <summary>
/// One role of Log run alone as a process (Log.Journal.dll, Log.Adjudicator.dll, Log.StorageNode.dll, built beside the query node), started
/// with its switches and ready once it prints a line that matches its ready pattern, whose "port" group is the port it
/// listens on (the advertised one, for a journal node that advertises another). Disposal kills it by process id.
/// </summary>
public sealed class RoleProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process process;
    private readonly Regex readyLine;
    private readonly StringBuilder output = new();
    private readonly TaskCompletionSource<Match> ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RoleProcess(string assembly, Regex readyLine, IEnumerable<string> arguments)
    {
        this.readyLine = readyLine;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, line) => OnLine(line.Data);
        process.ErrorDataReceived += (_, line) => OnLine(line.Data);
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"{assembly} exited before it was ready:\n{Output}"));
    }

    public int Port { get; private set; }
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

    /// <summary>A journal node with its data in <paramref name="dataDirectory"/>, on <paramref name="port"/> (0: a free
    /// one), advertising <paramref name="advertisedPort"/> when clients must reach it through a forwarder.</summary>
    public static Task<RoleProcess> StartJournalAsync(string dataDirectory, int port = 0, int? advertisedPort = null) =>
        StartAsync("Log.Journal.dll", new Regex(@"Journal node is ready: kafka=\S+:(?<port>\d+)"),
            ["--port", port.ToString(), "--data", dataDirectory, .. advertisedPort is { } advertised ? ["--advertised-port", advertised.ToString()] : Array.Empty<string>()]);

    /// <summary>Adjudicator shard 0 over <paramref name="journal"/> (HOST:PORT), on <paramref name="port"/> (0: a free one).</summary>
    public static Task<RoleProcess> StartAdjudicatorAsync(string journal, int port = 0) =>
        StartAsync("Log.Adjudicator.dll", new Regex(@"Adjudicator is ready: rpc=\S+:(?<port>\d+)"),
            "--journal", journal, "--shard", "0", "--port", port.ToString());

    /// <summary>A storage replica of partition 0 over <paramref name="journal"/> (HOST:PORT) with its folder
    /// <paramref name="dataDirectory"/>, serving the storage RPC on <paramref name="port"/> (0: a free one) once caught up.</summary>
    public static Task<RoleProcess> StartStorageNodeAsync(string journal, string dataDirectory, int port = 0) =>
        StartAsync("Log.StorageNode.dll", new Regex(@"Storage node is ready: rpc=\S+:(?<port>\d+)"),
            "serve", "--journal", journal, "--data", dataDirectory, "--port", port.ToString());

    public static async Task<RoleProcess> StartAsync(string assembly, Regex readyLine, params string[] arguments)
    {
        var role = new RoleProcess(assembly, readyLine, arguments);
        role.process.Start();
        role.process.BeginOutputReadLine();
        role.process.BeginErrorReadLine();
        try
        {
            var match = await role.ready.Task.WaitAsync(StartTimeout);
            role.Port = int.Parse(match.Groups["port"].Value);
            return role;
        }
        catch
        {
            await role.DisposeAsync();
            throw;
        }
    }

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
        var match = readyLine.Match(line);
        if (match.Success)
        {
            ready.TrySetResult(match);
        }
    }

    /// <summary>SIGTERM, then waits for the process to exit (its clean shutdown) within <paramref name="timeout"/>.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (process.HasExited)
        {
            return;
        }
        using (var terminate = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString()]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill"))
        {
            await terminate.WaitForExitAsync();
        }
        await process.WaitForExitAsync().WaitAsync(timeout);
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash.</summary>
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
    }
}
