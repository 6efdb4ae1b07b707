using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Log.Journal.Node.Storage;

/// <summary>
/// The topics of a node: one folder per topic under the data directory, one per partition inside
/// it (<c>&lt;topic&gt;/&lt;partition&gt;/</c>). A topic is created in a scratch folder and renamed
/// into place, so a crash never leaves a topic with only some of its partitions.
/// </summary>
public sealed partial class TopicStore : IAsyncDisposable
{
    private const string CreatingSuffix = ".creating";
    private readonly object gate = new();
    private readonly Dictionary<string, PartitionLog[]> topics = new(StringComparer.Ordinal);
    private readonly JournalNodeOptions options;
    private readonly ILogger logger;
    private bool disposed;

    public TopicStore(JournalNodeOptions options, ILogger logger)
    {
        this.options = options;
        this.logger = logger;
    }

    [GeneratedRegex("^[a-zA-Z0-9._-]{1,249}$")]
    private static partial Regex LegalTopicName();

    public static bool IsLegalTopicName(string name) => name != "." && name != ".." && LegalTopicName().IsMatch(name);

    /// <summary>Opens every topic found in the data directory.</summary>
    public void OpenExisting()
    {
        Directory.CreateDirectory(options.DataDirectory);
        foreach (var folder in Directory.GetDirectories(options.DataDirectory))
        {
            var name = Path.GetFileName(folder);
            if (name.EndsWith(CreatingSuffix, StringComparison.Ordinal))
            {
                // Left by a crash while creating: the topic never existed.
                Directory.Delete(folder, recursive: true);
                continue;
            }
            if (!IsLegalTopicName(name))
            {
                continue;
            }
            var partitionCount = Directory.GetDirectories(folder)
                .Select(Path.GetFileName)
                .Count(partition => int.TryParse(partition, out _));
            var partitions = new PartitionLog[partitionCount];
            for (var partition = 0; partition < partitionCount; partition++)
            {
                partitions[partition] = PartitionLog.Open(name, partition, Path.Combine(folder, partition.ToString(System.Globalization.CultureInfo.InvariantCulture)), options, logger);
            }
            lock (gate)
            {
                topics[name] = partitions;
            }
        }
    }

    public IReadOnlyList<PartitionLog>? Find(string topic)
    {
        lock (gate)
        {
            return topics.TryGetValue(topic, out var partitions) ? partitions : null;
        }
    }

    public PartitionLog? Find(string topic, int partition)
    {
        var partitions = Find(topic);
        return partitions is not null && partition >= 0 && partition < partitions.Count ? partitions[partition] : null;
    }

    public IReadOnlyList<string> TopicNames()
    {
        lock (gate)
        {
            return [.. topics.Keys.Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Creates a topic. Returns a Kafka error code: none, already exists, invalid name or partitions.</summary>
    public short Create(string topic, int partitionCount)
    {
        if (!IsLegalTopicName(topic))
        {
            return Protocol.ErrorCode.InvalidTopicException;
        }
        if (partitionCount < 1 || partitionCount > options.MaxPartitionsPerTopic)
        {
            return Protocol.ErrorCode.InvalidPartitions;
        }
        // Creation is rare; one lock over the whole of it keeps two creators of one name apart.
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (topics.ContainsKey(topic))
            {
                return Protocol.ErrorCode.TopicAlreadyExists;
            }
            var final = Path.Combine(options.DataDirectory, topic);
            var scratch = final + CreatingSuffix;
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
            for (var partition = 0; partition < partitionCount; partition++)
            {
                Directory.CreateDirectory(Path.Combine(scratch, partition.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
            Directory.Move(scratch, final);
            var partitions = new PartitionLog[partitionCount];
            for (var partition = 0; partition < partitionCount; partition++)
            {
                partitions[partition] = PartitionLog.Open(topic, partition, Path.Combine(final, partition.ToString(System.Globalization.CultureInfo.InvariantCulture)), options, logger);
            }
            topics[topic] = partitions;
            logger.LogInformation("Created journal topic {Topic} with {Partitions} partitions", topic, partitionCount);
            return Protocol.ErrorCode.None;
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<PartitionLog> all;
        lock (gate)
        {
            disposed = true;
            all = topics.Values.SelectMany(partitions => partitions).ToList();
            topics.Clear();
        }
        foreach (var partition in all)
        {
            await partition.DisposeAsync();
        }
    }
}
