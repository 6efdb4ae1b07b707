using Log.Journal.Client;
using Log.Journal.Records;
using Xunit.Abstractions;

namespace Log.Journal.Tests;

/// <summary><see cref="QuorumJournalWriter"/> over three real journal nodes (one per region): every node holds the
/// records in append order at the acknowledged offsets; with one node gone the other two go on acknowledging; with two
/// gone appends fail saying so; and no node ever holds a record behind a hole.</summary>
public sealed class QuorumJournalNodeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static JournalClientOptions Template(string region) => new()
    {
        Region = region,
        // A node that is gone fails its appends after this, which faults its copy.
        MessageTimeoutMs = 4_000,
        RetryBackoffMs = 50,
    };

    [Fact]
    public async Task Every_node_holds_the_records_in_append_order_at_the_acknowledged_offsets_and_a_slow_one_gets_them_all()
    {
        await using var local = await TestNode.StartAsync(output);
        await using var peer = await TestNode.StartAsync(output);
        // The witness is far away: 30 ms each way. The other two make the quorum; it must still get every record.
        await using var witness = await RemoteJournalNode.StartAsync(TimeSpan.FromMilliseconds(30), output);
        var template = Template("quorum-order");
        await using var writer = QuorumJournalWriter.ForKafka(template,
            [("local", local.BootstrapServers), ("peer", peer.BootstrapServers), ("witness", witness.BootstrapServers)], required: 2);

        var records = Enumerable.Range(0, 200).Select(JournalClientTests.Commit).ToList();
        var acknowledged = await AppendAllAsync(writer, records);
        Assert.Equal(Enumerable.Range(0, records.Count).Select(index => (long)index), acknowledged);

        foreach (var bootstrap in new[] { local.BootstrapServers, peer.BootstrapServers, witness.BootstrapServers })
        {
            var held = await ReadAllAsync(template, bootstrap, records.Count);
            Assert.Equal(records.Select(record => record.TransactionId), held.Select(entry => entry.Record.TransactionId));
            Assert.Equal(acknowledged, held.Select(entry => entry.Offset));
        }
        Assert.Equal(3, writer.HealthyCopies);
        Assert.True(witness.Proxy.ConnectionsAccepted > 0);
    }

    [Fact]
    public async Task One_node_gone_leaves_the_others_acknowledging_two_gone_fail_every_append_and_no_node_has_a_hole()
    {
        await using var local = await TestNode.StartAsync(output);
        await using var peer = await TestNode.StartAsync(output);
        await using var witness = await TestNode.StartAsync(output);
        var template = Template("quorum-loss");
        var sent = new List<Guid>();
        var acknowledged = new List<long>();
        await using (var writer = QuorumJournalWriter.ForKafka(template,
                         [("local", local.BootstrapServers), ("peer", peer.BootstrapServers), ("witness", witness.BootstrapServers)], required: 2))
        {
            async Task AppendAsync(int index)
            {
                var record = JournalClientTests.Commit(index);
                sent.Add(record.TransactionId);
                acknowledged.Add(await writer.AppendAsync(0, record, CancellationToken.None));
            }

            for (var index = 0; index < 20; index++)
            {
                await AppendAsync(index);
            }

            // The witness region is lost: the two peers go on acknowledging at once (without waiting for the witness's
            // appends to time out), and the witness's copy is faulted once they do.
            await witness.Node.DisposeAsync();
            for (var index = 20; index < 40; index++)
            {
                await AppendAsync(index);
            }
            await WaitUntilAsync(() => writer.CopyFault(2) is not null);
            Assert.Null(writer.CopyFault(0));
            Assert.Null(writer.CopyFault(1));
            for (var index = 40; index < 60; index++)
            {
                await AppendAsync(index);
            }

            // The peer is lost too: no quorum is left, and the append says so rather than hanging.
            await peer.Node.DisposeAsync();
            var lost = await Assert.ThrowsAsync<JournalAppendException>(() => AppendAsync(60));
            Assert.Contains("quorum is lost", lost.Message, StringComparison.Ordinal);
            var refused = await Assert.ThrowsAsync<JournalAppendException>(() => AppendAsync(61));
            Assert.False(refused.MayHaveBeenWritten);
        }
        Assert.Equal(Enumerable.Range(0, 60).Select(index => (long)index), acknowledged);

        // Every node holds a prefix of what was sent, with no hole: the local one every acknowledged record at its offset.
        var localHeld = await ReadAllAsync(template, local.BootstrapServers, minimum: 60);
        Assert.Equal(sent.Take(localHeld.Count), localHeld.Select(entry => entry.Record.TransactionId));
        Assert.Equal(Enumerable.Range(0, localHeld.Count).Select(index => (long)index), localHeld.Select(entry => entry.Offset));
        foreach (var gone in new[] { peer, witness })
        {
            await using var reopened = await TestNode.StartAsync(output, gone.DataDirectory);
            // The peer made every quorum after the witness was gone, so it holds all 60; the witness was never waited for.
            var held = await ReadAllAsync(template, reopened.BootstrapServers, minimum: gone == peer ? 60 : 0);
            Assert.Equal(sent.Take(held.Count), held.Select(entry => entry.Record.TransactionId));
            Assert.Equal(Enumerable.Range(0, held.Count).Select(index => (long)index), held.Select(entry => entry.Offset));
        }
    }

    /// <summary>Appends through the callback, pipelined (after a first one that creates the topics), and returns the
    /// offsets in the order they were acknowledged.</summary>
    internal static async Task<List<long>> AppendAllAsync(IJournalWriter writer, IReadOnlyList<JournalRecord> records)
    {
        var acknowledged = new List<long> { await writer.AppendAsync(0, records[0], CancellationToken.None) };
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var record in records.Skip(1))
        {
            writer.Append(0, record, (offset, error) =>
            {
                lock (acknowledged)
                {
                    if (error is not null)
                    {
                        all.TrySetException(error);
                        return;
                    }
                    acknowledged.Add(offset);
                    if (acknowledged.Count == records.Count)
                    {
                        all.TrySetResult();
                    }
                }
            });
        }
        await all.Task.WaitAsync(Patience);
        return acknowledged;
    }

    /// <summary>Every record of partition 0 on one node, once it holds at least <paramref name="minimum"/>.</summary>
    private static async Task<List<JournalEntry>> ReadAllAsync(JournalClientOptions template, string bootstrapServers, int minimum)
    {
        var options = new JournalClientOptions { BootstrapServers = bootstrapServers, Region = template.Region };
        await using var reader = new KafkaJournalReader(options);
        long end = 0;
        await WaitUntilAsync(async () => (end = await reader.GetEndOffsetAsync(0, CancellationToken.None)) >= minimum);
        return end == 0 ? [] : await JournalClientTests.ReadAsync(reader, 0, 0, (int)end);
    }

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
