using System.Globalization;
using Grpc.Net.Client;
using Log.Adjudicator.Rpc;
using Log.Benchmarks.RpcTransports;
using Log.Journal.Time;

// The adjudicator's commit reached three ways, measured side by side on the DEV308 write transaction's commit request:
// a call in process, the framed MessagePack RPC over loopback TCP (RemoteAdjudicator to AdjudicatorRpcServer, the
// classes the cluster runs), and gRPC over HTTP/2 without TLS on loopback (Grpc.Net.Client to ASP.NET Core's gRPC on
// Kestrel, a code-first method over the framed RPC's own messages and codec, so only the transport differs).
//
// Two processes, as in a cluster: this one calls; a second one (this program run with `serve`) hosts an adjudicator
// and serves it over both RPCs. This process hosts an adjudicator built the same way (AdjudicatorBackend) for the call
// in process. Each run measures every transport in turn, in an order that rotates from run to run, so that the
// machine's noise falls on all of them alike: first one caller (latency of each call), then N concurrent callers
// (calls per second); around each phase it takes both processes' CPU time and allocated bytes. The summary gives the
// median over the runs of each run's figure. Nothing here decides anything: it prints figures for a reader.
//
// usage: rpc-transports [seconds-per-phase=10] [runs=3] [--callers N=16] [--journal memory|node] [--warmup SECONDS=3]
//        rpc-transports serve --journal memory|node --data DIRECTORY   (the server process; started by the above)

if (args.Length > 0 && args[0] == "serve")
{
    return await ServerProcess.ServeAsync(ParseJournal(Option(args, "--journal") ?? "memory"), Option(args, "--data") ?? Path.GetTempPath());
}

var positional = Positional(args);
var seconds = positional.Count > 0 ? double.Parse(positional[0], CultureInfo.InvariantCulture) : 10;
var runs = positional.Count > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : 3;
var callers = int.Parse(Option(args, "--callers") ?? "16", CultureInfo.InvariantCulture);
var warmup = double.Parse(Option(args, "--warmup") ?? "3", CultureInfo.InvariantCulture);
var journal = ParseJournal(Option(args, "--journal") ?? "memory");
if (seconds <= 0 || runs < 1 || callers < 1 || warmup < 0)
{
    Console.Error.WriteLine("usage: rpc-transports [seconds-per-phase>0] [runs>=1] [--callers N>=1] [--journal memory|node] [--warmup SECONDS>=0]");
    return 2;
}

