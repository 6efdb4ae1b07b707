using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Xunit.Abstractions;

namespace Log.Journal.Tests;

/// <summary>
/// What Kafka clients see, asserted the same way against every target: the journal node, and
/// (to prove that the assertions describe Kafka and not our node) librdkafka's mock cluster and a
/// real Kafka cluster when one is given or Docker is there to start one.
/// </summary>
internal static class KafkaBehaviours
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static string NewTopic(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private static Task CreateTopicAsync(IKafkaTarget target, string topic, int partitions) => target.CreateTopicAsync(topic, partitions);

    private static IProducer<string, string> Producer(IKafkaTarget target) => new ProducerBuilder<string, string>(new ProducerConfig
    {
        BootstrapServers = target.BootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = true,
        LingerMs = 0,
    }).Build();

    private static ConsumerConfig ConsumerConfig(IKafkaTarget target, string group, AutoOffsetReset reset) => new()
    {
        BootstrapServers = target.BootstrapServers,
        GroupId = group,
        EnableAutoCommit = false,
        AutoOffsetReset = reset,
        FetchWaitMaxMs = 10,
        SessionTimeoutMs = 6_000,
        HeartbeatIntervalMs = 100,
        TopicMetadataRefreshIntervalMs = 1_000,
    };

    /// <summary>An idempotent producer gets dense offsets in send order, pipelined or not; an
    /// assigned consumer reads from any offset; past the end is OFFSET_OUT_OF_RANGE.</summary>
    public static async Task ProduceAndConsumeFromExplicitOffsetsAsync(IKafkaTarget target)
    {
        var topic = NewTopic("assign");
        await CreateTopicAsync(target, topic, 1);
        using (var producer = Producer(target))
        {
            for (var index = 0; index < 20; index++)
            {
                var result = await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<string, string> { Key = $"k{index}", Value = $"v{index}" });
                Assert.Equal(index, result.Offset.Value);
            }
            var pending = Enumerable.Range(20, 100)
                .Select(index => producer.ProduceAsync(new TopicPartition(topic, 0), new Message<string, string> { Key = $"k{index}", Value = $"v{index}" }))
                .ToList();
            Assert.Equal(Enumerable.Range(20, 100).Select(index => (long)index), (await Task.WhenAll(pending)).Select(result => result.Offset.Value));
        }

        using var consumer = new ConsumerBuilder<string, string>(ConsumerConfig(target, "unused", AutoOffsetReset.Error)).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, 7));
        using var timeout = new CancellationTokenSource(Patience);
        for (var index = 7; index < 120; index++)
        {
            var result = consumer.Consume(timeout.Token);
            Assert.Equal((index, $"k{index}", $"v{index}"), (result.Offset.Value, result.Message.Key, result.Message.Value));
        }
        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), Patience);
        Assert.Equal((0L, 120L), (watermarks.Low.Value, watermarks.High.Value));

        consumer.Assign(new TopicPartitionOffset(topic, 0, 500));
        var error = Assert.Throws<ConsumeException>(() => consumer.Consume(timeout.Token));
        Assert.Equal(ErrorCode.Local_AutoOffsetReset, error.Error.Code);
        consumer.Close();
    }

    /// <summary>Two subscribers of one group split two partitions; committed offsets are where a
    /// later member of the group resumes.</summary>
    public static async Task GroupConsumersSplitPartitionsAndResumeFromCommitsAsync(IKafkaTarget target, ITestOutputHelper output)
    {
        var topic = NewTopic("group");
        var group = "group-" + Guid.NewGuid().ToString("N");
        await CreateTopicAsync(target, topic, 2);
        using var producer = Producer(target);
        for (var index = 0; index < 20; index++)
        {
            await producer.ProduceAsync(new TopicPartition(topic, index % 2), new Message<string, string> { Key = $"k{index}", Value = $"v{index}" });
        }

        var seen = new HashSet<(int Partition, long Offset)>();
        using (var first = new ConsumerBuilder<string, string>(ConsumerConfig(target, group, AutoOffsetReset.Earliest)).Build())
        using (var second = new ConsumerBuilder<string, string>(ConsumerConfig(target, group, AutoOffsetReset.Earliest)).Build())
        {
            first.Subscribe(topic);
            second.Subscribe(topic);
            using var timeout = new CancellationTokenSource(Patience);
            // Both own a share (the mock cluster's topics have 4 partitions, the node's 2).
            while (seen.Count < 20 || first.Assignment.Count == 0 || second.Assignment.Count == 0)
            {
                timeout.Token.ThrowIfCancellationRequested();
                foreach (var consumer in new[] { first, second })
                {
                    var result = consumer.Consume(TimeSpan.FromMilliseconds(50));
                    if (result is { IsPartitionEOF: false })
                    {
                        seen.Add((result.Partition.Value, result.Offset.Value));
                    }
                }
            }
            output.WriteLine($"first has {string.Join(",", first.Assignment)}, second has {string.Join(",", second.Assignment)}");
            // Disjoint shares: each partition has exactly one owner.
            Assert.Empty(first.Assignment.Intersect(second.Assignment));
            foreach (var consumer in new[] { first, second })
            {
                var commits = consumer.Assignment
                    .Where(partition => partition.Partition.Value < 2)
                    .Select(partition => new TopicPartitionOffset(partition, 10))
                    .ToList();
                if (commits.Count > 0)
                {
                    consumer.Commit(commits);
                    Assert.All(consumer.Committed(commits.Select(commit => commit.TopicPartition), Patience),
                        committed => Assert.Equal(10, committed.Offset.Value));
                }
            }
            first.Close();
            second.Close();
        }
        Assert.Equal(20, seen.Count);

        await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<string, string> { Key = "late0", Value = "late" });
        await producer.ProduceAsync(new TopicPartition(topic, 1), new Message<string, string> { Key = "late1", Value = "late" });
        using var later = new ConsumerBuilder<string, string>(ConsumerConfig(target, group, AutoOffsetReset.Earliest)).Build();
        later.Subscribe(topic);
        using var laterTimeout = new CancellationTokenSource(Patience);
        var resumed = new List<(int Partition, long Offset, string Key)>();
        while (resumed.Count < 2)
        {
            var result = later.Consume(laterTimeout.Token);
            resumed.Add((result.Partition.Value, result.Offset.Value, result.Message.Key));
        }
        Assert.Equal([(0, 10L, "late0"), (1, 10L, "late1")], resumed.OrderBy(entry => entry.Partition));
        later.Close();
    }

    /// <summary>DeleteRecords moves the low watermark: earliest follows it, below it is out of range.</summary>
    public static async Task DeleteRecordsMovesTheLogStartAsync(IKafkaTarget target)
    {
        var topic = NewTopic("truncate");
        await CreateTopicAsync(target, topic, 1);
        using (var producer = Producer(target))
        {
            for (var index = 0; index < 10; index++)
            {
                await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<string, string> { Key = $"k{index}", Value = $"v{index}" });
            }
        }
        using (var admin = target.CreateAdminClient())
        {
            var deleted = await admin.DeleteRecordsAsync([new TopicPartitionOffset(topic, 0, 4)]);
            Assert.Equal(4, deleted.Single().Offset.Value);
            await Assert.ThrowsAsync<DeleteRecordsException>(() => admin.DeleteRecordsAsync([new TopicPartitionOffset(topic, 0, 11)]));
        }
        using var consumer = new ConsumerBuilder<string, string>(ConsumerConfig(target, "unused", AutoOffsetReset.Earliest)).Build();
        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), Patience);
        Assert.Equal((4L, 10L), (watermarks.Low.Value, watermarks.High.Value));
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        using var timeout = new CancellationTokenSource(Patience);
        Assert.Equal("k4", consumer.Consume(timeout.Token).Message.Key);
        consumer.Close();
    }
}

