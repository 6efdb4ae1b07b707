using System.Text;
using Confluent.Kafka;
using Log.Journal.Node.Protocol;
using ErrorCode = Log.Journal.Node.Protocol.ErrorCode;
using Xunit.Abstractions;

namespace Log.Journal.Tests;

public sealed class JournalNodeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Confluent_producer_and_consumer_round_trip_through_the_node()
    {
        await using var node = await TestNode.StartAsync(output);
        const string Topic = "plain-kafka";
        var producerConfig = new ProducerConfig
        {
            BootstrapServers = node.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 0,
        };
        using (var producer = new ProducerBuilder<string, string>(producerConfig).Build())
        {
            for (var index = 0; index < 30; index++)
            {
                var result = await producer.ProduceAsync(Topic, new Message<string, string> { Key = $"k{index}", Value = $"value {index}" });
                Assert.Equal(PersistenceStatus.Persisted, result.Status);
                Assert.Equal(index, result.Offset.Value);
            }
            // Many in flight at once: offsets stay dense and in order.
            var pending = Enumerable.Range(30, 200)
                .Select(index => producer.ProduceAsync(Topic, new Message<string, string> { Key = $"k{index}", Value = $"value {index}" }))
                .ToList();
            var offsets = (await Task.WhenAll(pending)).Select(result => result.Offset.Value).ToList();
            Assert.Equal(Enumerable.Range(30, 200).Select(index => (long)index), offsets);
        }

        var consumerConfig = new ConsumerConfig
        {
            BootstrapServers = node.BootstrapServers,
            GroupId = "unused",
            EnableAutoCommit = false,
            FetchWaitMaxMs = 10,
        };
        using var consumer = new ConsumerBuilder<string, string>(consumerConfig).Build();
        consumer.Assign(new TopicPartitionOffset(Topic, 0, 5));
        using var timeout = new CancellationTokenSource(Patience);
        for (var index = 5; index < 230; index++)
        {
            var result = consumer.Consume(timeout.Token);
            Assert.Equal(index, result.Offset.Value);
            Assert.Equal($"k{index}", result.Message.Key);
            Assert.Equal($"value {index}", result.Message.Value);
        }
        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(Topic, 0), Patience);
        Assert.Equal(0, watermarks.Low.Value);
        Assert.Equal(230, watermarks.High.Value);
        consumer.Close();
    }

    /// <summary>
    /// Many producers (one connection each) write to one partition at once, with pages and
    /// segments small enough that the log crosses many of both: flushes run on the connections'
    /// threads and take each other's batches (group commit), FASTER's memory fills and waits for
    /// page writes. Every record is acknowledged once, at a distinct offset, offsets are dense,
    /// each producer's records keep their order, and a consumer reads them all back.
    /// </summary>
    [Fact]
    public async Task Producers_on_many_connections_share_one_partition_and_lose_nothing()
    {
        const int Producers = 6;
        const int RecordsEach = 600;
        await using var node = await TestNode.StartAsync(output, configure: options =>
        {
            options.LogPageSizeBits = 16;
            options.LogMemorySizeBits = 17;
            options.LogSegmentSizeBits = 18;
            options.MaxBatchBytes = 32 * 1024;
        });
        const string Topic = "shared";
        Assert.Equal(0, node.Node.CreateTopic(Topic, 1));
        var value = new byte[300];
        var producers = Enumerable.Range(0, Producers).Select(_ => new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = node.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 1,
            BatchSize = 16 * 1024,
        }).Build()).ToList();
        List<List<long>> offsets;
        try
        {
            offsets = [.. await Task.WhenAll(producers.Select((producer, number) => Task.Run(async () =>
            {
                var pending = Enumerable.Range(0, RecordsEach)
                    .Select(index => producer.ProduceAsync(Topic, new Message<string, byte[]> { Key = $"{number}:{index}", Value = value }))
                    .ToList();
                return (await Task.WhenAll(pending)).Select(result => result.Offset.Value).ToList();
            })))];
        }
        finally
        {
            producers.ForEach(producer => producer.Dispose());
        }
        foreach (var own in offsets)
        {
            Assert.Equal(own.Order(), own);
        }
        Assert.Equal(Enumerable.Range(0, Producers * RecordsEach).Select(offset => (long)offset), offsets.SelectMany(own => own).Order());

        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = node.BootstrapServers,
            GroupId = "unused",
            EnableAutoCommit = false,
            FetchWaitMaxMs = 10,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(Topic, 0, 0));
        using var timeout = new CancellationTokenSource(Patience);
        var next = new int[Producers];
        for (var offset = 0; offset < Producers * RecordsEach; offset++)
        {
            var result = consumer.Consume(timeout.Token);
            Assert.Equal(offset, result.Offset.Value);
            var key = result.Message.Key.Split(':');
            var number = int.Parse(key[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(next[number]++, int.Parse(key[1], System.Globalization.CultureInfo.InvariantCulture));
        }
        Assert.All(next, count => Assert.Equal(RecordsEach, count));
        consumer.Close();

        // The log spans several segments and pages: all of it opens again.
        await node.RestartAsync(options =>
        {
            options.LogPageSizeBits = 16;
            options.LogMemorySizeBits = 17;
            options.LogSegmentSizeBits = 18;
            options.MaxBatchBytes = 32 * 1024;
        });
        Assert.True(Directory.GetFiles(Path.Combine(node.DataDirectory, Topic, "0"), "batches.log.*").Length > 2, "the log should span several segments");
        using var reopened = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = node.BootstrapServers,
            GroupId = "unused",
            EnableAutoCommit = false,
            FetchWaitMaxMs = 10,
        }).Build();
        var watermarks = reopened.QueryWatermarkOffsets(new TopicPartition(Topic, 0), Patience);
        Assert.Equal(Producers * RecordsEach, watermarks.High.Value);
        reopened.Assign(new TopicPartitionOffset(Topic, 0, (Producers * RecordsEach) - 1));
        Assert.Equal((Producers * RecordsEach) - 1, reopened.Consume(timeout.Token).Offset.Value);
        reopened.Close();
    }

    [Fact]
    public async Task A_batch_with_a_bad_crc_is_refused_and_the_partition_keeps_working()
    {
        await using var node = await TestNode.StartAsync(output);
        Assert.Equal(ErrorCode.None, node.Node.CreateTopic("crc", 1));
        await using var connection = await RawKafkaConnection.OpenAsync(node.Node.Port);

        var good = RawKafkaConnection.Batch(Encoding.UTF8.GetBytes("first"));
        var response = await connection.RequestAsync((short)ApiKey.Produce, 3, RawKafkaConnection.ProduceBody("crc", 0, good));
        Assert.Equal((ErrorCode.None, 0L), RawKafkaConnection.ReadProduceResponse(response));

        var corrupt = RawKafkaConnection.Batch(Encoding.UTF8.GetBytes("flipped"));
        corrupt[^3] ^= 0x40;
        response = await connection.RequestAsync((short)ApiKey.Produce, 3, RawKafkaConnection.ProduceBody("crc", 0, corrupt));
        Assert.Equal(ErrorCode.CorruptMessage, RawKafkaConnection.ReadProduceResponse(response).Error);

        // Same connection, same partition: still healthy, and the refused batch took no offset.
        var next = RawKafkaConnection.Batch(Encoding.UTF8.GetBytes("second"));
        response = await connection.RequestAsync((short)ApiKey.Produce, 3, RawKafkaConnection.ProduceBody("crc", 0, next));
        Assert.Equal((ErrorCode.None, 1L), RawKafkaConnection.ReadProduceResponse(response));

        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = node.BootstrapServers,
            GroupId = "unused",
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(new TopicPartitionOffset("crc", 0, 0));
        using var timeout = new CancellationTokenSource(Patience);
        Assert.Equal("first", consumer.Consume(timeout.Token).Message.Value);
        Assert.Equal("second", consumer.Consume(timeout.Token).Message.Value);
        consumer.Close();
    }

    [Fact]
    public async Task Idempotent_retries_get_their_original_offset_and_gaps_are_refused()
    {
        await using var node = await TestNode.StartAsync(output);
        Assert.Equal(ErrorCode.None, node.Node.CreateTopic("idempotent", 1));
        await using var connection = await RawKafkaConnection.OpenAsync(node.Node.Port);
        const long ProducerId = 77;

        var first = RawKafkaConnection.Batch([1], ProducerId, 0, 0);
        var second = RawKafkaConnection.Batch([2], ProducerId, 0, 1);
        var response = await connection.RequestAsync((short)ApiKey.Produce, 3, RawKafkaConnection.ProduceBody("idempotent", 0, first));
        Assert.Equal((ErrorCode.None, 0L), RawKafkaConnection.ReadProduceResponse(response));
        response = await connection.RequestAsync((short)ApiKey.Produce, 3, RawKafkaConnection.ProduceBody("idempotent", 0, second));
        Assert.Equal((ErrorCode.None, 1L), RawKafkaConnection.ReadProduceResponse(response));

        // A retry of the first: acknowledged with offset 0 again, not stored twice.
        response = await connection.RequestAsync((short)ApiKey.Produce, 3, RawKafkaConnection.ProduceBody("idempotent", 0, first));
        Assert.Equal((ErrorCode.None, 0L), RawKafkaConnection.ReadProduceResponse(response));

        var gap = RawKafkaConnection.Batch([4], ProducerId, 0, 3);
        response = await connection.RequestAsync((short)ApiKey.Produce, 3, RawKafkaConnection.ProduceBody("idempotent", 0, gap));
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, RawKafkaConnection.ReadProduceResponse(response).Error);

        // The producer state is rebuilt from the log: after a restart the retry is still recognised.
        await node.RestartAsync();
        await using var again = await RawKafkaConnection.OpenAsync(node.Node.Port);
        response = await again.RequestAsync((short)ApiKey.Produce, 3, RawKafkaConnection.ProduceBody("idempotent", 0, second));
        Assert.Equal((ErrorCode.None, 1L), RawKafkaConnection.ReadProduceResponse(response));
        var third = RawKafkaConnection.Batch([3], ProducerId, 0, 2);
        response = await again.RequestAsync((short)ApiKey.Produce, 3, RawKafkaConnection.ProduceBody("idempotent", 0, third));
        Assert.Equal((ErrorCode.None, 2L), RawKafkaConnection.ReadProduceResponse(response));
    }

    [Theory]
    [InlineData("huge size")]
    [InlineData("negative size")]
    [InlineData("unknown api")]
    [InlineData("truncated body")]
    public async Task A_garbage_request_closes_only_its_own_connection(string garbage)
    {
        await using var node = await TestNode.StartAsync(output, configure: options => options.MaxRequestBytes = 1024 * 1024);
        await using var healthy = await RawKafkaConnection.OpenAsync(node.Node.Port);
        await using var broken = await RawKafkaConnection.OpenAsync(node.Node.Port);
        Assert.NotEmpty(await healthy.RequestAsync((short)ApiKey.ApiVersions, 0, []));

        byte[] bytes = garbage switch
        {
            "huge size" => [.. RawKafkaConnection.BigEndian32(64 * 1024 * 1024), 0, 1, 2, 3],
            "negative size" => [.. RawKafkaConnection.BigEndian32(-5), 0, 1, 2, 3],
            "unknown api" => [.. RawKafkaConnection.BigEndian32(10), .. RawKafkaConnection.BigEndian16(999), 0, 0, 0, 0, 0, 1, 255, 255],
            // A Metadata v1 request whose topic array claims 1000 topics in 4 bytes.
            _ => [.. RawKafkaConnection.BigEndian32(14), .. RawKafkaConnection.BigEndian16(3), 0, 1, 0, 0, 0, 9, 255, 255, .. RawKafkaConnection.BigEndian32(1000)],
        };
        await broken.SendRawAsync(bytes);
        Assert.Null(await broken.ReadFrameAsync());

        // The other connection and new ones still work.
        Assert.NotEmpty(await healthy.RequestAsync((short)ApiKey.ApiVersions, 0, []));
        await using var fresh = await RawKafkaConnection.OpenAsync(node.Node.Port);
        Assert.NotEmpty(await fresh.RequestAsync((short)ApiKey.ApiVersions, 2, []));
    }

    [Fact]
    public async Task An_unsupported_api_versions_request_is_answered_with_version_0_and_error_35()
    {
        await using var node = await TestNode.StartAsync(output);
        await using var connection = await RawKafkaConnection.OpenAsync(node.Node.Port);
        var body = await connection.RequestAsync((short)ApiKey.ApiVersions, 9, []);
        Assert.Equal(ErrorCode.UnsupportedVersion, System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(body));
    }
}
