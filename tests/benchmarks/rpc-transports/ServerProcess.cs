using System.Diagnostics;
using System.Globalization;
using Log.Adjudicator.Rpc;

namespace Log.Benchmarks.RpcTransports;

/// <summary>What a process has spent so far: CPU time (every thread) and bytes allocated (every thread).</summary>
internal readonly record struct ProcessUsage(TimeSpan Cpu, long AllocatedBytes)
{
    public static ProcessUsage OfThisProcess() => new(Environment.CpuUsage.TotalTime, GC.GetTotalAllocatedBytes(precise: true));

    public static ProcessUsage operator -(ProcessUsage after, ProcessUsage before) =>
        new(after.Cpu - before.Cpu, after.AllocatedBytes - before.AllocatedBytes);
}

/// <summary>
/// The adjudicator's process: this program run with <c>serve</c>. It starts one <see cref="AdjudicatorBackend"/> and
/// serves it twice, over the framed RPC (<see cref="AdjudicatorRpcServer"/>, the class the adjudicator's host runs) and
/// over gRPC (<see cref="GrpcHost"/>), both on free loopback ports; prints <c>ready framed=PORT grpc=PORT</c>; then
/// answers each <c>usage</c> line on its standard input with <c>usage CPU-TICKS ALLOCATED-BYTES</c>, and stops at the
/// end of its input (when the benchmark closes it, or dies).
/// </summary>
internal static class ServerProcess
{
    private const string ReadyPrefix = "ready ";
    private const string UsageCommand = "usage";

    public static async Task<int> ServeAsync(JournalKind journal, string dataDirectory)
    {
        await using var backend = await AdjudicatorBackend.StartAsync(journal, dataDirectory, CancellationToken.None);
        await using var framed = new AdjudicatorRpcServer(backend.Adjudicator, backend.Clock, new AdjudicatorRpcOptions { Port = 0 });
        await framed.StartAsync(CancellationToken.None);
        await using var grpc = await GrpcHost.StartAsync(backend.Adjudicator, backend.Clock, CancellationToken.None);
        Console.Out.WriteLine($"{ReadyPrefix}framed={framed.Port} grpc={grpc.Port}");
        Console.Out.Flush();
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == UsageCommand)
            {
                var usage = ProcessUsage.OfThisProcess();
                Console.Out.WriteLine(FormattableString.Invariant($"{UsageCommand} {usage.Cpu.Ticks} {usage.AllocatedBytes}"));
                Console.Out.Flush();
            }
        }
        return 0;
    }

    /// <summary>The driver's handle on a started server process: its ports, its usage on request, and its end. Dispose
    /// closes its input and waits for it to stop; if it has not stopped within 30 s, kills it by its
    /// process id.</summary>
    public sealed class Handle : IAsyncDisposable
    {
        private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(30);
        private readonly Process process;

        private Handle(Process process, int framedPort, int grpcPort)
        {
            this.process = process;
            FramedPort = framedPort;
            GrpcPort = grpcPort;
        }

        public int FramedPort { get; }
        public int GrpcPort { get; }
        public int ProcessId => process.Id;

        public static async Task<Handle> StartAsync(JournalKind journal, string dataDirectory)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath ?? throw new InvalidOperationException("No path for this process."))
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            // Run through the dotnet host: name this program's assembly first.
            if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
            {
                start.ArgumentList.Add(typeof(ServerProcess).Assembly.Location);
            }
            foreach (var argument in new[] { "serve", "--journal", journal.ToString().ToLowerInvariant(), "--data", dataDirectory })
            {
                start.ArgumentList.Add(argument);
            }
            var process = Process.Start(start) ?? throw new InvalidOperationException("The server process did not start.");
            try
            {
                var ready = await process.StandardOutput.ReadLineAsync()
                    ?? throw new InvalidOperationException("The server process ended before it was ready.");
                if (!ready.StartsWith(ReadyPrefix, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"The server process said '{ready}' instead of being ready.");
                }
                var ports = ready[ReadyPrefix.Length..].Split(' ').Select(field => field.Split('=')).ToDictionary(pair => pair[0], pair => int.Parse(pair[1], CultureInfo.InvariantCulture));
                return new Handle(process, ports["framed"], ports["grpc"]);
            }
            catch
            {
                process.Kill(entireProcessTree: true);
                process.Dispose();
                throw;
            }
        }

        public async Task<ProcessUsage> UsageAsync()
        {
            await process.StandardInput.WriteLineAsync(UsageCommand);
            await process.StandardInput.FlushAsync();
            var line = await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The server process ended.");
            var fields = line.Split(' ');
            if (fields.Length != 3 || fields[0] != UsageCommand)
            {
                throw new InvalidOperationException($"The server process answered '{line}' to {UsageCommand}.");
            }
            return new ProcessUsage(TimeSpan.FromTicks(long.Parse(fields[1], CultureInfo.InvariantCulture)),
                long.Parse(fields[2], CultureInfo.InvariantCulture));
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                process.StandardInput.Close();
                using var wait = new CancellationTokenSource(StopWait);
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"The server process {process.Id} did not stop; killing it.");
                process.Kill(entireProcessTree: true);
            }
            finally
            {
                process.Dispose();
            }
        }
    }
}
