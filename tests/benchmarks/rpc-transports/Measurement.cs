using System.Diagnostics;
using Log.Adjudicator;
using Log.Journal.Time;

namespace Log.Benchmarks.RpcTransports;

/// <summary>One way of reaching the adjudicator: its name and its commit call.</summary>
internal sealed record Transport(string Name, Func<CommitRequest, CancellationToken, Task<CommitResult>> CommitAsync);

/// <summary>What one phase of one transport measured. Latencies are empty for the concurrent phase.</summary>
internal sealed record PhaseResult(long Calls, TimeSpan Elapsed, long[] LatencyTicks, ProcessUsage Client, ProcessUsage Server)
{
    public double CallsPerSecond => Calls / Elapsed.TotalSeconds;
    public double ClientCpuMicrosecondsPerCall => Client.Cpu.TotalMicroseconds / Calls;
    public double ServerCpuMicrosecondsPerCall => Server.Cpu.TotalMicroseconds / Calls;
    public double ClientBytesPerCall => (double)Client.AllocatedBytes / Calls;
    public double ServerBytesPerCall => (double)Server.AllocatedBytes / Calls;

    public double LatencyMicroseconds(double quantile)
    {
        Debug.Assert(LatencyTicks.Length > 0, "Only the one-caller phase times each call.");
        var sorted = LatencyTicks.Order().ToArray();
        var index = Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1);
        return sorted[index] * 1_000_000.0 / Stopwatch.Frequency;
    }
}

/// <summary>
/// Runs one phase: <paramref name="callers"/> callers, each committing a new DEV308 request as soon as its previous one
/// is answered, for a given time. Every answer must be <see cref="CommitOutcome.Committed"/> (a refusal or a failure would
/// measure something else, so it stops the benchmark). Usage of both processes is taken around the phase.
/// </summary>
internal static class Measurement
{
    public static async Task<PhaseResult> RunPhaseAsync(Transport transport, int callers, TimeSpan duration, HybridClock clientClock,
        ServerProcess.Handle server, int seed)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var serverBefore = await server.UsageAsync();
        var clientBefore = ProcessUsage.OfThisProcess();
        var started = Stopwatch.GetTimestamp();
        var end = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var timeEach = callers == 1;
        var perCaller = await Task.WhenAll(Enumerable.Range(0, callers).Select(caller =>
            Task.Run(() => CallUntilAsync(transport, end, clientClock, new Random(seed * 1000 + caller), timeEach))));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var client = ProcessUsage.OfThisProcess() - clientBefore;
        var serverUsage = await server.UsageAsync() - serverBefore;
        return new PhaseResult(perCaller.Sum(result => result.Calls), elapsed,
            timeEach ? perCaller[0].LatencyTicks.ToArray() : [], client, serverUsage);
    }

    private static async Task<(long Calls, List<long> LatencyTicks)> CallUntilAsync(Transport transport, long end, HybridClock clock,
        Random random, bool timeEach)
    {
        var latencies = new List<long>(timeEach ? 1 << 16 : 0);
        long calls = 0;
        while (Stopwatch.GetTimestamp() < end)
        {
            var request = Dev308Commit.Next(random, clock);
            var sent = Stopwatch.GetTimestamp();
            var result = await transport.CommitAsync(request, CancellationToken.None);
            var answered = Stopwatch.GetTimestamp();
            if (result.Outcome != CommitOutcome.Committed)
            {
                throw new InvalidOperationException(
                    $"{transport.Name}: a DEV308 commit was answered {result.Outcome} ({result.FailureReason}), not Committed.");
            }
            if (timeEach)
            {
                latencies.Add(answered - sent);
            }
            calls++;
        }
        return (calls, latencies);
    }
}
