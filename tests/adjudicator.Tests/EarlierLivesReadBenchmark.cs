using System.Diagnostics;
using System.Globalization;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator.Tests;

/// <summary>
/// A restart's background read of earlier lives' decisions (a program, not a timed test): a partition of
/// <c>--records</c> commits (one row-sized write each, heartbeats among them) written an hour ago and <c>--recent</c>
/// commits written a minute ago, in an in-memory journal (records encoded and decoded as on the wire); then, <c>--runs</c>
/// times, a shard starts on it and is timed from its start until the background read has ended, reading from offset 0
/// (as before the search) and from where the search finds the recent part begins, alternately, so both see the same
/// load. Prints each run's two times and the medians.
/// </summary>
internal static class EarlierLivesReadBenchmark
{
    public static async Task<int> RunAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var records = int.Parse(Option(arguments, "--records") ?? "1000000", CultureInfo.InvariantCulture);
        var recent = int.Parse(Option(arguments, "--recent") ?? "10000", CultureInfo.InvariantCulture);
        var runs = int.Parse(Option(arguments, "--runs") ?? "3", CultureInfo.InvariantCulture);
        var journal = new MemoryJournal();
        var loading = Stopwatch.StartNew();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await AppendCommitsAsync(journal, records, now - (long)TimeSpan.FromHours(1).TotalMilliseconds, cancellationToken);
        await AppendCommitsAsync(journal, recent, now - (long)TimeSpan.FromMinutes(1).TotalMilliseconds, cancellationToken);
        Console.WriteLine($"earlier lives benchmark: {records} old and {recent} recent commits written in {loading.Elapsed.TotalSeconds:F1} s, " +
            $"{Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Trim()}");
        var whole = new List<double>();
        var bounded = new List<double>();
        for (var run = 1; run <= runs; run++)
        {
            var (wholeMs, _) = await TimeReadAsync(journal, fromTheStart: true, cancellationToken);
            var (boundedMs, from) = await TimeReadAsync(journal, fromTheStart: false, cancellationToken);
            whole.Add(wholeMs);
            bounded.Add(boundedMs);
            Console.WriteLine($"run {run}: from offset 0 {wholeMs:F0} ms; from offset {from} {boundedMs:F0} ms");
        }
        Console.WriteLine($"median: from offset 0 {Median(whole):F0} ms, bounded {Median(bounded):F0} ms " +
            $"({Median(whole) / Math.Max(Median(bounded), 0.001):F1}x), load {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    private static async Task<(double Milliseconds, long From)> TimeReadAsync(MemoryJournal journal, bool fromTheStart, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        await using var shard = new AdjudicatorShard(new AdjudicatorOptions { HeartbeatInterval = TimeSpan.FromHours(1) }, journal, journal, new HybridClock())
        {
            ReadsEarlierLivesFromTheStart = fromTheStart,
        };
        await shard.StartAsync(cancellationToken);
        await shard.EarlierLifeOutcomesRead.WaitAsync(cancellationToken);
        return (watch.Elapsed.TotalMilliseconds, shard.EarlierOutcomesFromOffset);
    }

    /// <summary>Commits a millisecond apart from <paramref name="fromMilliseconds"/>, a heartbeat after every hundredth.</summary>
    private static async Task AppendCommitsAsync(MemoryJournal journal, int count, long fromMilliseconds, CancellationToken cancellationToken)
    {
        var value = new byte[100];
        for (var index = 0; index < count; index++)
        {
            var commit = HybridTimestamp.From(fromMilliseconds + index / 10, (ushort)(index % 10 * 2 + 1));
            var key = System.Text.Encoding.UTF8.GetBytes($"row/{index:D10}");
            await journal.AppendAsync(0, JournalRecord.ForCommit(Guid.NewGuid(), new HybridTimestamp(commit.Value - 1), commit, 0, 1,
                [new JournalWrite(key, value)]), cancellationToken);
            if (index % 100 == 99)
            {
                await journal.AppendAsync(0, JournalRecord.ForHeartbeat(commit.Next(), 0, 1), cancellationToken);
            }
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[(sorted.Count - 1) / 2];
    }

    private static string? Option(string[] arguments, string name)
    {
        var index = Array.IndexOf(arguments, name);
        return index >= 0 && index + 1 < arguments.Length ? arguments[index + 1] : null;
    }
}
