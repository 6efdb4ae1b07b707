using System.Diagnostics;
using Log.Journal.Node.Protocol;
using Log.Journal.Node.Storage;

namespace Log.Journal.Node;

public sealed partial class JournalNode
{
    private sealed record FetchPartitionRequest(int Partition, long FetchOffset, int PartitionMaxBytes);

    private sealed record FetchRequest(int MaxWaitMs, int MinBytes, int MaxBytes,
        List<(string Topic, List<FetchPartitionRequest> Partitions)> Topics);

    private Task<KafkaResponseWriter?> HandleFetch(RequestHeader header, ref KafkaRequestReader reader, CancellationToken cancellationToken)
    {
        var version = header.ApiVersion;
        reader.ReadInt32();
        var maxWaitMs = reader.ReadInt32();
        var minBytes = reader.ReadInt32();
        var maxBytes = reader.ReadInt32();
        reader.ReadInt8();
        if (version >= 7)
        {
            // Fetch sessions: we always answer session id 0, which tells the client that no
            // session was created, so every fetch it sends is a full one.
            reader.ReadInt32();
            reader.ReadInt32();
        }
        var topicCount = reader.ReadArrayLength(minimumElementBytes: 6);
        var requested = new List<(string Topic, List<FetchPartitionRequest> Partitions)>(topicCount);
        for (var topicIndex = 0; topicIndex < topicCount; topicIndex++)
        {
            var name = reader.ReadString();
            var partitionCount = reader.ReadArrayLength(minimumElementBytes: 16);
            var partitions = new List<FetchPartitionRequest>(partitionCount);
            for (var partitionIndex = 0; partitionIndex < partitionCount; partitionIndex++)
            {
                var partition = reader.ReadInt32();
                if (version >= 9)
                {
                    reader.ReadInt32();
                }
                var fetchOffset = reader.ReadInt64();
                if (version >= 5)
                {
                    reader.ReadInt64();
                }
                var partitionMaxBytes = reader.ReadInt32();
                partitions.Add(new FetchPartitionRequest(partition, fetchOffset, partitionMaxBytes));
            }
            requested.Add((name, partitions));
        }
        if (version >= 7)
        {
            var forgotten = reader.ReadArrayLength(minimumElementBytes: 6);
            for (var topic = 0; topic < forgotten; topic++)
            {
                reader.ReadString();
                var partitions = reader.ReadArrayLength(minimumElementBytes: 4);
                for (var partition = 0; partition < partitions; partition++)
                {
                    reader.ReadInt32();
                }
            }
        }
        if (version >= 11)
        {
            reader.ReadString();
        }
        var request = new FetchRequest(Math.Clamp(maxWaitMs, 0, options.MaxFetchWaitMs), minBytes, maxBytes, requested);
        return FetchAsync(header, request, cancellationToken);
    }

    private readonly record struct FetchedPartition(int Partition, FetchResult Result);

    /// <summary>Reads; if less than min_bytes came back and there were no errors, waits for the
    /// next commit on any requested partition (or the deadline) and reads again.</summary>
    private async Task<KafkaResponseWriter?> FetchAsync(RequestHeader header, FetchRequest request, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var wakeups = new List<Task>();
            foreach (var (topic, partitions) in request.Topics)
            {
                foreach (var partition in partitions)
                {
                    var log = topics.Find(topic, partition.Partition);
                    if (log is not null)
                    {
                        // Taken before reading, so a commit between the read and the wait is not missed.
                        wakeups.Add(log.WhenCommitted());
                    }
                }
            }
            var (results, totalBytes, anyError) = await ReadFetchAsync(request, cancellationToken);
            var remainingMs = request.MaxWaitMs - clock.ElapsedMilliseconds;
            if (totalBytes >= request.MinBytes || anyError || remainingMs <= 0 || wakeups.Count == 0)
            {
                return WriteFetchResponse(header, results);
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(TimeSpan.FromMilliseconds(remainingMs), timeout.Token);
            await Task.WhenAny(Task.WhenAny(wakeups), delay);
            await timeout.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task<(List<(string Topic, List<FetchedPartition> Partitions)> Results, long TotalBytes, bool AnyError)> ReadFetchAsync(
        FetchRequest request, CancellationToken cancellationToken)
    {
        var results = new List<(string Topic, List<FetchedPartition> Partitions)>(request.Topics.Count);
        var totalBytes = 0L;
        var anyError = false;
        foreach (var (topic, partitions) in request.Topics)
        {
            var fetched = new List<FetchedPartition>(partitions.Count);
            foreach (var partition in partitions)
            {
                var log = topics.Find(topic, partition.Partition);
                FetchResult result;
                if (log is null)
                {
                    result = new FetchResult(ErrorCode.UnknownTopicOrPartition, -1, -1, []);
                }
                else
                {
                    var budget = (int)Math.Min(partition.PartitionMaxBytes, Math.Max(0, request.MaxBytes - totalBytes));
                    if (budget <= 0 && totalBytes > 0)
                    {
                        // The response is full; report the partition's state without records.
                        result = new FetchResult(ErrorCode.None, log.HighWatermark, log.LogStartOffset, []);
                    }
                    else
                    {
                        // At least one batch even above the limits, so a large batch never blocks a consumer.
                        result = await log.ReadAsync(partition.FetchOffset, Math.Max(budget, 1), cancellationToken);
                    }
                }
                anyError |= result.ErrorCode != ErrorCode.None;
                totalBytes += result.Records.Length;
                fetched.Add(new FetchedPartition(partition.Partition, result));
            }
            results.Add((topic, fetched));
        }
        return (results, totalBytes, anyError);
    }

    private static KafkaResponseWriter WriteFetchResponse(in RequestHeader header, List<(string Topic, List<FetchedPartition> Partitions)> results)
    {
        var version = header.ApiVersion;
        var response = StartResponse(header);
        response.WriteInt32(0);
        if (version >= 7)
        {
            response.WriteInt16(ErrorCode.None);
            response.WriteInt32(0);
        }
        response.WriteArrayLength(results.Count);
        foreach (var (topic, partitions) in results)
        {
            response.WriteString(topic);
            response.WriteArrayLength(partitions.Count);
            foreach (var (partition, result) in partitions)
            {
                response.WriteInt32(partition);
                response.WriteInt16(result.ErrorCode);
                response.WriteInt64(result.HighWatermark);
                response.WriteInt64(result.HighWatermark);
                if (version >= 5)
                {
                    response.WriteInt64(result.LogStartOffset);
                }
                response.WriteArrayLength(0);
                if (version >= 11)
                {
                    response.WriteInt32(-1);
                }
                response.WriteInt32(result.Records.Length);
                response.WriteRaw(result.Records);
            }
        }
        return response;
    }
}
