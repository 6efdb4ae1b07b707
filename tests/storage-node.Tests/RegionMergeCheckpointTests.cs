using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>Checkpoints of the merged stream of the region topics (storage-node/README.md, "Multi-region mode"): a
/// replica restarted after one resumes every region topic where the checkpoint's merge stood.</summary>
public sealed class RegionMergeCheckpointTests
{
    private static readonly TimeSpan ConflictWindow = TimeSpan.FromMinutes(5);

    /// <summary>A commit of region a that the tests keep in a's own journal only until after a checkpoint: held.</summary>
    private static readonly JournalRecord HeldA = Candidate(90, 100, "held a", "from a");

    private static RegionMergeReader Merge(MemoryJournal a, MemoryJournal b) =>
        new(new Dictionary<string, IJournalReader> { ["a"] = a, ["b"] = b }, 0, ConflictWindow, captureInterval: TimeSpan.Zero);

    private static StorageNodeOptions Manual(StorageNodeOptions options) => CheckpointTests.Manual(options) with { JournalTopic = "log.a.txn+log.b.txn" };

    /// <summary>A round of rows in both regions, each region closing past it.</summary>
    private static async Task WriteRoundAsync(MemoryJournal a, MemoryJournal b, ulong from, int rows, CancellationToken cancellationToken)
    {
        for (var index = 0; index < rows; index++)
        {
            var at = from + (ulong)(index * 2);
            await a.AppendAsync(0, Candidate(at - 5, at, $"a{at}", $"a at {at}"), cancellationToken);
            await b.AppendAsync(0, Candidate(at - 5, at + 1, $"b{at}", $"b at {at + 1}"), cancellationToken);
        }
    }

