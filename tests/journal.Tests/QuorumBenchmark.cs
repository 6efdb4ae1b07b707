using System.Diagnostics;
using System.Globalization;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Journal.Tests;

/// <summary>
/// Acknowledgement latency of <see cref="QuorumJournalWriter"/> (a program, not a timed test):
/// <c>dotnet exec Log.Journal.Tests.dll quorum-benchmark [--appends 300] [--delay-ms 10] [--heartbeat-ms 0] [--kafka key=value,...]</c>. Three journal nodes in
/// this process: the local one reached directly, the other two through a <see cref="Net.DelayProxy"/> adding the delay
/// each way, as two other regions. Each append is awaited before the next (a commit's latency, not a throughput), in
/// the same run: a single writer to the local node (the baseline), the quorum writer (2 of 3) with every node direct
/// (what the quorum itself costs), and the quorum writer with the two remote nodes delayed. Expected: the delayed quorum
/// costs one round trip (2 x delay) over the baseline, since the local node and either remote one make the quorum.
/// With <c>--heartbeat-ms H</c> a heartbeat record is appended every H ms beside the measured appends, as a region's
/// adjudicator does (its heartbeats keep several requests in flight to each remote copy while a commit is on its way);
/// <c>--kafka</c> adds librdkafka settings to every writer's producers.
/// </summary>
internal static class QuorumBenchmark
{
    private const int WarmupAppends = 50;

    private static TimeSpan heartbeat;
    private static int heartbeatsInFlightMax;
    private static int heartbeatsUnanswered;
    private static KeyValuePair<string, string>[] kafkaSettings = [];

    public static async Task<int> RunAsync(string[] arguments)
    {
        var appends = int.Parse(Option(arguments, "--appends") ?? "300", CultureInfo.InvariantCulture);
        var delay = TimeSpan.FromMilliseconds(double.Parse(Option(arguments, "--delay-ms") ?? "10", CultureInfo.InvariantCulture));
        heartbeat = TimeSpan.FromMilliseconds(double.Parse(Option(arguments, "--heartbeat-ms") ?? "0", CultureInfo.InvariantCulture));
        heartbeatsInFlightMax = int.Parse(Option(arguments, "--heartbeats-in-flight") ?? "1000000", CultureInfo.InvariantCulture);
        kafkaSettings = (Option(arguments, "--kafka") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(setting => setting.Split('=', 2)).Select(pair => KeyValuePair.Create(pair[0], pair[1])).ToArray();
        Console.WriteLine($"quorum benchmark: {appends} appends each, one at a time, heartbeats every {heartbeat.TotalMilliseconds} ms " +
            $"(0: none), {Environment.ProcessorCount} cores, load average {LoadAverage()}");

        await using var local = await TestNode.StartAsync();
        await using var peer = await RemoteJournalNode.StartAsync(TimeSpan.Zero);
        await using var witness = await RemoteJournalNode.StartAsync(TimeSpan.Zero);

        await using (var single = new KafkaJournalWriter(Options("bench-single", local.BootstrapServers)))
        {
            Report("single writer, local node", await MeasureAsync(single, appends));
        }
        await using (var quorum = Quorum("bench-quorum-direct", local, peer, witness))
        {
            Report("quorum 2 of 3, no delay", await MeasureAsync(quorum, appends));
        }
        peer.Proxy.Delay = delay;
        witness.Proxy.Delay = delay;
        await using (var quorum = Quorum("bench-quorum-delayed", local, peer, witness))
        {
            Report($"quorum 2 of 3, {delay.TotalMilliseconds} ms one way to 2 nodes", await MeasureAsync(quorum, appends));
        }
        Console.WriteLine($"load average at the end {LoadAverage()}");
        return 0;
    }

    private static JournalClientOptions Options(string region, string bootstrapServers)
    {
        var options = new JournalClientOptions { Region = region, BootstrapServers = bootstrapServers };
        foreach (var setting in kafkaSettings)
        {
            options.AdditionalKafkaSettings[setting.Key] = setting.Value;
        }
        return options;
    }

    private static QuorumJournalWriter Quorum(string region, TestNode local, RemoteJournalNode peer, RemoteJournalNode witness) =>
        QuorumJournalWriter.ForKafka(Options(region, local.BootstrapServers),
            [("local", local.BootstrapServers), ("peer", peer.BootstrapServers), ("witness", witness.BootstrapServers)], required: 2);

    private static async Task<double[]> MeasureAsync(IJournalWriter writer, int appends)
    {
        using var stop = new CancellationTokenSource();
        var heartbeats = heartbeat > TimeSpan.Zero ? Task.Run(() => HeartbeatAsync(writer, stop.Token)) : Task.CompletedTask;
        try
        {
            return await MeasureAppendsAsync(writer, appends);
        }
        finally
        {
            await stop.CancelAsync();
            await heartbeats;
        }
    }

    /// <summary>Appends a heartbeat every <see cref="heartbeat"/> without waiting for it, as the region shard does.</summary>
    private static async Task HeartbeatAsync(IJournalWriter writer, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(heartbeat);
        var closed = 1_000_000L;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (Volatile.Read(ref heartbeatsUnanswered) >= heartbeatsInFlightMax)
                {
                    continue;
                }
                Interlocked.Increment(ref heartbeatsUnanswered);
                writer.Append(0, JournalRecord.ForHeartbeat(HybridTimestamp.From(closed++, 0), shard: 0, epoch: 1),
                    static (_, _) => Interlocked.Decrement(ref heartbeatsUnanswered));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task<double[]> MeasureAppendsAsync(IJournalWriter writer, int appends)
    {
        for (var index = 0; index < WarmupAppends; index++)
        {
            await writer.AppendAsync(0, JournalClientTests.Commit(index), CancellationToken.None);
        }
        var milliseconds = new double[appends];
        for (var index = 0; index < appends; index++)
        {
            var record = JournalClientTests.Commit(index);
            var started = Stopwatch.GetTimestamp();
            await writer.AppendAsync(0, record, CancellationToken.None);
            milliseconds[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        Array.Sort(milliseconds);
        return milliseconds;
    }

    private static void Report(string name, double[] sorted)
    {
        double Percentile(double fraction) => sorted[Math.Max(0, (int)Math.Ceiling(sorted.Length * fraction) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: p50 {Percentile(0.5):F2} ms, p99 {Percentile(0.99):F2} ms, mean {sorted.Average():F2} ms ({sorted.Length} appends)"));
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string? Option(string[] arguments, string name)
    {
        var index = Array.IndexOf(arguments, name);
        return index >= 0 && index + 1 < arguments.Length ? arguments[index + 1] : null;
    }
}
