using System.Diagnostics.Metrics;
using Log.Journal.Node.Storage;

namespace Log.Journal.Node;

/// <summary>
/// The journal node's gauges (System.Diagnostics.Metrics), observed when a scrape asks: each partition's end offset
/// (high watermark) and first offset, labelled by topic and partition. Storage replicas report their own applied offset
/// and lag against these. Nothing runs on the produce or fetch paths. Dispose removes the gauges.
/// </summary>
public sealed class JournalNodeMetrics : IDisposable
{
    public const string MeterName = "Log.Journal";

    private readonly Meter meter = new(MeterName);

    internal JournalNodeMetrics(TopicStore topics)
    {
        meter.CreateObservableGauge("log.journal.end_offset", () => Measure(topics, partition => partition.HighWatermark), unit: "{record}",
            description: "The offset after the last record of each journal partition (its high watermark)");
        meter.CreateObservableGauge("log.journal.start_offset", () => Measure(topics, partition => partition.LogStartOffset), unit: "{record}",
            description: "The first offset still held by each journal partition");
    }

    private static IEnumerable<Measurement<long>> Measure(TopicStore topics, Func<PartitionLog, long> value)
    {
        foreach (var topic in topics.TopicNames())
        {
            foreach (var partition in topics.Find(topic) ?? [])
            {
                yield return new Measurement<long>(value(partition),
                    new KeyValuePair<string, object?>("topic", topic), new KeyValuePair<string, object?>("partition", partition.Partition));
            }
        }
    }

    public void Dispose() => meter.Dispose();
}
