using System.Diagnostics;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>
/// <c>kill -9</c> of a storage process while it compacts its log: a child process (this assembly run as a program,
/// <see cref="RunChildAsync"/>) applies an update-heavy journal it generates from a seed, with garbage collection,
/// compaction and checkpoints running in the background, and prints its node's log on standard output; the test kills
/// it with SIGKILL as soon as it says a compaction step started, then starts a node on the folder with the same journal
/// (generated again from the seed) and checks that its state digest equals a full replay's, and that it goes on
/// collecting, compacting and recovering afterwards.
/// </summary>
public sealed class CompactionCrashTests(ITestOutputHelper output)
{
    private const int CommitsPerRound = 6_000;
    private const int KeySpace = 150;
    private const long StartMilliseconds = 1_700_000_000_000;
    private const long CommitSpacingMilliseconds = 100;
    private const string CompactingLine = "Compacting the log";
    private const string CompactedLine = "Compacted the log";
    /// <summary>Forced collections a child makes after applying its whole journal before it gives up on compacting.</summary>
    private const int CollectionsAfterTheEndMax = 40;
    private const string NoCompactionLine = "Applied the whole journal and collected without compacting";

    /// <summary>Collection every 50 ms, a 10-second horizon (100 commits), checkpoints every 400 records, compaction in
    /// 4 MiB steps of a log in 1 MiB files, 4 MiB of it in memory: compaction runs often, checkpoints around it.</summary>
    private static StorageNodeOptions Options(StorageNodeOptions options) => options with
    {
        SnapshotRetention = TimeSpan.FromSeconds(10),
        GarbageCollectionInterval = TimeSpan.FromMilliseconds(50),
        CheckpointInterval = TimeSpan.FromHours(1),
        CheckpointJournalDistanceMax = 400,
        CheckpointWriteDistanceMax = long.MaxValue,
        CheckpointOnShutdown = false,
        CheckpointLogChunkBytes = 1L << 16,
        LogSegmentSizeBytes = 1L << 20,
        CompactionStepBytesMax = 4L << 20,
        CompactionGarbageFractionMin = 0.3,
    };

