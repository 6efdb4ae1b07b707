using Log.Journal.Client;
using Log.Journal.Records;
using Xunit.Abstractions;

namespace Log.Journal.Tests;

/// <summary>The journal node's in-process writer (<see cref="Log.Journal.Node.InProcessJournalWriter"/>): what it appends
/// is what a Kafka client reads back, in call order, durable when acknowledged, and refused under a writer fence.</summary>
public sealed class InProcessJournalWriterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    private static JournalClientOptions Options(string region, string bootstrapServers) => TestNode.ClientOptions(region, bootstrapServers);

    [Fact]
    public async Task Appends_made_without_waiting_land_in_call_order_and_a_kafka_reader_reads_them()
    {
        await using var node = await TestNode.StartAsync(output);
        var options = Options("in-process-order", node.BootstrapServers);
        await using var writer = node.Node.WriterOf(options.Topic, partitionCount: 1);
        const int count = 200;
        var offsets = new TaskCompletionSource<long>[count];
        for (var index = 0; index < count; index++)
        {
            var done = offsets[index] = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            // Not awaited in between: many appends wait for the same flush.
            writer.Append(0, JournalClientTests.Commit(index), (offset, error) =>
            {
                if (error is null) done.SetResult(offset);
                else done.SetException(error);
            });
        }

        for (var index = 0; index < count; index++)
        {
            Assert.Equal(index, await offsets[index].Task.WaitAsync(TestTimeout));
        }
        Assert.Equal(count, await node.Node.EndOffsetsOf(options.Topic).GetEndOffsetAsync(0, CancellationToken.None));
        await using var reader = new KafkaJournalReader(options);
        var entries = await JournalClientTests.ReadAsync(reader, 0, 0, count);
        Assert.Equal(Enumerable.Range(0, count), entries.Select(entry => BitConverter.ToInt32(entry.Record.Writes[0].Key)));
    }

    [Fact]
    public async Task An_acknowledged_append_survives_a_restart()
    {
        await using var node = await TestNode.StartAsync(output);
        var topic = JournalTopics.ForRegion("in-process-durable");
        await using (var writer = node.Node.WriterOf(topic, partitionCount: 2))
        {
            Assert.Equal(0, await writer.AppendAsync(1, JournalClientTests.Commit(7), CancellationToken.None).WaitAsync(TestTimeout));
            Assert.Equal(1, await writer.AppendAsync(1, JournalClientTests.Commit(8), CancellationToken.None).WaitAsync(TestTimeout));
        }

        await node.RestartAsync();

        var options = Options("in-process-durable", node.BootstrapServers);
        await using var reader = new KafkaJournalReader(options);
        var entries = await JournalClientTests.ReadAsync(reader, 1, 0, 2);
        Assert.Equal([7, 8], entries.Select(entry => BitConverter.ToInt32(entry.Record.Writes[0].Key)));
        Assert.Equal(0, await reader.GetEndOffsetAsync(0, CancellationToken.None));
    }

    [Fact]
    public async Task A_fenced_writers_append_is_refused_as_certainly_not_written()
    {
        await using var node = await TestNode.StartAsync(output);
        var options = Options("in-process-fence", node.BootstrapServers);
        await using var writer = node.Node.WriterOf(options.Topic, partitionCount: 1);
        Assert.Equal(0, await writer.AppendAsync(0, JournalClientTests.Commit(0) with { Epoch = 5 }, CancellationToken.None).WaitAsync(TestTimeout));
        Assert.Equal(1, await JournalFenceClient.FenceAsync(node.BootstrapServers, options.Topic, 0, 10, null, 0, CancellationToken.None));

        var refused = await Assert.ThrowsAsync<JournalAppendException>(() =>
            writer.AppendAsync(0, JournalClientTests.Commit(1) with { Epoch = 5 }, CancellationToken.None).WaitAsync(TestTimeout));

        output.WriteLine(refused.Message);
        Assert.False(refused.MayHaveBeenWritten);
        Assert.Equal(1, await writer.AppendAsync(0, JournalClientTests.Commit(2) with { Epoch = 10 }, CancellationToken.None).WaitAsync(TestTimeout));
        Assert.Equal(2, await node.Node.EndOffsetsOf(options.Topic).GetEndOffsetAsync(0, CancellationToken.None));
    }

    [Fact]
    public async Task A_record_too_large_for_a_batch_is_refused_as_certainly_not_written()
    {
        await using var node = await TestNode.StartAsync(output, configure: options => options.MaxBatchBytes = 4096);
        var topic = JournalTopics.ForRegion("in-process-large");
        await using var writer = node.Node.WriterOf(topic, partitionCount: 1);
        var large = JournalClientTests.Commit(0) with { Writes = [new JournalWrite([1, 2, 3], new byte[8192])] };

        var refused = await Assert.ThrowsAsync<JournalAppendException>(() => writer.AppendAsync(0, large, CancellationToken.None).WaitAsync(TestTimeout));

        Assert.False(refused.MayHaveBeenWritten);
        Assert.Equal(0, await node.Node.EndOffsetsOf(topic).GetEndOffsetAsync(0, CancellationToken.None));
    }

    /// <summary>Appends racing the writer's stop are all answered: acknowledged and in the log, or refused as not written,
    /// none left waiting for a flush that never comes.</summary>
    [Fact]
    public async Task Appends_racing_a_stop_are_all_answered_and_the_acknowledged_ones_are_in_the_log()
    {
        await using var node = await TestNode.StartAsync(output);
        var options = Options("in-process-stop", node.BootstrapServers);
        var writer = node.Node.WriterOf(options.Topic, partitionCount: 2);
        Assert.Equal(0, await writer.AppendAsync(0, JournalClientTests.Commit(-1), CancellationToken.None).WaitAsync(TestTimeout));
        const int count = 400;
        var answers = new Task<long>[count];
        var underWay = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var appending = Task.Run(() =>
        {
            for (var index = 0; index < count; index++)
            {
                if (index == count / 4)
                {
                    underWay.SetResult();
                }
                var answer = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                answers[index] = answer.Task;
                // Both partitions: partition 1's flusher may be made only after the stop has begun.
                writer.Append(index % 2, JournalClientTests.Commit(index), (offset, error) =>
                {
                    if (error is null) answer.SetResult(offset);
                    else answer.SetException(error);
                });
            }
        });
        await underWay.Task.WaitAsync(TestTimeout);
        await writer.DisposeAsync().AsTask().WaitAsync(TestTimeout);
        await appending.WaitAsync(TestTimeout);

        var acknowledged = new[] { 1, 0 };
        for (var index = 0; index < count; index++)
        {
            try
            {
                var offset = await answers[index].WaitAsync(TestTimeout);
                Assert.Equal(acknowledged[index % 2]++, offset);
            }
            catch (JournalAppendException refused)
            {
                Assert.False(refused.MayHaveBeenWritten, refused.Message);
            }
        }
        output.WriteLine($"acknowledged {acknowledged[0] - 1} + {acknowledged[1]} of {count}");
        Assert.True(acknowledged[0] > count / 8, "the appends made before the stop began are acknowledged");
        var endOffsets = node.Node.EndOffsetsOf(options.Topic);
        Assert.Equal(acknowledged[0], await endOffsets.GetEndOffsetAsync(0, CancellationToken.None));
        Assert.Equal(acknowledged[1], await endOffsets.GetEndOffsetAsync(1, CancellationToken.None));
    }

    /// <summary>Several writers each wait for their own acknowledgement before the next append, so that nothing but an
    /// append's own flush request can make it durable: a request lost between two flushing threads (one finishing a pass
    /// as the other asks for the next) would leave its writer waiting for good.</summary>
    [Fact]
    public async Task Writers_that_each_wait_for_their_own_flush_are_all_acknowledged()
    {
        await using var node = await TestNode.StartAsync(output);
        var options = Options("in-process-flush-requests", node.BootstrapServers);
        await using var writer = node.Node.WriterOf(options.Topic, partitionCount: 1);
        const int writers = 4;
        const int appendsEach = 150;

        var offsets = await Task.WhenAll(Enumerable.Range(0, writers).Select(writerIndex => Task.Run(async () =>
        {
            var mine = new List<long>(appendsEach);
            for (var index = 0; index < appendsEach; index++)
            {
                mine.Add(await writer.AppendAsync(0, JournalClientTests.Commit(writerIndex * appendsEach + index), CancellationToken.None)
                    .WaitAsync(TestTimeout));
            }
            return mine;
        }))).WaitAsync(TestTimeout * 2);

        Assert.Equal(Enumerable.Range(0, writers * appendsEach).Select(offset => (long)offset), offsets.SelectMany(mine => mine).Order());
        Assert.Equal(writers * appendsEach, await node.Node.EndOffsetsOf(options.Topic).GetEndOffsetAsync(0, CancellationToken.None));
    }
}
