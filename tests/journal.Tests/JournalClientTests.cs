using System.Diagnostics;
using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using Xunit.Abstractions;

namespace Log.Journal.Tests;

public sealed class JournalClientTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    internal static JournalRecord Commit(int index) => JournalRecord.ForCommit(
        Guid.NewGuid(),
        HybridTimestamp.From(1_000 + index, 0),
        HybridTimestamp.From(1_000 + index, 1),
        shard: 0,
        epoch: 1,
        [new JournalWrite(BitConverter.GetBytes(index), index % 3 == 0 ? null : BitConverter.GetBytes(index * 10))]);

    internal static async Task<List<JournalEntry>> ReadAsync(IJournalReader reader, int partition, long fromOffset, int count)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var entries = new List<JournalEntry>();
        await foreach (var entry in reader.ReadAsync(partition, fromOffset, timeout.Token))
        {
            entries.Add(entry);
            if (entries.Count == count)
            {
                break;
            }
        }
        return entries;
    }

    [Fact]
    public async Task Writer_and_reader_round_trip_records_in_order_with_their_offsets()
    {
        await using var node = await TestNode.StartAsync(output);
        var options = new JournalClientOptions { BootstrapServers = node.BootstrapServers, Region = "roundtrip" };
        await using var writer = new KafkaJournalWriter(options);
        await using var reader = new KafkaJournalReader(options);

        var records = Enumerable.Range(0, 50).Select(Commit).ToList();
        var offsets = new List<long>();
        foreach (var record in records)
        {
            offsets.Add(await writer.AppendAsync(0, record, CancellationToken.None));
        }
        Assert.Equal(Enumerable.Range(0, 50).Select(index => (long)index), offsets);
        Assert.Equal(50, await reader.GetEndOffsetAsync(0, CancellationToken.None));

        var entries = await ReadAsync(reader, 0, 0, 50);
        Assert.Equal(offsets, entries.Select(entry => entry.Offset));
        for (var index = 0; index < records.Count; index++)
        {
            Assert.Equal(records[index].TransactionId, entries[index].Record.TransactionId);
            Assert.Equal(records[index].Writes[0].Key, entries[index].Record.Writes[0].Key);
        }

        // From the middle, too.
        var tail = await ReadAsync(reader, 0, 37, 13);
        Assert.Equal(Enumerable.Range(37, 13).Select(index => (long)index), tail.Select(entry => entry.Offset));
        Assert.Equal(records[37].TransactionId, tail[0].Record.TransactionId);
    }

    [Fact]
    public async Task The_callback_append_reports_each_offset_in_order_once_the_record_is_durable()
    {
        await using var node = await TestNode.StartAsync(output);
        var options = new JournalClientOptions { BootstrapServers = node.BootstrapServers, Region = "callback" };
        await using var writer = new KafkaJournalWriter(options);
        await using var reader = new KafkaJournalReader(options);

        // The first append runs before the topic is known to exist (through AppendAsync); the rest are pipelined.
        var reported = new List<(long Offset, Exception? Error)>();
        var allReported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var records = Enumerable.Range(0, 20).Select(Commit).ToList();
        void OnDone(long offset, Exception? error)
        {
            lock (reported)
            {
                reported.Add((offset, error));
                if (reported.Count == records.Count) allReported.SetResult();
            }
        }
        ((IJournalWriter)writer).Append(0, records[0], OnDone);
        await WaitUntilReportedAsync(1);
        foreach (var record in records.Skip(1)) ((IJournalWriter)writer).Append(0, record, OnDone);
        await allReported.Task.WaitAsync(Patience);

        Assert.All(reported, report => Assert.Null(report.Error));
        Assert.Equal(Enumerable.Range(0, 20).Select(index => (long)index), reported.Select(report => report.Offset));
        var entries = await ReadAsync(reader, 0, 0, 20);
        Assert.Equal(records.Select(record => record.TransactionId), entries.Select(entry => entry.Record.TransactionId));

        async Task WaitUntilReportedAsync(int count)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                lock (reported) if (reported.Count >= count) return;
                Assert.True(deadline.Elapsed < Patience, "the first append was never reported");
                await Task.Delay(10);
            }
        }
    }

    [Fact]
    public async Task Callback_appends_made_before_the_topic_is_known_keep_their_order()
    {
        await using var node = await TestNode.StartAsync(output);
        var options = new JournalClientOptions { BootstrapServers = node.BootstrapServers, Region = "early" };
        await using var writer = new KafkaJournalWriter(options);
        await using var reader = new KafkaJournalReader(options);

        // Every append is made at once, while the writer is still making sure the topic exists: they must reach the
        // journal in the order they were appended, each reported with its own offset.
        var records = Enumerable.Range(0, 200).Select(Commit).ToList();
        var reported = new long[records.Count];
        var left = records.Count;
        var allReported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var index = 0; index < records.Count; index++)
        {
            var slot = index;
            ((IJournalWriter)writer).Append(0, records[index], (offset, error) =>
            {
                reported[slot] = error is null ? offset : -1;
                if (Interlocked.Decrement(ref left) == 0) allReported.SetResult();
            });
        }
        await allReported.Task.WaitAsync(Patience);

        Assert.Equal(Enumerable.Range(0, records.Count).Select(index => (long)index), reported);
        var entries = await ReadAsync(reader, 0, 0, records.Count);
        Assert.Equal(records.Select(record => record.TransactionId), entries.Select(entry => entry.Record.TransactionId));
    }

    [Fact]
    public async Task Records_and_offsets_survive_a_restart_of_the_node()
    {
        await using var node = await TestNode.StartAsync(output);
        var options = new JournalClientOptions { BootstrapServers = node.BootstrapServers, Region = "restart" };
        var records = Enumerable.Range(0, 20).Select(Commit).ToList();
        await using (var writer = new KafkaJournalWriter(options))
        {
            foreach (var record in records.Take(10))
            {
                await writer.AppendAsync(0, record, CancellationToken.None);
            }
        }

        await node.RestartAsync();
        options.BootstrapServers = node.BootstrapServers;
        await using (var writer = new KafkaJournalWriter(options))
        {
            var offsets = new List<long>();
            foreach (var record in records.Skip(10))
            {
                offsets.Add(await writer.AppendAsync(0, record, CancellationToken.None));
            }
            Assert.Equal(Enumerable.Range(10, 10).Select(index => (long)index), offsets);
        }

        await node.RestartAsync();
        options.BootstrapServers = node.BootstrapServers;
        await using var reader = new KafkaJournalReader(options);
        var entries = await ReadAsync(reader, 0, 0, 20);
        Assert.Equal(Enumerable.Range(0, 20).Select(index => (long)index), entries.Select(entry => entry.Offset));
        Assert.Equal(records.Select(record => record.TransactionId), entries.Select(entry => entry.Record.TransactionId));
    }

    [Fact]
    public async Task A_waiting_reader_sees_new_appends_quickly_and_append_latency_is_reported()
    {
        await using var node = await TestNode.StartAsync();
        var options = new JournalClientOptions { BootstrapServers = node.BootstrapServers, Region = "latency" };
        await using var writer = new KafkaJournalWriter(options);
        await using var reader = new KafkaJournalReader(options);
        await writer.AppendAsync(0, Commit(0), CancellationToken.None);

        const int Appends = 200;
        var appendLatencies = new List<double>();
        var arrivalLatencies = new List<double>();
        var appendedAt = new long[Appends + 1];
        var received = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        var readerReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var nextToAppend = new SemaphoreSlim(0);
        var reading = Task.Run(async () =>
        {
            await foreach (var entry in reader.ReadAsync(0, 0, timeout.Token))
            {
                var now = Stopwatch.GetTimestamp();
                if (entry.Offset == 0)
                {
                    readerReady.TrySetResult();
                    continue;
                }
                arrivalLatencies.Add(Stopwatch.GetElapsedTime(Volatile.Read(ref appendedAt[entry.Offset]), now).TotalMilliseconds);
                received++;
                nextToAppend.Release();
                if (received == Appends)
                {
                    return;
                }
            }
        });
        await readerReady.Task.WaitAsync(timeout.Token);
        for (var index = 1; index <= Appends; index++)
        {
            Volatile.Write(ref appendedAt[index], Stopwatch.GetTimestamp());
            var started = Stopwatch.GetTimestamp();
            var offset = await writer.AppendAsync(0, Commit(index), timeout.Token);
            appendLatencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Assert.Equal(index, offset);
            // One record in flight at a time, so that the reader is waiting when the next one comes.
            await nextToAppend.WaitAsync(timeout.Token);
        }
        await reading;
        appendLatencies.Sort();
        arrivalLatencies.Sort();
        var appendMedianMs = appendLatencies[Appends / 2];
        var arrivalMedianMs = arrivalLatencies[Appends / 2];
        output.WriteLine($"AppendAsync latency over {Appends}: median {appendMedianMs:F2} ms, p99 {appendLatencies[Appends * 99 / 100]:F2} ms");
        output.WriteLine($"Append-to-reader latency over {Appends}: median {arrivalMedianMs:F2} ms, p99 {arrivalLatencies[Appends * 99 / 100]:F2} ms");
        Assert.Equal(Appends, received);
        Assert.True(arrivalMedianMs < 200, $"a waiting reader took {arrivalMedianMs} ms (median) to see an append");
    }

    [Fact]
    public async Task Partitions_of_one_topic_are_independent_logs()
    {
        await using var node = await TestNode.StartAsync(output);
        var options = new JournalClientOptions { BootstrapServers = node.BootstrapServers, Region = "sharded", PartitionCount = 3 };
        await using var writer = new KafkaJournalWriter(options);
        await using var reader = new KafkaJournalReader(options);
        for (var index = 0; index < 9; index++)
        {
            Assert.Equal(index / 3, await writer.AppendAsync(index % 3, Commit(index), CancellationToken.None));
        }
        for (var partition = 0; partition < 3; partition++)
        {
            var entries = await ReadAsync(reader, partition, 0, 3);
            Assert.All(entries, entry => Assert.Equal(partition, entry.Partition));
            Assert.Equal([0L, 1L, 2L], entries.Select(entry => entry.Offset));
        }
    }

    [Fact]
    public async Task A_waiting_read_stops_on_cancellation_and_on_dispose()
    {
        await using var node = await TestNode.StartAsync(output);
        var options = new JournalClientOptions { BootstrapServers = node.BootstrapServers, Region = "stopping" };
        await using (var writer = new KafkaJournalWriter(options))
        {
            await writer.AppendAsync(0, Commit(0), CancellationToken.None);
        }
        var reader = new KafkaJournalReader(options);
        using (var cancel = new CancellationTokenSource())
        {
            var seen = 0;
            var reading = Task.Run(async () =>
            {
                await foreach (var entry in reader.ReadAsync(0, 0, cancel.Token))
                {
                    seen++;
                    await cancel.CancelAsync();
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading.WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(1, seen);
        }

        var waiting = Task.Run(async () =>
        {
            await foreach (var entry in reader.ReadAsync(0, 1, CancellationToken.None))
            {
                Assert.Fail("nothing was appended after offset 0");
            }
        });
        await Task.Delay(500);
        Assert.False(waiting.IsCompleted);
        await reader.DisposeAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(20)));
    }
}