    [Fact]
    public async Task AKillDuringCompactionRecoversTheStateOfAFullReplay()
    {
        const int seed = 41;
        var directory = Path.Combine(Path.GetTempPath(), "log-compaction-crash-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Killed in a compaction step up to eight times (the step may end before the signal lands, more often on a
            // loaded machine; the state must be right either way, and at least one kill must have cut a step short).
            var killedInsideAStep = 0;
            // Each round's journal goes on where the last round's ended (the same seeded workload, longer): the recovery
            // check applied, collected and compacted all of the last one, so only new commits leave garbage to compact.
            for (var round = 0; round < 8 && killedInsideAStep == 0; round++)
            {
                var commits = CommitsPerRound * (round + 1);
                var (insideAStep, childOutput) = await RunChildUntilCompactingAndKillAsync(directory, seed, commits);
                output.WriteLine($"round {round}: killed {(insideAStep ? "inside" : "after")} a compaction step; last lines:\n" +
                    string.Join("\n", childOutput.TakeLast(4)));
                killedInsideAStep += insideAStep ? 1 : 0;
                await CheckRecoveryAsync(directory, seed, commits);
            }
            Assert.True(killedInsideAStep > 0, "no kill landed inside a compaction step");
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>Starts the child on <paramref name="directory"/>, kills it with SIGKILL at its first "compacting" line,
    /// and says whether that step had not ended by then (no "compacted" line after it), with what it printed.</summary>
    private static async Task<(bool InsideAStep, List<string> Output)> RunChildUntilCompactingAndKillAsync(string directory, int seed, int commits)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "exec", typeof(CompactionCrashTests).Assembly.Location, ChildCommand, directory,
            seed.ToString(System.Globalization.CultureInfo.InvariantCulture), commits.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }
        using var child = new Process { StartInfo = start };
        var lines = new List<string>();
        var compacting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        child.OutputDataReceived += (_, line) => OnLine(line.Data);
        child.ErrorDataReceived += (_, line) => OnLine(line.Data);
        child.Start();
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        try
        {
            // No timeout: the child compacts, or exits once it has applied its journal and collected without compacting.
            await Task.WhenAny(compacting.Task, child.WaitForExitAsync());
            Assert.True(compacting.Task.IsCompleted, "the child exited before compacting:\n" + string.Join("\n", Snapshot().TakeLast(20)));
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true); // SIGKILL
            }
            await child.WaitForExitAsync();
        }
        var printed = Snapshot();
        var lastCompacting = printed.FindLastIndex(line => line.Contains(CompactingLine, StringComparison.Ordinal));
        var inside = lastCompacting >= 0 && !printed.Skip(lastCompacting).Any(line => line.Contains(CompactedLine, StringComparison.Ordinal));
        return (inside, printed);

        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (lines)
            {
                lines.Add(line);
            }
            if (line.Contains(CompactingLine, StringComparison.Ordinal))
            {
                compacting.TrySetResult();
            }
        }

        List<string> Snapshot()
        {
            lock (lines)
            {
                return [.. lines];
            }
        }
    }

    /// <summary>A node started on the folder the child left recovers, applies the rest of the journal, and has the state
    /// of a full replay; then it collects and compacts again, checkpoints, and a second restart still agrees.</summary>
    private async Task CheckRecoveryAsync(string directory, int seed, int commits)
    {
        var journal = new MemoryJournal();
        var last = await AppendJournalAsync(journal, seed, commits);
        await using var reference = await StartAsync(journal, options => options with { CheckpointsEnabled = false, GarbageCollectionEnabled = false });
        await reference.Node.WaitForOffsetAsync(journal.EndOffset(0), CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));
        var expected = reference.Node.ComputeStateDigest(last);

        var storage = Path.Combine(directory, StorageNode.StorageFolderName);
        foreach (var path in StorageNode.ListManifests(storage))
        {
            var manifest = CheckpointManifest.Decode(File.ReadAllBytes(path), out var problem);
            problem ??= StorageNode.CheckFiles(storage, manifest!);
            output.WriteLine($"{Path.GetFileName(path)}: {problem ?? "sound"}");
        }
        var harness = await StartAsync(journal, Options, directory, new LineLogger(output.WriteLine, LogLevel.Warning));
        try
        {
            output.WriteLine($"recovered checkpoint {harness.Node.NewestCheckpoint?.Sequence.ToString() ?? "none"} at offset {harness.Node.NewestCheckpoint?.NextOffset}");
            await harness.Node.WaitForOffsetAsync(journal.EndOffset(0), CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));
            Assert.Null(harness.Node.FailureReason);
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(harness.Node.ComputeStateDigest(last)));
            await harness.Node.CollectGarbageAsync(force: true, CancellationToken.None);
            Assert.NotNull(await harness.Node.CheckpointAsync(CancellationToken.None));
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(harness.Node.ComputeStateDigest(last)));
            await harness.Node.DisposeAsync();
            harness = await StartAsync(journal, Options, directory, new LineLogger(output.WriteLine, LogLevel.Warning));
            await harness.Node.WaitForOffsetAsync(journal.EndOffset(0), CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));
            Assert.Null(harness.Node.FailureReason);
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(harness.Node.ComputeStateDigest(last)));
        }
        finally
        {
            // The folder is the test's (the next round uses it); stop the node without removing it.
            await harness.Node.DisposeAsync();
        }
    }

    /// <summary>Appends commit 0 .. <paramref name="count"/> - 1 of the seeded workload (each updates one to three of
    /// <see cref="KeySpace"/> keys with values of up to 1 KiB, one in eight a delete) and a heartbeat after each; the
    /// records are the same for the same seed, whoever appends them. Returns the last commit's timestamp.</summary>
    private static async Task<HybridTimestamp> AppendJournalAsync(MemoryJournal journal, int seed, int count, Func<int, Task>? afterEach = null)
    {
        var random = new Random(seed);
        var at = default(HybridTimestamp);
        for (var number = 0; number < count; number++)
        {
            at = HybridTimestamp.From(StartMilliseconds + number * CommitSpacingMilliseconds, 0);
            var writes = new List<JournalWrite>();
            for (var write = random.Next(1, 4); write > 0; write--)
            {
                var key = Bytes($"key-{random.Next(KeySpace):D4}");
                writes.Add(new JournalWrite(key, random.Next(8) == 0 ? null : Bytes($"{number}-{new string((char)('a' + random.Next(26)), random.Next(1024))}")));
            }
            await journal.AppendAsync(0, JournalRecord.ForCommit(Guid.NewGuid(), new HybridTimestamp(at.Value - 1), at, 0, 1, writes), CancellationToken.None);
            await journal.AppendAsync(0, JournalRecord.ForHeartbeat(at, 0, 1), CancellationToken.None);
            if (afterEach is not null)
            {
                await afterEach(number);
            }
        }
        return at;
    }

    internal const string ChildCommand = "compaction-crash-child";

    /// <summary>The child (<c>DIRECTORY SEED COMMITS</c>): applies the first COMMITS commits of the seeded journal into
    /// DIRECTORY as they are appended (a batch of commits at a time, so collection and checkpoints interleave with
    /// applying), then collects until it is killed; if none of that compacted, it says so and exits (3) rather than keep
    /// the test waiting.</summary>
    internal static async Task<int> RunChildAsync(string[] arguments)
    {
        var directory = arguments[0];
        var seed = int.Parse(arguments[1], System.Globalization.CultureInfo.InvariantCulture);
        var commits = int.Parse(arguments[2], System.Globalization.CultureInfo.InvariantCulture);
        var journal = new MemoryJournal();
        var options = Options(new StorageNodeOptions
        {
            DataDirectory = directory,
            HashIndexBucketCount = 1 << 10,
            LogMemorySizeBytes = 4L << 20,
            LogPageSizeBytes = 1L << 20,
            ReadWaitTimeout = TimeSpan.FromSeconds(30),
        });
        await using var node = new StorageNode(options, journal, new LineLogger(line =>
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }));
        await node.StartAsync(CancellationToken.None);
        await AppendJournalAsync(journal, seed, commits, async number =>
        {
            if (number % 200 == 199)
            {
                await node.WaitForOffsetAsync(journal.EndOffset(0), CancellationToken.None);
            }
        });
        await node.WaitForOffsetAsync(journal.EndOffset(0), CancellationToken.None);
        for (var collection = 0; collection < CollectionsAfterTheEndMax; collection++)
        {
            await node.CollectGarbageAsync(force: true, CancellationToken.None);
            await Task.Delay(50);
        }
        Console.Out.WriteLine($"{NoCompactionLine}: {node.CollectedVersionCount} versions collected");
        Console.Out.Flush();
        return 3;
    }

    /// <summary>The node's log as lines: on standard output in the child (flushed at once: the parent acts on them), in the
    /// test's output for the nodes the test starts (warnings and above: why a checkpoint was not used).</summary>
    internal sealed class LineLogger(Action<string> write, LogLevel minimum = LogLevel.Trace) : ILogger<StorageNode>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                write($"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
        }
    }
}
