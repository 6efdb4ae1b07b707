using Confluent.Kafka;
using Xunit.Abstractions;

namespace Log.Journal.Tests;

/// <summary>Node-only behaviours: lost responses, and state that must survive a restart.</summary>
public sealed class JournalNodeDurabilityTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Lost_produce_responses_are_retried_without_duplicates()
    {
        var produces = 0;
        await using var node = await TestNode.StartAsync(output, configure: options =>
            // Every fifth produce is stored but its answer never arrives; librdkafka reconnects and retries.
            options.DropConnectionInsteadOfResponding = apiKey => apiKey == 0 && Interlocked.Increment(ref produces) % 5 == 0);
        Assert.Equal(0, node.Node.CreateTopic("retried", 1));
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = node.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 0,
            RetryBackoffMs = 10,
            ReconnectBackoffMs = 10,
        }).Build())
        {
            for (var index = 0; index < 30; index++)
            {
                var result = await producer.ProduceAsync(new TopicPartition("retried", 0), new Message<Null, string> { Value = $"r{index}" });
                Assert.Equal(index, result.Offset.Value);
            }
        }
        Assert.True(Volatile.Read(ref produces) >= 35, $"only {produces} produce requests: the fault was not injected");

        using var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig
        {
            BootstrapServers = node.BootstrapServers,
            GroupId = "unused",
            AutoOffsetReset = AutoOffsetReset.Error,
        }).Build();
        consumer.Assign(new TopicPartitionOffset("retried", 0, 0));
        using var timeout = new CancellationTokenSource(Patience);
        for (var index = 0; index < 30; index++)
        {
            Assert.Equal($"r{index}", consumer.Consume(timeout.Token).Message.Value);
        }
        Assert.Equal(30, consumer.QueryWatermarkOffsets(new TopicPartition("retried", 0), Patience).High.Value);
        consumer.Close();
    }

    [Fact]
    public async Task Committed_offsets_and_the_log_start_survive_a_restart()
    {
        await using var node = await TestNode.StartAsync(output);
        Assert.Equal(0, node.Node.CreateTopic("kept", 1));
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = node.BootstrapServers, EnableIdempotence = true }).Build())
        {
            for (var index = 0; index < 10; index++)
            {
                await producer.ProduceAsync(new TopicPartition("kept", 0), new Message<Null, string> { Value = $"k{index}" });
            }
        }
        var partition = new TopicPartition("kept", 0);
        using (var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig { BootstrapServers = node.BootstrapServers, GroupId = "keeper" }).Build())
        {
            consumer.Commit([new TopicPartitionOffset(partition, 7)]);
        }
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = node.BootstrapServers }).Build())
        {
            Assert.Equal(6, (await admin.DeleteRecordsAsync([new TopicPartitionOffset(partition, 6)])).Single().Offset.Value);
            // Everything: the partition is empty but keeps counting from 10 across the restart.
            Assert.Equal(10, (await admin.DeleteRecordsAsync([new TopicPartitionOffset(partition, Offset.End)])).Single().Offset.Value);
        }

        await node.RestartAsync();
        using (var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig
        {
            BootstrapServers = node.BootstrapServers,
            GroupId = "keeper",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build())
        {
            var committed = consumer.Committed([partition], Patience).Single();
            Assert.Equal(7, committed.Offset.Value);
            var watermarks = consumer.QueryWatermarkOffsets(partition, Patience);
            Assert.Equal((10L, 10L), (watermarks.Low.Value, watermarks.High.Value));
        }
        using var after = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = node.BootstrapServers, EnableIdempotence = true }).Build();
        Assert.Equal(10, (await after.ProduceAsync(partition, new Message<Null, string> { Value = "next" })).Offset.Value);
    }
}