    [Fact]
    public async Task A_replica_restarted_after_a_checkpoint_resumes_the_merge_there_and_ends_as_a_replay_does()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var a = new MemoryJournal();
        var b = new MemoryJournal();
        var firstMerge = Merge(a, b);
        var secondMerge = Merge(a, b);
        var replayMerge = Merge(a, b);
        var first = await StartAsync(firstMerge, Manual);
        StorageNodeHarness? second = null;
        StorageNodeHarness? replay = null;
        try
        {
            await WriteRoundAsync(a, b, 100, 20, timeout.Token);
            // a writes a row; b's concurrent writer of it comes after the restart, and the resumed merge must still
            // remember a's write to refuse it.
            await a.AppendAsync(0, Candidate(900, 1000, "shared", "from a"), timeout.Token);
            await a.AppendAsync(0, Heartbeat(1005), timeout.Token);
            await b.AppendAsync(0, Heartbeat(1005), timeout.Token);
            await first.Node.WaitForResolvedTimestampAsync(Ts(1005), timeout.Token);
            // Then a's commit is decided while b's is still open: the checkpoint after it lies past the newest moment the
            // merge held nothing, so the restart presents a's commit again (applying it twice changes nothing).
            await a.AppendAsync(0, Candidate(1040, 1050, "pending a", "from a"), timeout.Token);
            await b.AppendAsync(0, Candidate(1040, 1060, "pending b", "from b"), timeout.Token);
            await first.Node.WaitForResolvedTimestampAsync(Ts(1050), timeout.Token);
            Assert.Equal("from a", Text(await first.Node.GetAsync(Bytes("pending a"), ReadPoint.Unfenced(Ts(1050)), timeout.Token)));
            var checkpoint = await first.Node.CheckpointAsync(timeout.Token);
            Assert.NotNull(checkpoint);
            Assert.True(checkpoint.NextOffset > 0);
            await first.Node.DisposeAsync();
            await firstMerge.DisposeAsync();

            await b.AppendAsync(0, Candidate(950, 1070, "shared", "from b"), timeout.Token);
            await WriteRoundAsync(a, b, 1100, 20, timeout.Token);
            await a.AppendAsync(0, Heartbeat(2000), timeout.Token);
            await b.AppendAsync(0, Heartbeat(2000), timeout.Token);

            second = await StartAsync(secondMerge, Manual, first.Directory);
            await second.Node.WaitForResolvedTimestampAsync(Ts(2000), timeout.Token);
            // It read neither region topic from its beginning again.
            Assert.True(secondMerge.StartOffsets["a"] > 20, $"a was read from {secondMerge.StartOffsets["a"]}");
            Assert.True(secondMerge.StartOffsets["b"] > 20, $"b was read from {secondMerge.StartOffsets["b"]}");

            replay = await StartAsync(replayMerge, Manual);
            await replay.Node.WaitForResolvedTimestampAsync(Ts(2000), timeout.Token);
            Assert.Equal(0, replayMerge.StartOffsets["a"]);
            Assert.Equal("from a", Text(await second.Node.GetAsync(Bytes("pending a"), ReadPoint.Unfenced(Ts(2000)), timeout.Token)));
            Assert.Equal("from b", Text(await second.Node.GetAsync(Bytes("pending b"), ReadPoint.Unfenced(Ts(2000)), timeout.Token)));
            Assert.Equal("from a", Text(await second.Node.GetAsync(Bytes("shared"), ReadPoint.Unfenced(Ts(2000)), timeout.Token)));
            Assert.Equal("b at 1139", Text(await second.Node.GetAsync(Bytes("b1138"), ReadPoint.Unfenced(Ts(2000)), timeout.Token)));
            Assert.Equal("a at 100", Text(await second.Node.GetAsync(Bytes("a100"), ReadPoint.Unfenced(Ts(2000)), timeout.Token)));
            Assert.Equal(Convert.ToHexString(replay.Node.ComputeStateDigest(Ts(2000))), Convert.ToHexString(second.Node.ComputeStateDigest(Ts(2000))));
        }
        finally
        {
            if (second is not null)
            {
                await second.DisposeAsync();
            }
            else
            {
                await first.DisposeAsync();
            }
            if (replay is not null)
            {
                await replay.DisposeAsync();
            }
            await firstMerge.DisposeAsync();
            await secondMerge.DisposeAsync();
            await replayMerge.DisposeAsync();
        }
    }

    /// <summary>Waits until the merge has decided everything at or below <paramref name="at"/> (what the replica shows may
    /// stay lower, held for durability).</summary>
    private static async Task WaitForReleasedAsync(RegionMergeReader merge, HybridTimestamp at, CancellationToken cancellationToken)
    {
        while (merge.Released < at)
        {
            await Task.Delay(5, cancellationToken);
        }
    }

    /// <summary>A replica in region a (copies in a, b and w) runs <paramref name="beforeCheckpoint"/>, takes a
    /// checkpoint and stops; <paramref name="whileDown"/> runs; another replica starts on its folder and runs
    /// <paramref name="afterResume"/>.</summary>
    private static async Task ResumeAfterCheckpointAsync(CancellationToken cancellationToken,
        Func<RegionDurabilityTests.Copies, RegionMergeReader, StorageNodeHarness, Task> beforeCheckpoint,
        Func<RegionDurabilityTests.Copies, Task> whileDown,
        Func<RegionDurabilityTests.Copies, RegionMergeReader, StorageNodeHarness, Task> afterResume)
    {
        var copies = new RegionDurabilityTests.Copies();
        string[] topics = ["a", "b"];
        string[] holders = ["a", "b", "w"];
        var firstMerge = copies.ReplicaIn("a", topics, holders, TimeSpan.Zero);
        var secondMerge = copies.ReplicaIn("a", topics, holders, TimeSpan.Zero);
        var first = await StartAsync(firstMerge, Manual);
        StorageNodeHarness? second = null;
        try
        {
            await beforeCheckpoint(copies, firstMerge, first);
            Assert.NotNull(await first.Node.CheckpointAsync(cancellationToken));
            await first.Node.DisposeAsync();
            await firstMerge.DisposeAsync();
            await whileDown(copies);
            second = await StartAsync(secondMerge, Manual, first.Directory);
            await afterResume(copies, secondMerge, second);
        }
        finally
        {
            if (second is not null)
            {
                await second.DisposeAsync();
            }
            else
            {
                await first.DisposeAsync();
            }
            await firstMerge.DisposeAsync();
            await secondMerge.DisposeAsync();
        }
    }

    [Fact]
    public async Task After_a_resume_a_commit_only_in_its_own_regions_copy_is_still_held_until_a_second_copy_holds_it()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        // Written while the replica was down: a's next candidate reached only a's own journal.
        var late = Candidate(390, 400, "late", "from a");
        await ResumeAfterCheckpointAsync(timeout.Token,
            async (copies, _, first) =>
            {
                for (var index = 0UL; index < 10; index++)
                {
                    await copies.AppendAsync("a", Candidate(90 + index * 10, 100 + index * 10, $"a{index}", "from a"), timeout.Token, "a", "w");
                    await copies.AppendAsync("b", Candidate(90 + index * 10, 105 + index * 10, $"b{index}", "from b"), timeout.Token, "a", "b");
                }
                await copies.AppendAsync("a", Heartbeat(300), timeout.Token, "a", "w");
                await copies.AppendAsync("b", Heartbeat(300), timeout.Token, "a", "b");
                await first.Node.WaitForResolvedTimestampAsync(Ts(300), timeout.Token);
            },
            async copies =>
            {
                await copies.AppendAsync("a", late, timeout.Token, "a");
                await copies.AppendAsync("b", Heartbeat(500), timeout.Token, "a", "b");
            },
            async (copies, secondMerge, second) =>
            {
                await second.Node.WaitForResolvedTimestampAsync(Ts(399), timeout.Token);
                Assert.True(secondMerge.StartOffsets["a"] >= 10, $"a was read from {secondMerge.StartOffsets["a"]}");
                Assert.Equal(Ts(399), second.Node.ResolvedTimestamp);
                Assert.Null(Text(await second.Node.GetAsync(Bytes("late"), ReadPoint.Unfenced(Ts(399)), timeout.Token)));
                Assert.Equal("from b", Text(await second.Node.GetAsync(Bytes("b9"), ReadPoint.Unfenced(Ts(399)), timeout.Token)));

                await copies.AppendAsync("a", late, timeout.Token, "w");
                await second.Node.WaitForResolvedTimestampAsync(Ts(400), timeout.Token);
                Assert.Equal("from a", Text(await second.Node.GetAsync(Bytes("late"), ReadPoint.Unfenced(Ts(400)), timeout.Token)));
            });
    }

    [Fact]
    public async Task A_position_is_taken_when_the_last_held_commit_is_presented_after_the_last_decision()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await ResumeAfterCheckpointAsync(timeout.Token,
            async (copies, firstMerge, first) =>
            {
                // Everything is decided while a's commit is in a's own journal only: it is held past the last decision.
                var fromA = Candidate(90, 100, "a row", "from a");
                await copies.AppendAsync("a", fromA, timeout.Token, "a");
                await copies.AppendAsync("a", Heartbeat(300), timeout.Token, "a");
                await copies.AppendAsync("b", Candidate(95, 105, "b row", "from b"), timeout.Token, "a", "b");
                await copies.AppendAsync("b", Heartbeat(300), timeout.Token, "a", "b");
                await first.Node.WaitForResolvedTimestampAsync(Ts(99), timeout.Token);
                await WaitForReleasedAsync(firstMerge, Ts(300), timeout.Token);
                Assert.Equal(Ts(99), first.Node.ResolvedTimestamp);

                // The witness's journal gets a's records: both commits are presented with no decision after them.
                await copies.AppendAsync("a", fromA, timeout.Token, "w");
                await copies.AppendAsync("a", Heartbeat(300), timeout.Token, "w");
                await first.Node.WaitForResolvedTimestampAsync(Ts(300), timeout.Token);
            },
            _ => Task.CompletedTask,
            async (copies, secondMerge, second) =>
            {
                // The checkpoint holds a position after both: the next start reads neither topic again.
                await copies.AppendAsync("a", Heartbeat(400), timeout.Token, "a", "w");
                await copies.AppendAsync("b", Heartbeat(400), timeout.Token, "a", "b");
                await second.Node.WaitForResolvedTimestampAsync(Ts(400), timeout.Token);
                Assert.Equal(2, secondMerge.StartOffsets["a"]);
                Assert.Equal(2, secondMerge.StartOffsets["b"]);
                Assert.Equal("from a", Text(await second.Node.GetAsync(Bytes("a row"), ReadPoint.Unfenced(Ts(400)), timeout.Token)));
                Assert.Equal("from b", Text(await second.Node.GetAsync(Bytes("b row"), ReadPoint.Unfenced(Ts(400)), timeout.Token)));
            });
    }

    [Fact]
    public async Task A_merge_that_never_empties_still_gives_checkpoints_and_resumes_its_undecided_and_held_commits()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        // From its first record on the merge holds a candidate or a commit held for durability (a steady load), so
        // there is no moment without one to take a position at: it must carry them.
        await ResumeAfterCheckpointAsync(timeout.Token,
            async (copies, firstMerge, first) =>
            {
                // a's commit is in a's own journal only: decided (b closes past it) and held.
                await copies.AppendAsync("a", HeldA, timeout.Token, "a");
                await copies.AppendAsync("b", Candidate(95, 105, "b0", "from b"), timeout.Token, "a", "b");
                await copies.AppendAsync("a", Heartbeat(300), timeout.Token, "a");
                // b's next candidate is undecided at the checkpoint (a closed 300 only); it writes the key that a's later
                // candidate conflicts with, so a resumed merge that lost it would commit a's.
                await copies.AppendAsync("b", Candidate(200, 310, "shared", "from b"), timeout.Token, "a", "b");
                await first.Node.WaitForResolvedTimestampAsync(Ts(99), timeout.Token);
                await WaitForReleasedAsync(firstMerge, Ts(300), timeout.Token);
                Assert.Equal(Ts(99), first.Node.ResolvedTimestamp);
            },
            async copies =>
            {
                await copies.AppendAsync("a", HeldA, timeout.Token, "w");
                await copies.AppendAsync("a", Heartbeat(300), timeout.Token, "w");
                await copies.AppendAsync("a", Candidate(305, 400, "shared", "from a"), timeout.Token, "a", "w");
                await copies.AppendAsync("a", Heartbeat(500), timeout.Token, "a", "w");
                await copies.AppendAsync("b", Heartbeat(500), timeout.Token, "a", "b");
            },
            async (copies, secondMerge, second) =>
            {
                await second.Node.WaitForResolvedTimestampAsync(Ts(500), timeout.Token);
                // Resumed after every record the first run had read, not from the topics' beginnings.
                Assert.Equal(2, secondMerge.StartOffsets["a"]);
                Assert.Equal(2, secondMerge.StartOffsets["b"]);
                Assert.Equal("from a", Text(await second.Node.GetAsync(Bytes("held a"), ReadPoint.Unfenced(Ts(500)), timeout.Token)));
                Assert.Equal("from b", Text(await second.Node.GetAsync(Bytes("b0"), ReadPoint.Unfenced(Ts(500)), timeout.Token)));
                Assert.Equal("from b", Text(await second.Node.GetAsync(Bytes("shared"), ReadPoint.Unfenced(Ts(500)), timeout.Token)));

                var replayMerge = copies.ReplicaIn("a", ["a", "b"], ["a", "b", "w"], TimeSpan.Zero);
                try
                {
                    await using var replay = await StartAsync(replayMerge, Manual);
                    await replay.Node.WaitForResolvedTimestampAsync(Ts(500), timeout.Token);
                    Assert.Equal(Convert.ToHexString(replay.Node.ComputeStateDigest(Ts(500))), Convert.ToHexString(second.Node.ComputeStateDigest(Ts(500))));
                }
                finally
                {
                    await replayMerge.DisposeAsync();
                }
            });
    }

    [Fact]
    public async Task A_commit_held_at_the_checkpoint_stays_held_after_the_resume_until_a_second_copy_holds_it()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await ResumeAfterCheckpointAsync(timeout.Token,
            async (copies, firstMerge, first) =>
            {
                await copies.AppendAsync("a", HeldA, timeout.Token, "a");
                await copies.AppendAsync("a", Heartbeat(300), timeout.Token, "a");
                await copies.AppendAsync("b", Heartbeat(300), timeout.Token, "a", "b");
                await WaitForReleasedAsync(firstMerge, Ts(300), timeout.Token);
                await first.Node.WaitForResolvedTimestampAsync(Ts(99), timeout.Token);
            },
            _ => Task.CompletedTask,
            async (copies, _, second) =>
            {
                await copies.AppendAsync("b", Heartbeat(400), timeout.Token, "a", "b");
                await second.Node.WaitForResolvedTimestampAsync(Ts(99), timeout.Token);
                // b moved on, and the witness holds a's heartbeat but another record at the held commit's offset (from
                // another life of a's writer): a resumed replica must not show it, nor resolve past it.
                await copies.AppendAsync("a", Candidate(90, 100, "held a", "another life"), timeout.Token, "w");
                await copies.AppendAsync("a", Heartbeat(300), timeout.Token, "w");
                Assert.Equal(Ts(99), second.Node.ResolvedTimestamp);
                Assert.Null(Text(await second.Node.GetAsync(Bytes("held a"), ReadPoint.Unfenced(Ts(99)), timeout.Token)));

                await copies.AppendAsync("a", HeldA, timeout.Token, "b");
                await second.Node.WaitForResolvedTimestampAsync(Ts(300), timeout.Token);
                Assert.Equal("from a", Text(await second.Node.GetAsync(Bytes("held a"), ReadPoint.Unfenced(Ts(300)), timeout.Token)));
            });
    }

    [Fact]
    public void A_restored_merge_decides_what_the_uninterrupted_one_does()
    {
        var random = new Random(16);
        var window = TimeSpan.FromMilliseconds(50);
        var conflicts = 0;
        var restoredHolding = 0;
        for (var round = 0; round < 50; round++)
        {
            // Two regions' streams of candidates over a few keys, in one random interleaving.
            var streams = new Dictionary<string, List<JournalRecord>> { ["a"] = [], ["b"] = [] };
            foreach (var (region, stream) in streams)
            {
                // Far enough from zero that every start is below its commit (a record the journal would refuse otherwise).
                var at = 40UL << 16;
                for (var index = 0; index < 40; index++)
                {
                    at += (ulong)random.Next(1, 4) << 16;
                    stream.Add(random.Next(4) == 0
                        ? JournalRecord.ForHeartbeat(new HybridTimestamp(at), 0, 1)
                        : Candidate(at - ((ulong)random.Next(1, 30) << 16), at, $"k{random.Next(6)}", region));
                }
                stream.Add(JournalRecord.ForHeartbeat(new HybridTimestamp(at + (1UL << 30)), 0, 1));
            }
            var order = new List<string>();
            var left = streams.ToDictionary(pair => pair.Key, pair => pair.Value.Count);
            while (left.Values.Any(count => count > 0))
            {
                var region = left.Where(pair => pair.Value > 0).ElementAt(random.Next(left.Count(pair => pair.Value > 0))).Key;
                order.Add(region);
                left[region]--;
            }
            var whole = new RegionMerge(["a", "b"], window);
            var expected = new List<RegionDecision>();
            var fed = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0 };
            foreach (var region in order)
            {
                whole.Accept(region, streams[region][fed[region]++]);
                whole.TakeDecisions(expected);
            }

            // The same, restored at every moment the merge allows, through the encoding.
            var merge = new RegionMerge(["a", "b"], window);
            var decisions = new List<RegionDecision>();
            fed = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0 };
            var restored = 0;
            foreach (var region in order)
            {
                merge.Accept(region, streams[region][fed[region]++]);
                merge.TakeDecisions(decisions);
                if (merge.Capture() is { } state)
                {
                    restoredHolding += state.Candidates.Count > 0 ? 1 : 0;
                    using var stream = new MemoryStream();
                    using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
                    {
                        state.WriteTo(writer);
                    }
                    stream.Position = 0;
                    merge = RegionMerge.Restore(RegionMergeState.ReadFrom(new BinaryReader(stream)), window);
                    restored++;
                }
            }
            Assert.True(restored > 0);
            Assert.Equal(expected.Select(Describe), decisions.Select(Describe));
            conflicts += expected.Count(decision => decision.Outcome == RegionOutcome.Conflict);
        }
        Assert.True(conflicts > 0, "no candidate was refused: the test would not see a merge that forgot its writes");
        Assert.True(restoredHolding > 0, "no merge was restored while it held a candidate");
    }

    private static string Describe(RegionDecision decision) => $"{decision.Region} {decision.Record.Commit} {decision.Outcome}";
}