var work = Directory.CreateTempSubdirectory("log-rpc-transports-");
try
{
    await using var server = await ServerProcess.Handle.StartAsync(journal, Path.Combine(work.FullName, "server-journal"));
    await using var local = await AdjudicatorBackend.StartAsync(journal, Path.Combine(work.FullName, "client-journal"), CancellationToken.None);
    var clientClock = new HybridClock();
    await using var framed = new RemoteAdjudicator("127.0.0.1", server.FramedPort, new AdjudicatorRpcOptions(), clock: clientClock);
    using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.GrpcPort}", new GrpcChannelOptions
    {
        MaxReceiveMessageSize = GrpcCommit.MaxMessageBytes,
        MaxSendMessageSize = GrpcCommit.MaxMessageBytes,
    });
    var grpc = new GrpcCommitClient(channel.CreateCallInvoker(), clientClock);
    Transport[] transports =
    [
        new("in process", local.Adjudicator.CommitAsync),
        new("framed RPC", framed.CommitAsync),
        new("gRPC", grpc.CommitAsync),
    ];

    Console.WriteLine($"rpc-transports {string.Join(' ', args)}: {seconds} s per phase, {runs} runs, 1 and {callers} callers, journal {journal.ToString().ToLowerInvariant()}, " +
        $"{Environment.ProcessorCount} cores, server process {server.ProcessId}");
    Console.WriteLine($"load average at the start: {LoadAverage()}");

    if (warmup > 0)
    {
        foreach (var transport in transports)
        {
            await Measurement.RunPhaseAsync(transport, 1, TimeSpan.FromSeconds(warmup), clientClock, server, seed: 0);
            await Measurement.RunPhaseAsync(transport, callers, TimeSpan.FromSeconds(warmup), clientClock, server, seed: 0);
        }
    }

    var single = transports.ToDictionary(transport => transport, _ => new List<PhaseResult>());
    var concurrent = transports.ToDictionary(transport => transport, _ => new List<PhaseResult>());
    for (var run = 0; run < runs; run++)
    {
        var order = transports.Skip(run % transports.Length).Concat(transports.Take(run % transports.Length)).ToArray();
        foreach (var transport in order)
        {
            var result = await Measurement.RunPhaseAsync(transport, 1, TimeSpan.FromSeconds(seconds), clientClock, server, seed: run + 1);
            single[transport].Add(result);
            Console.WriteLine(FormattableString.Invariant(
                $"run {run + 1} {transport.Name,-10}  1 caller  {result.CallsPerSecond,9:0} calls/s  median {result.LatencyMicroseconds(0.5),7:0.0} µs  p99 {result.LatencyMicroseconds(0.99),8:0.0} µs  {Usage(result)}"));
        }
        foreach (var transport in order)
        {
            var result = await Measurement.RunPhaseAsync(transport, callers, TimeSpan.FromSeconds(seconds), clientClock, server, seed: run + 1);
            concurrent[transport].Add(result);
            Console.WriteLine(FormattableString.Invariant(
                $"run {run + 1} {transport.Name,-10} {callers,2} callers {result.CallsPerSecond,9:0} calls/s  {Usage(result)}"));
        }
    }

    Console.WriteLine();
    Console.WriteLine($"Medians over {runs} runs. CPU and allocations are per call; client is the calling process, server the adjudicator's");
    Console.WriteLine("(for the call in process the adjudicator runs in the calling process, and the server's figures are its idle cost).");
    Console.WriteLine();
    Console.WriteLine("| transport | median µs | p99 µs | calls/s, 1 caller | " +
        $"calls/s, {callers} callers | CPU µs, client + server (1 caller) | CPU µs, client + server ({callers}) | allocated bytes, client + server ({callers}) |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|");
    foreach (var transport in transports)
    {
        var one = single[transport];
        var many = concurrent[transport];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {transport.Name} | {Median(one, result => result.LatencyMicroseconds(0.5)):0.0} | {Median(one, result => result.LatencyMicroseconds(0.99)):0.0} | " +
            $"{Median(one, result => result.CallsPerSecond):0} | {Median(many, result => result.CallsPerSecond):0} | " +
            $"{Median(one, result => result.ClientCpuMicrosecondsPerCall):0.0} + {Median(one, result => result.ServerCpuMicrosecondsPerCall):0.0} | " +
            $"{Median(many, result => result.ClientCpuMicrosecondsPerCall):0.0} + {Median(many, result => result.ServerCpuMicrosecondsPerCall):0.0} | " +
            $"{Median(many, result => result.ClientBytesPerCall):0} + {Median(many, result => result.ServerBytesPerCall):0} |"));
    }
    Console.WriteLine();
    Console.WriteLine($"load average at the end: {LoadAverage()}");
    return 0;
}
finally
{
    work.Delete(recursive: true);
}

static string Usage(PhaseResult result) => FormattableString.Invariant(
    $"CPU µs/call client {result.ClientCpuMicrosecondsPerCall,6:0.0} server {result.ServerCpuMicrosecondsPerCall,6:0.0}  bytes/call client {result.ClientBytesPerCall,7:0} server {result.ServerBytesPerCall,7:0}");

static double Median(List<PhaseResult> results, Func<PhaseResult, double> figure)
{
    var sorted = results.Select(figure).Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";

static JournalKind ParseJournal(string text) => text switch
{
    "memory" => JournalKind.Memory,
    "node" => JournalKind.Node,
    _ => throw new ArgumentException($"--journal is memory or node, not '{text}'."),
};

static string? Option(string[] arguments, string name)
{
    var index = Array.IndexOf(arguments, name);
    return index >= 0 && index + 1 < arguments.Length ? arguments[index + 1] : null;
}

static List<string> Positional(string[] arguments)
{
    var positional = new List<string>();
    for (var index = 0; index < arguments.Length; index++)
    {
        if (arguments[index].StartsWith("--", StringComparison.Ordinal))
        {
            index++;
            continue;
        }
        positional.Add(arguments[index]);
    }
    return positional;
}
