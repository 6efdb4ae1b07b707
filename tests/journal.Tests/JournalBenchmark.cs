using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Log.Journal.Node;

namespace Log.Journal.Tests;

/// <summary>
/// The journal node's benchmark (a program, not a timed test):
/// <list type="number">
/// <item>raw fsync latency of the disk under the data folder: write 1 KB at the end of a file and fsync, in a loop
/// (the baseline of the goal), and, for comparison, the same append as one synchronous (O_SYNC) write, and
/// a synchronous 1 KB overwrite of blocks already filled with zeros, which is how the node's log device
/// writes (see PreparedLogDevice) and the floor of its acknowledgement latency;</item>
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
            var (writeThroughMedianMs, writeThroughP99Ms) = MeasureRawFsync(dataDirectory, FileOptions.WriteThrough);
            Console.WriteLine($"raw O_SYNC write (1 KB appended with O_SYNC, {RawFsyncIterations} times): p50 {writeThroughMedianMs:F3} ms, p99 {writeThroughP99Ms:F3} ms");
            var (overwriteMedianMs, overwriteP99Ms) = MeasureRawOverwrite(dataDirectory);
            Console.WriteLine($"raw O_SYNC overwrite of zero-filled blocks (1 KB, {RawFsyncIterations} times): p50 {overwriteMedianMs:F3} ms, p99 {overwriteP99Ms:F3} ms");

            await using var node = new JournalNode(new JournalNodeOptions { DataDirectory = Path.Combine(dataDirectory, "node") });
            await node.StartAsync(cancellationToken);

            // The node's code is compiled in tiers as it runs: warm it up unmeasured first.
            await MeasureAcknowledgementLatencyAsync(node, "latency-warmup", LatencyWarmupRecords * 10, cancellationToken);
            var (reportMedianMs, reportP99Ms) = MeasureDeliveryReportLatency(node, latencyRecords);
            Console.WriteLine($"ack latency (1 KB, 1 producer, acks=all, linger 0, {latencyRecords} records, produce to delivery report): p50 {reportMedianMs:F3} ms, p99 {reportP99Ms:F3} ms" +
                $" = {reportMedianMs / fsyncMedianMs:F2}x raw fsync at p50 (goal: at most 1.5x), {reportMedianMs / writeThroughMedianMs:F2}x the O_SYNC write");
            var (ackMedianMs, ackP99Ms) = await MeasureAcknowledgementLatencyAsync(node, "latency", latencyRecords, cancellationToken);
            Console.WriteLine($"ack latency seen by an awaiting caller (ProduceAsync, the same records): p50 {ackMedianMs:F3} ms, p99 {ackP99Ms:F3} ms" +
                $" = {ackMedianMs / fsyncMedianMs:F2}x raw fsync at p50");

            var producerConfig = ThroughputProducerConfig(node.BootstrapServers);
            Console.WriteLine($"producer settings: acks=all, enable.idempotence=true, linger.ms={producerConfig.LingerMs}, batch.size={producerConfig.BatchSize}, " +
                $"batch.num.messages={producerConfig.BatchNumMessages}, queue.buffering.max.messages={producerConfig.QueueBufferingMaxMessages}, " +
                $"dotnet.producer.delivery.report.fields={producerConfig.DeliveryReportFields}");
            var produce = MeasureProduceThroughput(node, totalRecords);
            Console.WriteLine($"produce: {ProducerCount} producers x {SmallRecordBytes}-byte records, {totalRecords} records: {produce.RecordsPerSecond:N0} records/s " +
                $"(goal: 300,000) in {produce.ElapsedSeconds:F1} s; process CPU {produce.CpuMicrosecondsPerRecord:F2} us/record");

            var consumerConfig = ThroughputConsumerConfig(node.BootstrapServers);
            Console.WriteLine($"consumer settings: fetch.max.bytes={consumerConfig.FetchMaxBytes}, max.partition.fetch.bytes={consumerConfig.MaxPartitionFetchBytes}, " +
                $"queued.min.messages={consumerConfig.QueuedMinMessages}, queued.max.messages.kbytes={consumerConfig.QueuedMaxMessagesKbytes}, " +
                $"fetch.wait.max.ms={consumerConfig.FetchWaitMaxMs}, dotnet.consumer.consume.result.fields={consumerConfig.Get(ConfigPropertyNames.Consumer.ConsumeResultFields)}");
            var consume = MeasureConsumerCatchUp(node, totalRecords);
            Console.WriteLine($"consumer catch-up: 1 consumer over {ProducerCount} partitions, {totalRecords} records: {consume.RecordsPerSecond:N0} records/s " +
                $"(goal: 300,000) in {consume.ElapsedSeconds:F1} s; process CPU {consume.CpuMicrosecondsPerRecord:F2} us/record");
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

    /// <summary>Appends 1 KB blocks to a new file: each followed by an fsync, or (with
    /// <see cref="FileOptions.WriteThrough"/>, O_DSYNC) each durable when its write returns.</summary>
    private static (double MedianMs, double P99Ms) MeasureRawFsync(string folder, FileOptions options = FileOptions.None)
    {
        var path = Path.Combine(folder, "raw-fsync.bin");
        var block = new byte[LargeRecordBytes];
        Random.Shared.NextBytes(block);
        var samples = new List<double>(RawFsyncIterations);
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, options))
        {
            for (var iteration = 0; iteration < RawFsyncIterations; iteration++)
            {
                var started = Stopwatch.GetTimestamp();
                file.Write(block);
                if (options == FileOptions.None)
                {
                    file.Flush(flushToDisk: true);
                }
                samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        File.Delete(path);
        return Percentiles(samples);
    }

    private static ProducerConfig LatencyProducerConfig(string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = true,
        LingerMs = 0,
        SocketNagleDisable = true,
    };

    /// <summary>
    /// The acknowledgement latency as librdkafka reports it: from the produce call to the
    /// delivery report, one record at a time. Each next record is produced from the delivery
    /// report handler itself, so the time does not include the application's own hand-off from
    /// librdkafka's delivery thread to another thread (which <see cref="MeasureAcknowledgementLatencyAsync"/>
    /// does include).
    /// </summary>
    private static (double MedianMs, double P99Ms) MeasureDeliveryReportLatency(JournalNode node, int records)
    {
        Assert.Equal(0, node.CreateTopic("latency-reports", 1));
        using var producer = new ProducerBuilder<Null, byte[]>(LatencyProducerConfig(node.BootstrapServers)).Build();
        var message = new Message<Null, byte[]> { Value = new byte[LargeRecordBytes] };
        Random.Shared.NextBytes(message.Value);
        var partition = new TopicPartition("latency-reports", 0);
        var samples = new List<double>(records);
        using var done = new ManualResetEventSlim();
        Error? failure = null;
        var sent = 0;
        var started = 0L;
        void Delivered(DeliveryReport<Null, byte[]> report)
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (report.Error.IsError)
            {
                failure = report.Error;
                done.Set();
                return;
            }
            if (sent > LatencyWarmupRecords)
            {
                samples.Add(elapsed);
            }
            if (sent == LatencyWarmupRecords + records)
            {
                done.Set();
                return;
            }
            ProduceNext();
        }
        void ProduceNext()
        {
            sent++;
            started = Stopwatch.GetTimestamp();
            producer.Produce(partition, message, Delivered);
        }
        ProduceNext();
        if (!done.Wait(TimeSpan.FromMinutes(5)) || failure is not null)
        {
            throw new InvalidOperationException($"latency run failed after {sent} records: {failure?.Reason ?? "timed out"}");
        }
        return Percentiles(samples);
    }

    /// <summary>Overwrites 1 KB at a time, each write synchronous (O_SYNC), inside a file whose
    /// blocks were written with zeros and made durable first: no file system metadata changes.</summary>
    private static (double MedianMs, double P99Ms) MeasureRawOverwrite(string folder)
    {
        var path = Path.Combine(folder, "raw-overwrite.bin");
        var block = new byte[LargeRecordBytes];
        Random.Shared.NextBytes(block);
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            file.Write(new byte[RawFsyncIterations * LargeRecordBytes]);
            file.Flush(flushToDisk: true);
        }
        var samples = new List<double>(RawFsyncIterations);
        using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.None, FileOptions.WriteThrough))
        {
            for (var iteration = 0; iteration < RawFsyncIterations; iteration++)
            {
                var started = Stopwatch.GetTimestamp();
                RandomAccess.Write(handle, block, (long)iteration * LargeRecordBytes);
                samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        File.Delete(path);
        return Percentiles(samples);
    }

    private static async Task<(double MedianMs, double P99Ms)> MeasureAcknowledgementLatencyAsync(JournalNode node, string topic, int records, CancellationToken cancellationToken)
    {
        Assert.Equal(0, node.CreateTopic(topic, 1));
        using var producer = new ProducerBuilder<Null, byte[]>(LatencyProducerConfig(node.BootstrapServers)).Build();
        var value = new byte[LargeRecordBytes];
        Random.Shared.NextBytes(value);
        var partition = new TopicPartition(topic, 0);
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

    /// <summary>What one throughput phase measured: the wall-clock rate, and the CPU the whole
    /// process (clients and node together) spent per record, which says how much of the rate was
    /// lost to other processes on a shared machine.</summary>
    private readonly record struct PhaseResult(double RecordsPerSecond, double CpuMicrosecondsPerRecord, double ElapsedSeconds);

    private static TimeSpan ProcessCpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static PhaseResult Finish(long records, Stopwatch clock, TimeSpan cpuAtStart) =>
        new(records / clock.Elapsed.TotalSeconds, (ProcessCpuTime() - cpuAtStart).TotalMicroseconds / records, clock.Elapsed.TotalSeconds);

    /// <summary>
    /// What a throughput-minded Kafka user would set, with the journal's durability kept
    /// (acks=all, idempotence): linger long enough that each request carries a full batch, batches as
    /// large as the node accepts (message.max.bytes is 1 MB), a queue deep enough that the
    /// application never blocks on it, and delivery reports that carry only the status, so that
    /// the client does not copy every value back into a new array per record.
    /// </summary>
    internal static ProducerConfig ThroughputProducerConfig(string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = true,
        BatchSize = 1_000_000,
        BatchNumMessages = 1_000_000,
        QueueBufferingMaxMessages = 1_000_000,
        QueueBufferingMaxKbytes = 1_048_576,
        LingerMs = 20,
        DeliveryReportFields = "status",
        SocketNagleDisable = true,
    };

    /// <summary>
    /// A consumer catching up: fetches as large as the node will send (4 MB per partition, 64 MB per
    /// response), a local queue that keeps fetching ahead of the application, and results without
    /// the topic name, headers or timestamps, each of which is copied out of librdkafka per record.
    /// </summary>
    internal static ConsumerConfig ThroughputConsumerConfig(string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        GroupId = "benchmark",
        EnableAutoCommit = false,
        AutoOffsetReset = AutoOffsetReset.Error,
        FetchMaxBytes = 64 * 1024 * 1024,
        MaxPartitionFetchBytes = 4 * 1024 * 1024,
        QueuedMinMessages = 1_000_000,
        QueuedMaxMessagesKbytes = 256 * 1024,
        FetchWaitMaxMs = 10,
        ConsumeResultFields = "none",
    };

    private static PhaseResult MeasureProduceThroughput(JournalNode node, int totalRecords)
    {
        Assert.Equal(0, node.CreateTopic("throughput", ProducerCount));
        var value = new byte[SmallRecordBytes];
        Random.Shared.NextBytes(value);
        var perProducer = totalRecords / ProducerCount;
        var failures = 0L;
        var producers = Enumerable.Range(0, ProducerCount)
            .Select(_ => new ProducerBuilder<Null, byte[]>(ThroughputProducerConfig(node.BootstrapServers)).Build())
            .ToList();
        try
        {
            var cpuAtStart = ProcessCpuTime();
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
            return Finish((long)perProducer * ProducerCount, clock, cpuAtStart);
        }
        finally
        {
            producers.ForEach(producer => producer.Dispose());
        }
    }

    private static PhaseResult MeasureConsumerCatchUp(JournalNode node, int totalRecords)
    {
        var expected = totalRecords / ProducerCount * ProducerCount;
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(ThroughputConsumerConfig(node.BootstrapServers)).Build();
        consumer.Assign(Enumerable.Range(0, ProducerCount).Select(partition => new TopicPartitionOffset("throughput", partition, 0)));
        var cpuAtStart = ProcessCpuTime();
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
        var phase = Finish(consumed, clock, cpuAtStart);
        Assert.Equal((long)expected * SmallRecordBytes, bytes);
        consumer.Close();
        return phase;
    }
}