public sealed class JournalNodeBehaviourTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Produce_and_consume_from_explicit_offsets()
    {
        await using var target = await JournalNodeTarget.StartAsync(output);
        await KafkaBehaviours.ProduceAndConsumeFromExplicitOffsetsAsync(target);
    }

    [Fact]
    public async Task Group_consumers_split_partitions_and_resume_from_commits()
    {
        await using var target = await JournalNodeTarget.StartAsync(output);
        await KafkaBehaviours.GroupConsumersSplitPartitionsAndResumeFromCommitsAsync(target, output);
    }

    [Fact]
    public async Task Delete_records_moves_the_log_start()
    {
        await using var target = await JournalNodeTarget.StartAsync(output);
        await KafkaBehaviours.DeleteRecordsMovesTheLogStartAsync(target);
    }
}

public sealed class MockClusterBehaviourTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Produce_and_consume_from_explicit_offsets()
    {
        await using var target = MockClusterTarget.Start();
        output.WriteLine($"{target.Name} at {target.BootstrapServers}");
        await KafkaBehaviours.ProduceAndConsumeFromExplicitOffsetsAsync(target);
    }

    [Fact]
    public async Task Group_consumers_split_partitions_and_resume_from_commits()
    {
        await using var target = MockClusterTarget.Start();
        await KafkaBehaviours.GroupConsumersSplitPartitionsAndResumeFromCommitsAsync(target, output);
    }

    [Fact(Skip = "librdkafka's mock cluster (2.16) answers DeleteRecords with 'Required feature not supported by broker'; the node and real-Kafka variants run it.")]
    public async Task Delete_records_moves_the_log_start()
    {
        await using var target = MockClusterTarget.Start();
        await KafkaBehaviours.DeleteRecordsMovesTheLogStartAsync(target);
    }
}

public sealed class RealKafkaBehaviourTests(ITestOutputHelper output)
{
    private static RealKafkaTarget Target() => new(RealKafkaTarget.Configured!);

    [RealKafkaFact]
    public async Task Produce_and_consume_from_explicit_offsets() => await KafkaBehaviours.ProduceAndConsumeFromExplicitOffsetsAsync(Target());

    [RealKafkaFact]
    public async Task Group_consumers_split_partitions_and_resume_from_commits() =>
        await KafkaBehaviours.GroupConsumersSplitPartitionsAndResumeFromCommitsAsync(Target(), output);

    [RealKafkaFact]
    public async Task Delete_records_moves_the_log_start() => await KafkaBehaviours.DeleteRecordsMovesTheLogStartAsync(Target());
}

public sealed class TestcontainersKafkaBehaviourTests(ITestOutputHelper output)
{
    [DockerFact]
    public async Task Produce_and_consume_from_explicit_offsets()
    {
        await using var target = await TestcontainersKafkaTarget.StartAsync();
        output.WriteLine($"{target.Name} at {target.BootstrapServers}");
        await KafkaBehaviours.ProduceAndConsumeFromExplicitOffsetsAsync(target);
    }

    [DockerFact]
    public async Task Group_consumers_split_partitions_and_resume_from_commits()
    {
        await using var target = await TestcontainersKafkaTarget.StartAsync();
        await KafkaBehaviours.GroupConsumersSplitPartitionsAndResumeFromCommitsAsync(target, output);
    }

    [DockerFact]
    public async Task Delete_records_moves_the_log_start()
    {
        await using var target = await TestcontainersKafkaTarget.StartAsync();
        await KafkaBehaviours.DeleteRecordsMovesTheLogStartAsync(target);
    }
}
