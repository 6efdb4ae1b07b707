using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Log.Journal.Node;

namespace Log.Journal.Tests;

/// <summary>
/// The journal node's benchmark (a program, not a timed test):
/// <list type="number">
/// <item>raw fsync latency of the disk under the data folder: write 1 KB at the end of a file and fsync, in a loop;</item>
/// <item>acknowledgement latency of 1 KB records, one idempotent producer, acks=all, linger 0 (each
/// acknowledgement waits for the node's fsync), p50 and p99, to put beside the raw fsync;</item>
/// <item>throughput of 8 producers batching 200-byte records (one partition each, as the journal has
/// one writer per partition), then the rate at which one consumer catches up on all of it.</item>
/// </list>
/// </summary>
internal static class JournalBenchmark
{
    private const int RawFsyncIterations = 1_000;
    private const int LatencyWarmupRecords = 100;
    private const int ProducerCount = 8;
    private const int SmallRecordBytes = 200;
    private const int LargeRecordBytes = 1_024;

    public static async Task<int> RunAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var dataDirectory = Option(arguments, "--data") ?? Path.Combine(Path.GetTempPath(), "log-journal-benchmark", Guid.NewGuid().ToString("N"));
        var totalRecords = int.Parse(Option(arguments, "--records") ?? "2000000", CultureInfo.InvariantCulture);
        var latencyRecords = int.Parse(Option(arguments, "--latency-records") ?? "2000", CultureInfo.InvariantCulture);
        Directory.CreateDirectory(dataDirectory);
        Console.WriteLine($"journal benchmark: data in {dataDirectory}, {Environment.ProcessorCount} cores");
        try
        {
            var (fsyncMedianMs, fsyncP99Ms) = MeasureRawFsync(dataDirectory);
            Console.WriteLine($"raw fsync (write 1 KB + fsync, {RawFsyncIterations} times): p50 {fsyncMedianMs:F3} ms, p99 {fsyncP99Ms:F3} ms");

            await using var node = new JournalNode(new JournalNodeOptions { DataDirectory = Path.Combine(dataDirectory, "node") });
            await node.StartAsync(cancellationToken);

            var (ackMedianMs, ackP99Ms) = await MeasureAcknowledgementLatencyAsync(node, latencyRecords, cancellationToken);
            Console.WriteLine($"ack latency (1 KB, 1 producer, acks=all, linger 0, {latencyRecords} records): p50 {ackMedianMs:F3} ms, p99 {ackP99Ms:F3} ms" +
                $" = {ackMedianMs / fsyncMedianMs:F2}x raw fsync at p50 (goal: at most 1.5x)");

            var produceRate = MeasureProduceThroughput(node, totalRecords);
            Console.WriteLine($"produce: {ProducerCount} producers x {SmallRecordBytes}-byte records, {totalRecords} records: {produceRate:N0} records/s (goal: 300,000)");

            var consumeRate = MeasureConsumerCatchUp(node, totalRecords);
            Console.WriteLine($"consumer catch-up: 1 consumer over {ProducerCount} partitions, {totalRecords} records: {consumeRate:N0} records/s (goal: 300,000)");
            return 0;
        }
        finally
        {
            if (Option(arguments, "--data") is null)
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
    }

    private static string? Option(string[] arguments, string name)
    {
        var index = Array.IndexOf(arguments, name);
        return index >= 0 && index + 1 < arguments.Length ? arguments[index + 1] : null;
    }

    private static (double MedianMs, double P99Ms) Percentiles(List<double> samples)
    {
        samples.Sort();
        return (samples[samples.Count / 2], samples[Math.Min(samples.Count - 1, samples.Count * 99 / 100)]);
    }

