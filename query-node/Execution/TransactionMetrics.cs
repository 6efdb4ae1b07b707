using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Log.QueryNode.Execution;

/// <summary>
/// The query node's side of a write transaction's path (System.Diagnostics.Metrics): how long a snapshot took (the
/// journal's end offset, then the replica applying up to it: when a commit becomes visible to the next read), and how
/// many statements failed early with a conflict the replica already showed (the adjudicator counts the conflicts it
/// refuses at COMMIT, log.commit.refusals). Nothing is recorded when no one listens.
/// </summary>
public static class TransactionMetrics
{
    public const string MeterName = "Log.Transactions";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> SnapshotDuration = Meter.CreateHistogram(
        "log.snapshot.duration", unit: "s",
        description: "Time to take a transaction's snapshot, the replica's apply of what is committed included",
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        });

    private static readonly Counter<long> EarlyConflicts = Meter.CreateCounter<long>(
        "log.transaction.early_conflicts", unit: "{statement}",
        description: "Statements failed with 40001 (OC000) because the replica held a newer version of a key they wrote");

    internal static void RecordSnapshot(long startedAt)
    {
        if (SnapshotDuration.Enabled)
        {
            SnapshotDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds);
        }
    }

    internal static void CountEarlyConflict() => EarlyConflicts.Add(1);
}
