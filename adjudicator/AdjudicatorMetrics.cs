using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Log.Adjudicator;

/// <summary>
/// The adjudicator's instruments (System.Diagnostics.Metrics), recorded once per commit request where the supervisor
/// answers it: no allocation on the path (outcome tags are cached), nothing at all when no one listens.
/// </summary>
public static class AdjudicatorMetrics
{
    public const string MeterName = "Log.Adjudicator";

    private static readonly Meter Meter = new(MeterName);

    private static readonly IReadOnlyList<double> DurationBuckets =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly Counter<long> Commits = Meter.CreateCounter<long>(
        "log.commits", unit: "{transaction}", description: "Transactions committed (appended to the journal and durable)");

    private static readonly Counter<long> Refusals = Meter.CreateCounter<long>(
        "log.commit.refusals", unit: "{transaction}",
        description: "Commit requests refused, by outcome (data_conflict is OC000, schema_conflict OC001)");

    private static readonly Histogram<double> CommitDuration = Meter.CreateHistogram(
        "log.commit.duration", unit: "s", description: "Time from a commit request to its answer, conflicts included",
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = DurationBuckets,
        });

    // The hops of one commit inside the shard, so that a commit's time can be broken down (README's "The path of one
    // commit"): the wait for the loop, the journal append until its acknowledgement, and how many commits one
    // acknowledgement answered (the group that one pass over the in-flight appends published together). What is left of
    // log.commit.duration is the check in the loop and the hop back to the caller.
    private static readonly Histogram<double> QueueDuration = Meter.CreateHistogram(
        "log.commit.queue.duration", unit: "s", description: "Time a commit request waited for the shard's loop to take it",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    private static readonly Histogram<double> AppendDuration = Meter.CreateHistogram(
        "log.commit.append.duration", unit: "s",
        description: "Time from the loop sending a commit's record to the journal until its acknowledgement is published",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    private static readonly Histogram<int> AcknowledgedTogether = Meter.CreateHistogram<int>(
        "log.commit.group.size", unit: "{transaction}",
        description: "Commits answered by one journal acknowledgement (group commit)",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 3, 4, 6, 8, 12, 16, 32, 64] });

    private static readonly KeyValuePair<string, object?>[] OutcomeTags =
        Enum.GetValues<CommitOutcome>().Select(outcome => new KeyValuePair<string, object?>("outcome", TagValue(outcome))).ToArray();

    internal static void Record(CommitOutcome outcome, long startedAt)
    {
        CommitDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds);
        if (outcome == CommitOutcome.Committed)
        {
            Commits.Add(1);
            return;
        }
        int index = (int)outcome;
        Refusals.Add(1, index >= 0 && index < OutcomeTags.Length ? OutcomeTags[index] : new KeyValuePair<string, object?>("outcome", TagValue(outcome)));
    }

    /// <summary>The loop took a commit request that was queued at <paramref name="queuedAt"/> (a Stopwatch timestamp).</summary>
    internal static void RecordQueueWait(long queuedAt)
    {
        if (QueueDuration.Enabled && queuedAt != 0)
        {
            QueueDuration.Record(Stopwatch.GetElapsedTime(queuedAt).TotalSeconds);
        }
    }

    /// <summary>A commit's acknowledgement is published; its record was sent at <paramref name="sentAt"/>.</summary>
    internal static void RecordAppend(long sentAt)
    {
        if (AppendDuration.Enabled)
        {
            AppendDuration.Record(Stopwatch.GetElapsedTime(sentAt).TotalSeconds);
        }
    }

    internal static void RecordAcknowledgedTogether(int commits) => AcknowledgedTogether.Record(commits);

    /// <summary>snake_case, as Prometheus label values usually are.</summary>
    private static string TagValue(CommitOutcome outcome) =>
        string.Concat(outcome.ToString().Select((character, position) =>
            char.IsUpper(character) ? (position == 0 ? "" : "_") + char.ToLowerInvariant(character) : character.ToString()));
}
