using System.Globalization;
using System.Text;

namespace Log.StorageNode;

/// <summary>
/// Where a multi-region replica's reads wait (storage-node/README.md, "Multi-region mode", "Where reads wait"), summed
/// over named series since the last <see cref="TakeSummary"/>, each a count, mean, minimum and maximum in milliseconds:
/// per region, how long after its commit timestamp (the wall clock of this machine against the timestamp's physical
/// milliseconds) a committed candidate was decided and shown; per watched topic, how long after this region's copy
/// read a record another copy was read to hold it too; and how far the resolved timestamp handed to the apply loop
/// was ahead of the clock (a read at the clock waits when it is negative). Thread-safe (one lock); a measurement never
/// changes what it measures.
/// </summary>
public sealed class RegionMergeWaits
{
    /// <summary>How often, at most, the replica logs a summary.</summary>
    public static readonly TimeSpan SummaryInterval = TimeSpan.FromSeconds(10);

    private readonly Lock gate = new();
    private readonly SortedDictionary<string, Series> series = new(StringComparer.Ordinal);

    public void Record(string name, double milliseconds)
    {
        lock (gate)
        {
            if (!series.TryGetValue(name, out var known))
            {
                series[name] = known = new Series();
            }
            known.Add(milliseconds);
        }
    }

    /// <summary>Each series' count and mean/min/max since the last summary, then starts again; null when nothing was
    /// recorded.</summary>
    public string? TakeSummary()
    {
        lock (gate)
        {
            if (series.Count == 0)
            {
                return null;
            }
            var text = new StringBuilder();
            foreach (var (name, known) in series)
            {
                text.Append(text.Length == 0 ? "" : "; ").Append(name).Append(' ')
                    .Append(known.Count.ToString(CultureInfo.InvariantCulture)).Append(" x ")
                    .Append(string.Create(CultureInfo.InvariantCulture, $"{known.Sum / known.Count:0.0}/{known.Min:0.0}/{known.Max:0.0}"));
            }
            series.Clear();
            return text.ToString();
        }
    }

    private sealed class Series
    {
        public long Count;
        public double Sum;
        public double Min = double.MaxValue;
        public double Max = double.MinValue;

        public void Add(double value)
        {
            Count++;
            Sum += value;
            Min = Math.Min(Min, value);
            Max = Math.Max(Max, value);
        }
    }
}
