using System.Diagnostics;
using System.Text;

namespace Log.Integration.Tests.Support;

/// <summary>
/// The journal node run alone (Log.Journal.dll, built beside the query node), on a given port and
/// data folder, advertising another port when clients must reach it through a forwarder. Disposal
/// kills it by process id.
/// </summary>
public sealed class JournalProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private const string ReadyPrefix = "Journal node is ready: kafka=";

    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private JournalProcess(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Log.Journal.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, line) => OnLine(line.Data);
        process.ErrorDataReceived += (_, line) => OnLine(line.Data);
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"the journal node exited before it was ready:\n{Output}"));
    }

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

    public static async Task<JournalProcess> StartAsync(int port, string dataDirectory, int advertisedPort)
    {
        var journal = new JournalProcess(["--port", port.ToString(), "--data", dataDirectory, "--advertised-port", advertisedPort.ToString()]);
        journal.process.Start();
        journal.process.BeginOutputReadLine();
        journal.process.BeginErrorReadLine();
        try
        {
            await journal.ready.Task.WaitAsync(StartTimeout);
            return journal;
        }
        catch
        {
            await journal.DisposeAsync();
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
        if (line.StartsWith(ReadyPrefix, StringComparison.Ordinal))
        {
            ready.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        process.Dispose();
    }
}
