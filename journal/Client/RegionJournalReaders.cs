namespace Log.Journal.Client;

/// <summary>
/// The readers of every region's topic that a multi-region role merges (adjudicator/README.md, "Regions"), built from
/// one setting, <c>REGION=HOST:PORT[;HOST:PORT...],REGION=...</c>: each region's topic (<c>log.&lt;region&gt;.txn</c>)
/// read from the bootstrap servers given for it, which are this region's copy of that topic (its own journal node or
/// Kafka cluster, so often the same servers for every region).
/// </summary>
public static class RegionJournalReaders
{
    /// <summary>Parses the setting into bootstrap servers by region; null and the problem when it is not one.</summary>
    public static IReadOnlyDictionary<string, string>? TryParse(string setting, out string? problem)
    {
        problem = null;
        var servers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in (setting ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            var region = equals > 0 ? entry[..equals].Trim() : "";
            var bootstrap = equals > 0 ? entry[(equals + 1)..].Trim().Replace(';', ',') : "";
            if (region.Length == 0 || bootstrap.Length == 0 || !region.All(character => char.IsAsciiLetterOrDigit(character) || character is '-' or '_'))
            {
                problem = $"'{entry}' is not REGION=HOST:PORT (region names are letters, digits, - and _)";
                return null;
            }
            if (!servers.TryAdd(region, bootstrap))
            {
                problem = $"region '{region}' is named twice";
                return null;
            }
        }
        if (servers.Count == 0)
        {
            problem = "no region is named";
            return null;
        }
        return servers;
    }

    /// <summary>One <see cref="KafkaJournalReader"/> per region, with <paramref name="template"/>'s other settings.
    /// The caller owns (and disposes) them.</summary>
    public static Dictionary<string, IJournalReader> Create(IReadOnlyDictionary<string, string> bootstrapServersByRegion,
        JournalClientOptions template, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(bootstrapServersByRegion);
        ArgumentNullException.ThrowIfNull(template);
        var readers = new Dictionary<string, IJournalReader>(StringComparer.Ordinal);
        foreach (var (region, bootstrap) in bootstrapServersByRegion)
        {
            readers[region] = new KafkaJournalReader(JournalClientOptionsCopy.For(template, bootstrap, region, region), logger);
        }
        return readers;
    }
}
