using System.Diagnostics.Metrics;

namespace Log.Wire;

/// <summary>
/// The PostgreSQL listener's instruments (System.Diagnostics.Metrics; a host exports them, in Prometheus format for
/// instance). Recording costs a few instructions and no allocation when no one listens, and one histogram update per
/// query when someone does.
/// </summary>
public static class PgServerMetrics
{
    public const string MeterName = "Log.Wire";

    /// <summary>From 100 µs to 10 s: the range of a statement's latency. (Declared before the instruments: static
    /// initialisers run in order.)</summary>
    private static readonly double[] LatencyBucketsSeconds =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Sessions open (connections past their startup).</summary>
    internal static readonly UpDownCounter<long> Sessions = Meter.CreateUpDownCounter<long>(
        "log.sessions", unit: "{session}", description: "PostgreSQL sessions open");

    /// <summary>Connections refused or closed by a limit, by reason.</summary>
    internal static readonly Counter<long> Refused = Meter.CreateCounter<long>(
        "log.connections.refused", unit: "{connection}",
        description: "Connections refused (too_many, rate, tls_required) or closed at the end of their lifetime (lifetime)");

    /// <summary>From a Query or Execute message to its last result: the statement latency a client sees, less the network.</summary>
    internal static readonly Histogram<double> StatementDuration = Meter.CreateHistogram(
        "log.statement.duration", unit: "s", description: "Time to run a Query or Execute message",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBucketsSeconds });

    /// <summary>Waits in poll() for a client's next message (<see cref="PgServerOptions.InputPollWindow"/>), by whether
    /// the message came within the window (arrived) or the read went asynchronous (missed).</summary>
    internal static readonly Counter<long> InputPolls = Meter.CreateCounter<long>(
        "log.wire.input_polls", unit: "{poll}", description: "Waits in poll() for a client's next message, by outcome (arrived, missed)");

    internal static void CountRefusal(string reason) => Refused.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