    private static (double MedianMs, double P99Ms) MeasureRawFsync(string folder)
    {
        var path = Path.Combine(folder, "raw-fsync.bin");
        var block = new byte[LargeRecordBytes];
        Random.Shared.NextBytes(block);
        var samples = new List<double>(RawFsyncIterations);
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            for (var iteration = 0; iteration < RawFsyncIterations; iteration++)
            {
                var started = Stopwatch.GetTimestamp();
                file.Write(block);
                file.Flush(flushToDisk: true);
                samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        File.Delete(path);
        return Percentiles(samples);
    }

    private static async Task<(double MedianMs, double P99Ms)> MeasureAcknowledgementLatencyAsync(JournalNode node, int records, CancellationToken cancellationToken)
    {
        Assert.Equal(0, node.CreateTopic("latency", 1));
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = node.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 0,
            SocketNagleDisable = true,
        }).Build();
        var value = new byte[LargeRecordBytes];
        Random.Shared.NextBytes(value);
        var partition = new TopicPartition("latency", 0);
        var samples = new List<double>(records);
        for (var index = 0; index < LatencyWarmupRecords + records; index++)
        {
            var started = Stopwatch.GetTimestamp();
            await producer.ProduceAsync(partition, new Message<Null, byte[]> { Value = value }, cancellationToken);
            if (index >= LatencyWarmupRecords)
            {
                samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        return Percentiles(samples);
    }

    private static double MeasureProduceThroughput(JournalNode node, int totalRecords)
    {
        Assert.Equal(0, node.CreateTopic("throughput", ProducerCount));
        var value = new byte[SmallRecordBytes];
        Random.Shared.NextBytes(value);
        var perProducer = totalRecords / ProducerCount;
        var failures = 0L;
        var producers = Enumerable.Range(0, ProducerCount).Select(_ => new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = node.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 5,
            BatchSize = 1_000_000,
            BatchNumMessages = 100_000,
            QueueBufferingMaxMessages = 1_000_000,
            QueueBufferingMaxKbytes = 1_048_576,
            SocketNagleDisable = true,
        }).Build()).ToList();
        try
        {
            var clock = Stopwatch.StartNew();
            var threads = producers.Select((producer, index) => new Thread(() =>
            {
                var partition = new TopicPartition("throughput", index);
                var message = new Message<Null, byte[]> { Value = value };
                void Delivered(DeliveryReport<Null, byte[]> report)
                {
                    if (report.Error.IsError)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
                for (var sent = 0; sent < perProducer; sent++)
                {
                    while (true)
                    {
                        try
                        {
                            producer.Produce(partition, message, Delivered);
                            break;
                        }
                        catch (ProduceException<Null, byte[]> exception) when (exception.Error.Code == ErrorCode.Local_QueueFull)
                        {
                            producer.Poll(TimeSpan.FromMilliseconds(1));
                        }
                    }
                }
                producer.Flush(TimeSpan.FromMinutes(5));
            })).ToList();
            threads.ForEach(thread => thread.Start());
            threads.ForEach(thread => thread.Join());
            clock.Stop();
            if (failures > 0)
            {
                throw new InvalidOperationException($"{failures} deliveries failed");
            }
            return perProducer * ProducerCount / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            producers.ForEach(producer => producer.Dispose());
        }
    }

    private static double MeasureConsumerCatchUp(JournalNode node, int totalRecords)
    {
        var expected = totalRecords / ProducerCount * ProducerCount;
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = node.BootstrapServers,
            GroupId = "benchmark",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Error,
            FetchMaxBytes = 50 * 1024 * 1024,
            MaxPartitionFetchBytes = 4 * 1024 * 1024,
            QueuedMaxMessagesKbytes = 256 * 1024,
            FetchWaitMaxMs = 10,
        }).Build();
        consumer.Assign(Enumerable.Range(0, ProducerCount).Select(partition => new TopicPartitionOffset("throughput", partition, 0)));
        var clock = Stopwatch.StartNew();
        var consumed = 0;
        var bytes = 0L;
        while (consumed < expected)
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(30)) ?? throw new TimeoutException($"stalled after {consumed} records");
            bytes += result.Message.Value.Length;
            consumed++;
        }
        clock.Stop();
        Assert.Equal((long)expected * SmallRecordBytes, bytes);
        consumer.Close();
        return consumed / clock.Elapsed.TotalSeconds;
    }
}
