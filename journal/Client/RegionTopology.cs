namespace Log.Journal.Client;

/// <summary>
/// Where every region's journal is, as one region's processes see it (<c>--region NAME --regions
/// A=HOST:PORT,B=HOST:PORT,W=HOST:PORT --witness W</c>; adjudicator/README.md, "Regions"): the peered regions write a
/// topic each (<c>log.&lt;region&gt;.txn</c>) and run adjudicators and storage; the witness only holds copies. Every
/// region's journal holds a copy of every peered region's topic, so this region reads all of them from its own
/// journal, and writes its own topic to every region's journal (two of three).
/// </summary>
public sealed record RegionTopology
{
    /// <summary>This region: a peered region.</summary>
    public required string Region { get; init; }

    /// <summary>Every region's journal (bootstrap servers) as reached from this region, the witness's included.</summary>
    public required IReadOnlyDictionary<string, string> Journals { get; init; }

    /// <summary>The witness region, or null when every named region is peered.</summary>
    public string? Witness { get; init; }

    /// <summary>The regions that write a topic, in name order.</summary>
    public IReadOnlyList<string> Peers => Journals.Keys.Where(name => name != Witness).Order(StringComparer.Ordinal).ToList();

    /// <summary>This region's own journal, which holds its copy of every peered region's topic.</summary>
    public string LocalJournal => Journals[Region];

    /// <summary>The journals a record of this region's topic is written to, this region's first.</summary>
    public IReadOnlyList<(string Name, string BootstrapServers)> Copies =>
        [(Region, LocalJournal), .. Journals.Where(pair => pair.Key != Region).OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => (pair.Key, pair.Value))];

    /// <summary>Bootstrap servers by peered region for <see cref="RegionJournalReaders.Create"/>: every one read from
    /// this region's journal.</summary>
    public IReadOnlyDictionary<string, string> ReaderJournals =>
        Peers.ToDictionary(peer => peer, _ => LocalJournal, StringComparer.Ordinal);

    /// <summary>The journal client settings of this region's <paramref name="role"/> (named <c>log-ROLE-REGION</c>, at
    /// this region's journal): the template its region readers and quorum writer are made from.</summary>
    public JournalClientOptions ClientOptions(string role) => new()
    {
        BootstrapServers = LocalJournal,
        Region = Region,
        PartitionCount = 1,
        ClientId = $"log-{role}-{Region}",
    };

    /// <summary>How many copies must hold a record: two, or one when a single region is named (a test of one).</summary>
    public int RequiredCopies => Math.Min(2, Journals.Count);

    /// <summary>Parses the settings; null and what is wrong when they do not describe a topology this region is part of.</summary>
    public static RegionTopology? TryParse(string region, string regions, string? witness, out string? problem)
    {
        var journals = RegionJournalReaders.TryParse(regions, out problem);
        if (journals is null)
        {
            problem = $"--regions: {problem}";
            return null;
        }
        witness = string.IsNullOrWhiteSpace(witness) ? null : witness.Trim();
        if (witness is not null && !journals.ContainsKey(witness))
        {
            problem = $"--witness '{witness}' is not one of the regions named by --regions";
            return null;
        }
        if (!journals.ContainsKey(region ?? "") || region == witness)
        {
            problem = $"--region '{region}' must be one of the peered regions named by --regions ({string.Join(", ", journals.Keys.Where(name => name != witness))})";
            return null;
        }
        if (journals.Count > 3)
        {
            problem = "--regions names more than three regions; two peered regions and a witness are supported";
            return null;
        }
        return new RegionTopology { Region = region!, Journals = journals, Witness = witness };
    }
}
