using Log.Journal.Client;
using Xunit.Abstractions;

namespace Log.Journal.Tests;

/// <summary>The journal node's in-process reader (<see cref="Log.Journal.Node.InProcessJournalReader"/>): the same records
/// at the same offsets as a Kafka client reads, from any offset (inside a batch of several records too), waiting for
/// records appended later, and an offset the partition does not hold refused.</summary>
public sealed class InProcessJournalReaderTests(ITestOutputHelper output)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    private static JournalClientOptions Options(string region, string bootstrapServers)
    {
        var options = TestNode.ClientOptions(region, bootstrapServers);
        // Appends made without waiting share batches: the reader must find records inside them.
        options.AdditionalKafkaSettings["linger.ms"] = "20";
        return options;
    }

    [Fact]
    public async Task It_reads_what_a_kafka_reader_reads_from_any_offset()
    {
        await using var node = await TestNode.StartAsync(output);
        var options = Options("in-process-read", node.BootstrapServers);
        const int count = 300;
        await using (var kafkaWriter = new KafkaJournalWriter(options))
        {
            var appended = Enumerable.Range(0, count / 2)
                .Select(index => kafkaWriter.AppendAsync(0, JournalClientTests.Commit(index), CancellationToken.None)).ToArray();
            await Task.WhenAll(appended).WaitAsync(TestTimeout);
        }
        await using (var writer = node.Node.WriterOf(options.Topic, partitionCount: 1))
        {
            for (var index = count / 2; index < count; index++)
            {
                await writer.AppendAsync(0, JournalClientTests.Commit(index), CancellationToken.None).WaitAsync(TestTimeout);
            }
        }

        await using var kafkaReader = new KafkaJournalReader(options);
        await using var reader = node.Node.ReaderOf(options.Topic);
        var expected = await JournalClientTests.ReadAsync(kafkaReader, 0, 0, count);
        Assert.Equal(count, expected.Count);
        foreach (var from in new long[] { 0, 1, 7, count / 2 - 1, count / 2, count - 1 })
        {
            var read = await JournalClientTests.ReadAsync(reader, 0, from, count - (int)from);
            Assert.Equal(expected.Skip((int)from).Select(Describe), read.Select(Describe));
        }
    }

    [Fact]
    public async Task A_read_at_the_end_waits_for_the_next_append()
    {
        await using var node = await TestNode.StartAsync(output);
        var options = Options("in-process-tail", node.BootstrapServers);
        await using var writer = node.Node.WriterOf(options.Topic, partitionCount: 1);
        Assert.Equal(0, await writer.AppendAsync(0, JournalClientTests.Commit(0), CancellationToken.None).WaitAsync(TestTimeout));
        await using var reader = node.Node.ReaderOf(options.Topic);

        var waiting = JournalClientTests.ReadAsync(reader, 0, 1, 2);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, await writer.AppendAsync(0, JournalClientTests.Commit(1), CancellationToken.None).WaitAsync(TestTimeout));
        Assert.Equal(2, await writer.AppendAsync(0, JournalClientTests.Commit(2), CancellationToken.None).WaitAsync(TestTimeout));

        var read = await waiting.WaitAsync(TestTimeout);
        Assert.Equal([1L, 2L], read.Select(entry => entry.Offset));
        Assert.Equal([1, 2], read.Select(entry => BitConverter.ToInt32(entry.Record.Writes[0].Key)));
    }

    [Fact]
    public async Task An_offset_past_the_end_is_refused()
    {
        await using var node = await TestNode.StartAsync(output);
        var options = Options("in-process-past-end", node.BootstrapServers);
        await using var writer = node.Node.WriterOf(options.Topic, partitionCount: 1);
        Assert.Equal(0, await writer.AppendAsync(0, JournalClientTests.Commit(0), CancellationToken.None).WaitAsync(TestTimeout));
        await using var reader = node.Node.ReaderOf(options.Topic);

        var refused = await Assert.ThrowsAsync<IOException>(() => JournalClientTests.ReadAsync(reader, 0, 5, 1).WaitAsync(TestTimeout));
        Assert.Contains("holds no offset 5", refused.Message, StringComparison.Ordinal);
    }

    private static string Describe(JournalEntry entry) =>
        $"{entry.Offset} {entry.Record.Kind} {entry.Record.TransactionId} {entry.Record.Commit} " +
        string.Join(",", entry.Record.Writes.Select(write => $"{Convert.ToHexString(write.Key)}={(write.Value is null ? "-" : Convert.ToHexString(write.Value))}"));
}
