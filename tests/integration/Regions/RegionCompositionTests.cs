using System.Text;
using Log.Adjudicator;
using Log.Journal.Records;
using Log.Journal.Time;
using Log.StorageNode;

namespace Log.Integration.Tests.Regions;

/// <summary>
/// Two peered regions and a witness in one process (adjudicator/README.md, "Regions"), with a one-way delay between
/// regions: concurrent writers of one row in two regions, a read in one region after a commit acknowledged in the
/// other, and a bank running in both regions at once.
/// </summary>
public sealed class RegionCompositionTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);

    internal static byte[] Key(string text) => Encoding.UTF8.GetBytes(text);

    internal static JournalWrite Write(string key, string value) => new(Key(key), Encoding.UTF8.GetBytes(value));

    internal static async Task<string?> ReadAsync(TwoRegionsAndWitness.Region region, string key, HybridTimestamp at, CancellationToken cancellationToken)
    {
        var value = await region.Storage.GetAsync(Key(key), ReadPoint.Unfenced(at), cancellationToken);
        return value is null ? null : Encoding.UTF8.GetString(value);
    }

    [Fact]
    public async Task Concurrent_writers_of_one_row_in_two_regions_one_commits_and_the_other_gets_a_conflict()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var cluster = await TwoRegionsAndWitness.StartAsync(timeout.Token);
        var (a, b) = (cluster.Regions["a"], cluster.Regions["b"]);
        for (var round = 0; round < 5; round++)
        {
            var row = $"row {round}";
            // Both snapshots are taken before either commit is proposed, so the two writers are concurrent.
            var startA = a.Clock.Now();
            var startB = b.Clock.Now();
            var commits = await Task.WhenAll(
                a.Adjudicator.CommitAsync(new CommitRequest(Guid.NewGuid(), startA, [Write(row, "from a")], []), timeout.Token),
                b.Adjudicator.CommitAsync(new CommitRequest(Guid.NewGuid(), startB, [Write(row, "from b")], []), timeout.Token));
            var outcomes = commits.Select(commit => commit.Outcome).Order().ToList();
            Assert.Equal([CommitOutcome.Committed, CommitOutcome.DataConflict], outcomes);
            var winner = commits[0].Outcome == CommitOutcome.Committed ? "from a" : "from b";
            var at = HybridTimestamp.Max(a.Clock.Now(), b.Clock.Now());
            Assert.Equal(winner, await ReadAsync(a, row, at, timeout.Token));
            Assert.Equal(winner, await ReadAsync(b, row, at, timeout.Token));
        }
    }

    [Fact]
    public async Task A_second_writer_in_the_same_region_is_refused_locally_without_a_record()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var cluster = await TwoRegionsAndWitness.StartAsync(timeout.Token);
        var a = cluster.Regions["a"];
        var start = a.Clock.Now();
        var first = a.Adjudicator.CommitAsync(new CommitRequest(Guid.NewGuid(), start, [Write("row", "first")], []), timeout.Token);
        var secondId = Guid.NewGuid();
        var second = await a.Adjudicator.CommitAsync(new CommitRequest(secondId, start, [Write("row", "second")], []), timeout.Token);
        Assert.Equal(CommitOutcome.DataConflict, second.Outcome);
        Assert.Equal(CommitOutcome.Committed, (await first).Outcome);
        // Refused before any region heard of it: no candidate of it in the region's topic.
        Assert.DoesNotContain(await TwoRegionsAndWitness.RecordsOfAsync(cluster.CopyOf("a", "a"), timeout.Token), record => record.TransactionId == secondId);
    }

    [Fact]
    public async Task A_read_in_one_region_after_a_commit_acknowledged_in_the_other_sees_it()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var cluster = await TwoRegionsAndWitness.StartAsync(timeout.Token);
        var (a, b) = (cluster.Regions["a"], cluster.Regions["b"]);
        for (var round = 0; round < 10; round++)
        {
            var (writer, reader) = round % 2 == 0 ? (a, b) : (b, a);
            var value = $"round {round}";
            var result = await writer.Adjudicator.CommitAsync(new CommitRequest(Guid.NewGuid(), writer.Clock.Now(), [Write("the row", value)], []), timeout.Token);
            Assert.Equal(CommitOutcome.Committed, result.Outcome);
            // Commit wait: once acknowledged, the other region's clock (the same machine's here) is past the commit.
            var start = reader.Clock.Now();
            Assert.True(start > result.CommitTimestamp, $"a snapshot taken after the acknowledgement, {start}, is not after the commit {result.CommitTimestamp}");
            Assert.Equal(value, await ReadAsync(reader, "the row", start, timeout.Token));
        }
    }

    [Fact]
    public async Task A_bank_in_both_regions_keeps_its_total_and_every_acknowledged_transfer_reaches_both()
    {
        const int Accounts = 6;
        const int Initial = 100;
        const int TransfersPerWorker = 25;
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var cluster = await TwoRegionsAndWitness.StartAsync(timeout.Token);
        var (a, b) = (cluster.Regions["a"], cluster.Regions["b"]);
        var opening = await a.Adjudicator.CommitAsync(new CommitRequest(Guid.NewGuid(), a.Clock.Now(),
            [.. Enumerable.Range(0, Accounts).Select(account => Write($"account {account}", Initial.ToString()))], []), timeout.Token);
        Assert.Equal(CommitOutcome.Committed, opening.Outcome);

        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
        var refused = new System.Collections.Concurrent.ConcurrentBag<string>();
        var snapshotsChecked = 0;
        using var stopReaders = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);

        async Task TransferAsync(TwoRegionsAndWitness.Region region, int seed)
        {
            var random = new Random(seed);
            for (var done = 0; done < TransfersPerWorker;)
            {
                var from = random.Next(Accounts);
                var to = (from + 1 + random.Next(Accounts - 1)) % Accounts;
                var start = region.Clock.Now();
                var fromBalance = int.Parse((await ReadAsync(region, $"account {from}", start, timeout.Token))!);
                var toBalance = int.Parse((await ReadAsync(region, $"account {to}", start, timeout.Token))!);
                var amount = random.Next(1, 20);
                var transfer = $"transfer {region.Name} {seed} {done} {Guid.NewGuid():N}";
                var result = await region.Adjudicator.CommitAsync(new CommitRequest(Guid.NewGuid(), start,
                    [Write($"account {from}", (fromBalance - amount).ToString()), Write($"account {to}", (toBalance + amount).ToString()), Write(transfer, "done")], []),
                    timeout.Token);
                if (result.Outcome == CommitOutcome.Committed)
                {
                    acknowledged.Add(transfer);
                    done++;
                }
                else
                {
                    Assert.Equal(CommitOutcome.DataConflict, result.Outcome);
                    refused.Add(transfer);
                }
            }
        }

        async Task CheckSnapshotsAsync(TwoRegionsAndWitness.Region region)
        {
            while (!stopReaders.IsCancellationRequested)
            {
                var start = region.Clock.Now();
                var total = 0;
                for (var account = 0; account < Accounts; account++)
                {
                    total += int.Parse((await ReadAsync(region, $"account {account}", start, timeout.Token))!);
                }
                Assert.Equal(Accounts * Initial, total);
                Interlocked.Increment(ref snapshotsChecked);
                try
                {
                    await Task.Delay(5, stopReaders.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        var readers = new[] { CheckSnapshotsAsync(a), CheckSnapshotsAsync(b) };
        await Task.WhenAll(TransferAsync(a, 1), TransferAsync(a, 2), TransferAsync(b, 3), TransferAsync(b, 4));
        await stopReaders.CancelAsync();
        await Task.WhenAll(readers);
        Assert.True(snapshotsChecked > 0, "no snapshot was checked");

        var end = HybridTimestamp.Max(a.Clock.Now(), b.Clock.Now());
        foreach (var region in new[] { a, b })
        {
            var total = 0;
            for (var account = 0; account < Accounts; account++)
            {
                total += int.Parse((await ReadAsync(region, $"account {account}", end, timeout.Token))!);
            }
            Assert.Equal(Accounts * Initial, total);
            foreach (var transfer in acknowledged)
            {
                Assert.Equal("done", await ReadAsync(region, transfer, end, timeout.Token));
            }
            foreach (var transfer in refused)
            {
                Assert.Null(await ReadAsync(region, transfer, end, timeout.Token));
            }
        }
        Assert.Equal(4 * TransfersPerWorker, acknowledged.Count);
        Assert.Equal(a.Storage.ComputeStateDigest(end), b.Storage.ComputeStateDigest(end));
    }

    [Fact]
    public async Task A_lost_region_holds_decisions_until_its_topic_is_sealed_and_nothing_it_acknowledged_is_lost()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var cluster = await TwoRegionsAndWitness.StartAsync(timeout.Token);
        var (a, b) = (cluster.Regions["a"], cluster.Regions["b"]);
        for (var row = 0; row < 3; row++)
        {
            var result = await b.Adjudicator.CommitAsync(new CommitRequest(Guid.NewGuid(), b.Clock.Now(), [Write($"b row {row}", "b")], []), timeout.Token);
            Assert.Equal(CommitOutcome.Committed, result.Outcome);
        }
        await cluster.LoseAsync("b");

        // b's last append reached the witness and not a: two of three held it, so b may have acknowledged it.
        var witnessCopy = cluster.CopyOf("w", "b");
        var promisedByB = (await TwoRegionsAndWitness.RecordsOfAsync(witnessCopy, timeout.Token)).Max(record => Math.Max(record.CommitTimestamp, record.ClosedTimestamp));
        await witnessCopy.AppendAsync(0, JournalRecord.ForCommit(Guid.NewGuid(), new HybridTimestamp(promisedByB), new HybridTimestamp(promisedByB + 1), 0, 1,
            [Write("only on the witness", "b")]), timeout.Token);

        // With b silent, a's candidate cannot be decided: b's closed timestamp stays below it.
        var transactionId = Guid.NewGuid();
        var blocked = a.Adjudicator.CommitAsync(new CommitRequest(transactionId, a.Clock.Now(), [Write("a row", "a")], []), timeout.Token);
        JournalRecord? candidate = null;
        while (candidate is null)
        {
            candidate = (await TwoRegionsAndWitness.RecordsOfAsync(cluster.CopyOf("a", "a"), timeout.Token))
                .FirstOrDefault(record => record.TransactionId == transactionId);
            await Task.Delay(5, timeout.Token);
        }
        Assert.True(candidate.CommitTimestamp > promisedByB, "a proposed below b's last promise; the test would not show a held decision");
        Assert.True(a.Adjudicator.Released.Value <= promisedByB, $"a released {a.Adjudicator.Released} past b's last promise {new HybridTimestamp(promisedByB)}");
        Assert.False(blocked.IsCompleted);

        await cluster.SealAsync("b", epoch: 2, timeout.Token);
        Assert.Equal(CommitOutcome.Committed, (await blocked).Outcome);

        // b's writer, still alive somewhere, appends after the seal: fenced, it changes nothing.
        var zombieCommit = a.Clock.Now();
        await cluster.CopyOf("a", "b").AppendAsync(0, JournalRecord.ForCommit(Guid.NewGuid(), zombieCommit, zombieCommit.Next(), 0, 1,
            [Write("zombie", "b")]), timeout.Token);
        var after = await a.Adjudicator.CommitAsync(new CommitRequest(Guid.NewGuid(), a.Clock.Now(), [Write("a row after", "a")], []), timeout.Token);
        Assert.Equal(CommitOutcome.Committed, after.Outcome);

        var at = a.Clock.Now();
        for (var row = 0; row < 3; row++)
        {
            Assert.Equal("b", await ReadAsync(a, $"b row {row}", at, timeout.Token));
        }
        Assert.Equal("b", await ReadAsync(a, "only on the witness", at, timeout.Token));
        Assert.Equal("a", await ReadAsync(a, "a row", at, timeout.Token));
        Assert.Equal("a", await ReadAsync(a, "a row after", at, timeout.Token));
        Assert.Null(await ReadAsync(a, "zombie", at, timeout.Token));
    }

    [Fact]
    public async Task A_survivor_seals_a_silent_region_only_with_the_witness_and_then_answers_the_commits_that_waited()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var cluster = await TwoRegionsAndWitness.StartAsync(timeout.Token, failoverTimeout: TimeSpan.FromMilliseconds(200));
        // Until the test says so the witness refuses every fence, so no stall of this loaded machine seals b early.
        cluster.WitnessReachable = false;
        var (a, b) = (cluster.Regions["a"], cluster.Regions["b"]);
        var before = await b.Adjudicator.CommitAsync(new CommitRequest(Guid.NewGuid(), b.Clock.Now(), [Write("b before", "b")], []), timeout.Token);
        Assert.Equal(CommitOutcome.Committed, before.Outcome);

        // b goes silent while the witness cannot be reached: a tries to seal and cannot, so its commit waits.
        await cluster.LoseAsync("b");
        var promisedByB = (await TwoRegionsAndWitness.RecordsOfAsync(cluster.CopyOf("a", "b"), timeout.Token))
            .Max(record => Math.Max(record.CommitTimestamp, record.ClosedTimestamp));
        while (a.Clock.Now().Value <= promisedByB)
        {
            await Task.Delay(5, timeout.Token);
        }
        var waiting = a.Adjudicator.CommitAsync(new CommitRequest(Guid.NewGuid(), a.Clock.Now(), [Write("a during", "a")], []), timeout.Token);
        var attemptsBefore = a.Adjudicator.SealAttempts;
        while (a.Adjudicator.SealAttempts < attemptsBefore + 2)
        {
            await Task.Delay(10, timeout.Token);
        }
        Assert.Equal(0, a.Adjudicator.SealsDone);
        Assert.False(waiting.IsCompleted);
        Assert.DoesNotContain(await TwoRegionsAndWitness.RecordsOfAsync(cluster.CopyOf("a", "b"), timeout.Token),
            record => record.Kind == JournalRecordKind.RegionSeal);

        // The witness answers again: a seals b on both survivors' copies, at one offset, and answers the commit.
        cluster.WitnessReachable = true;
        Assert.Equal(CommitOutcome.Committed, (await waiting).Outcome);
        while (a.Adjudicator.SealsDone == 0)
        {
            await Task.Delay(10, timeout.Token);
        }
        var onA = await TwoRegionsAndWitness.RecordsOfAsync(cluster.CopyOf("a", "b"), timeout.Token);
        var onW = await TwoRegionsAndWitness.RecordsOfAsync(cluster.CopyOf("w", "b"), timeout.Token);
        Assert.Equal(JournalRecordKind.RegionSeal, onA[^1].Kind);
        Assert.Equal(onA.Select(record => record.TransactionId), onW.Select(record => record.TransactionId));
        Assert.True(onA[^1].Epoch > onA.Max(record => record.Kind == JournalRecordKind.RegionSeal ? 0 : record.Epoch));
        Assert.Equal(onA[^1].Epoch, cluster.FenceOf("w", "b"));
        var at = a.Clock.Now();
        Assert.Equal("b", await ReadAsync(a, "b before", at, timeout.Token));
        Assert.Equal("a", await ReadAsync(a, "a during", at, timeout.Token));
    }
}
