using System.Globalization;
using Log.Journal.Client;
using Log.Journal.Time;

namespace Log.StorageNode.Tools;

/// <summary>The command line of a tool, checked: every problem is an <see cref="ArgumentException"/> naming it.</summary>
internal sealed record ToolArguments(string Command, string DataDirectory, string Region, int Partition)
{
    public string? Journal { get; init; }

    /// <summary>Null: continue the folder; -1: from the beginning (wipe the folder); else the offset to continue at.</summary>
    public long? From { get; init; }

    public HybridTimestamp? Until { get; init; }
    public HybridTimestamp? At { get; init; }
    public bool Verbose { get; init; }

    /// <summary>replay --cut-journal: after the replay, DATA/journal holds the topic cut where the replay stopped (see
    /// <see cref="ReplayCommand"/>), so the database starts on DATA as of that point.</summary>
    public bool CutJournal { get; init; }

    public string Topic => JournalTopics.ForRegion(Region);

    public static ToolArguments Parse(string[] arguments)
    {
        var command = arguments[0];
        if (command is not ("replay" or "digest"))
        {
            throw new ArgumentException($"unknown command {command}");
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var verbose = false;
        var cutJournal = false;
        for (var index = 1; index < arguments.Length; index++)
        {
            var name = arguments[index];
            if (name == "--verbose")
            {
                verbose = true;
                continue;
            }
            if (name == "--cut-journal" && command == "replay")
            {
                cutJournal = true;
                continue;
            }
            if (!name.StartsWith("--", StringComparison.Ordinal) || index + 1 >= arguments.Length)
            {
                throw new ArgumentException($"expected --NAME VALUE, found {name}");
            }
            values[name] = arguments[++index];
        }
        var allowed = command == "replay"
            ? new[] { "--journal", "--topic", "--region", "--partition", "--from", "--until", "--data" }
            : ["--data", "--at", "--topic", "--region", "--partition"];
        foreach (var name in values.Keys.Where(name => !allowed.Contains(name)))
        {
            throw new ArgumentException($"{command} takes no {name}");
        }
        var data = values.GetValueOrDefault("--data") ?? throw new ArgumentException("--data DIR is required");
        if (values.ContainsKey("--topic") && values.ContainsKey("--region"))
        {
            throw new ArgumentException("give --topic or --region, not both");
        }
        var region = values.TryGetValue("--topic", out var topic) ? RegionOf(topic) : values.GetValueOrDefault("--region") ?? JournalTopics.DefaultRegion;
        var partition = values.TryGetValue("--partition", out var partitionText)
            ? int.TryParse(partitionText, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number
                : throw new ArgumentException($"--partition {partitionText} is not a partition number")
            : 0;
        var parsed = new ToolArguments(command, Path.GetFullPath(data), region, partition)
        {
            Journal = values.GetValueOrDefault("--journal"),
            From = values.TryGetValue("--from", out var from) ? ParseFrom(from) : null,
            Until = values.TryGetValue("--until", out var until) ? ParseTimestamp(until, "--until") : null,
            At = values.TryGetValue("--at", out var at) ? ParseTimestamp(at, "--at") : null,
            Verbose = verbose,
            CutJournal = cutJournal,
        };
        if (command == "replay" && parsed.Journal is null)
        {
            throw new ArgumentException("--journal HOST:PORT is required");
        }
        if (parsed.CutJournal && parsed.Partition != 0)
        {
            throw new ArgumentException("--cut-journal restores a database of one shard (partition 0)");
        }
        return parsed;
    }

    /// <summary>The region of a journal topic (log.REGION.txn): the journal client names topics by region.</summary>
    private static string RegionOf(string topic)
    {
        const string prefix = "log.", suffix = ".txn";
        if (topic.Length > prefix.Length + suffix.Length && topic.StartsWith(prefix, StringComparison.Ordinal) && topic.EndsWith(suffix, StringComparison.Ordinal))
        {
            return topic[prefix.Length..^suffix.Length];
        }
        throw new ArgumentException($"--topic {topic} is not a journal topic (log.REGION.txn)");
    }

    private static long ParseFrom(string text) =>
        text == "beginning" ? -1
        : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ? offset
        : throw new ArgumentException($"--from {text} is neither an offset nor 'beginning'");

    /// <summary>A hybrid timestamp: its 64 bits as an integer, or MILLISECONDS.LOGICAL (how <see cref="HybridTimestamp"/> prints).</summary>
    public static HybridTimestamp ParseTimestamp(string text, string option)
    {
        var dot = text.IndexOf('.');
        if (dot < 0 && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return new HybridTimestamp(value);
        }
        if (dot > 0 && long.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
            && ushort.TryParse(text.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var logical)
            && milliseconds < 1L << (64 - HybridTimestamp.LogicalBits))
        {
            return HybridTimestamp.From(milliseconds, logical);
        }
        throw new ArgumentException($"{option} {text} is not a hybrid timestamp (an integer, or MILLISECONDS.LOGICAL)");
    }
}
