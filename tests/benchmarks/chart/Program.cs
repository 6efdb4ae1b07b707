// Draws the table of tests/benchmarks/compare.sh as a bar chart: for each workload, PostgreSQL's speed is 1 and
// Log's bar is its speed relative to it (PostgreSQL's latency / Log's latency, or Log's tps / PostgreSQL's tps), so
// every bar reads the same way: higher is faster, and above the line is faster than PostgreSQL.
//
// usage: dotnet run --project tests/benchmarks/chart -- RESULTS.tsv OUTPUT.png [TITLE]
//   RESULTS.tsv: one line per workload, tab-separated: short label, unit ("ms" lower is better, "tps" higher is better),
//   PostgreSQL's median, Log's median.
using System.Globalization;
using ScottPlot;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: chart RESULTS.tsv OUTPUT.png [TITLE]");
    return 2;
}

var rows = File.ReadAllLines(args[0])
    .Where(line => line.Length > 0)
    .Select(line => line.Split('\t'))
    .Select(fields => (
        Label: fields[0],
        Unit: fields[1],
        PostgreSql: double.Parse(fields[2], CultureInfo.InvariantCulture),
        Log: double.Parse(fields[3], CultureInfo.InvariantCulture)))
    .ToList();

var plot = new Plot();
var bars = new List<Bar>();
var ticks = new List<Tick>();
for (var index = 0; index < rows.Count; index++)
{
    var row = rows[index];
    var relative = row.Unit == "tps" ? row.Log / row.PostgreSql : row.PostgreSql / row.Log;
    if (!double.IsFinite(relative))
    {
        relative = 0;
    }
    var position = index * 3;
    bars.Add(new Bar { Position = position, Value = 1, FillColor = Colors.SteelBlue });
    bars.Add(new Bar
    {
        Position = position + 1,
        Value = relative,
        FillColor = relative >= 1 ? Colors.SeaGreen : Colors.IndianRed,
        Label = relative.ToString("0.00", CultureInfo.InvariantCulture),
    });
    ticks.Add(new Tick(position + 0.5, row.Label));
}

var highest = bars.Max(bar => bar.Value);
var barPlot = plot.Add.Bars(bars);
barPlot.ValueLabelStyle.FontSize = 12;
plot.Add.HorizontalLine(1, 1, Colors.Black, LinePattern.Dashed);
plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
plot.Axes.Bottom.MajorTickStyle.Length = 0;
// Room above the bars for the legend.
plot.Axes.SetLimitsY(0, Math.Max(1.35, highest * 1.3));
plot.Title(args.Length > 2 ? args[2] : "Log beside PostgreSQL 15 (PostgreSQL = 1, higher is faster)");
plot.YLabel("speed relative to PostgreSQL");
plot.Legend.IsVisible = true;
plot.Legend.ManualItems.Add(new LegendItem { LabelText = "PostgreSQL 15", FillColor = Colors.SteelBlue });
plot.Legend.ManualItems.Add(new LegendItem { LabelText = "Log (green: faster)", FillColor = Colors.SeaGreen });
plot.Legend.Alignment = Alignment.UpperRight;
plot.Layout.Fixed(new PixelPadding(70, 20, 110, 40));
plot.SavePng(args[1], 1000, 620);
Console.WriteLine($"chart: {args[1]}");
return 0;
