using System.Diagnostics;
using System.Text;

namespace Log.Integration.Tests.Support;

public sealed record PsqlResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>Runs the real psql binary against a server.</summary>
public static class Psql
{
    public const string Path = "/usr/bin/psql";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    public static bool IsInstalled => File.Exists(Path);

    public static ProcessStartInfo StartInfo(int port, params string[] extraArguments)
    {
        var start = new ProcessStartInfo(Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // -X: no psqlrc; -A -t: unaligned tuples only; VERBOSITY=verbose prints the SQLSTATE.
        foreach (var argument in new[] { "-X", "-A", "-t", "-q", "-h", "127.0.0.1", "-p", port.ToString(), "-U", "admin",
                     "-d", "postgres", "-v", "VERBOSITY=verbose" })
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var argument in extraArguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["PGCONNECT_TIMEOUT"] = "10";
        start.Environment["PGSSLMODE"] = "disable";
        return start;
    }

    /// <summary>Runs a script through standard input, as `psql &lt; file` does.</summary>
    public static async Task<PsqlResult> RunAsync(int port, string script, params string[] extraArguments)
    {
        using var process = Process.Start(StartInfo(port, extraArguments))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(script);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"psql did not finish within {CommandTimeout}:\n{await error}");
        }
        return new PsqlResult(process.ExitCode, (await output).TrimEnd('\n'), await error);
    }

    /// <summary>Runs one command with -c.</summary>
    public static Task<PsqlResult> CommandAsync(int port, string command) => RunAsync(port, "", "-c", command);
}

/// <summary>
/// A psql process kept open, fed one line at a time, so that two sessions can interleave.
/// psql flushes after every command when reading a pipe; `\echo` markers tell where each
/// command's output ends.
/// </summary>
public sealed class PsqlSession : IAsyncDisposable
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);
    private readonly Process process;
    private readonly StringBuilder errors = new();
    private int markerCount;

    public PsqlSession(int port)
    {
        process = Process.Start(Psql.StartInfo(port))!;
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not null)
            {
                lock (errors)
                {
                    errors.AppendLine(line.Data);
                }
            }
        };
        process.BeginErrorReadLine();
    }

    /// <summary>Everything psql wrote to standard error so far (errors, notices).</summary>
    public string Errors
    {
        get
        {
            lock (errors)
            {
                return errors.ToString();
            }
        }
    }

    /// <summary>Sends one command and returns its output lines once psql has run it.</summary>
    public async Task<string> StepAsync(string command)
    {
        var marker = $"--marker-{++markerCount}--";
        await process.StandardInput.WriteLineAsync(command);
        await process.StandardInput.WriteLineAsync($"\\echo {marker}");
        await process.StandardInput.FlushAsync();
        var lines = new StringBuilder();
        using var timeout = new CancellationTokenSource(StepTimeout);
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException($"psql exited; stderr:\n{Errors}");
            if (line == marker)
            {
                // stderr is read on another thread: give it a moment to catch up with stdout.
                await Task.Delay(50);
                return lines.ToString().TrimEnd('\n');
            }
            lines.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException)
        {
            process.Kill(entireProcessTree: true);
        }
        process.Dispose();
    }
}
