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

    private static readonly Counter<long> Commits = Meter.CreateCounter<long>(
        "log.commits", unit: "{transaction}", description: "Transactions committed (appended to the journal and durable)");

    private static readonly Counter<long> Refusals = Meter.CreateCounter<long>(
        "log.commit.refusals", unit: "{transaction}",
        description: "Commit requests refused, by outcome (data_conflict is OC000, schema_conflict OC001)");

    private static readonly Histogram<double> CommitDuration = Meter.CreateHistogram(
        "log.commit.duration", unit: "s", description: "Time from a commit request to its answer, conflicts included",
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        });

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

    /// <summary>snake_case, as Prometheus label values usually are.</summary>
    private static string TagValue(CommitOutcome outcome) =>
        string.Concat(outcome.ToString().Select((character, position) =>
            char.IsUpper(character) ? (position == 0 ? "" : "_") + char.ToLowerInvariant(character) : character.ToString()));
}
