using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Log.Journal.Client;

/// <summary>A record read from one region's topic, with the region's name.</summary>
public readonly record struct RegionJournalEntry(string Region, JournalEntry Entry);

/// <summary>One region's topic for <see cref="MultiRegionJournalReader"/>: the region's name and a reader of its topic
/// (a <see cref="KafkaJournalReader"/> on the topic <c>log.&lt;region&gt;.txn</c>, at whichever cluster holds a copy).</summary>
public sealed record RegionJournalSource(string Region, IJournalReader Reader);

/// <summary>
/// Reads one partition of several regions' topics at once and yields every record with its region's name: each
/// region's records in their offset order, the regions interleaved as their records arrive. It does not order records
/// across regions (by timestamp or otherwise): that merge is the caller's, which knows when a region has nothing below
/// a timestamp. A region whose reader fails ends the whole sequence with its exception, wrapped with the region's name
/// (a corrupt record: an <see cref="InvalidDataException"/>, anything else: an <see cref="IOException"/>); one that is unreachable just yields nothing until it is back (its reader waits). What is read
/// ahead is bounded: <see cref="BufferRecords"/> here, beyond each region's reader's own buffer.
/// </summary>
public sealed class MultiRegionJournalReader : IAsyncDisposable
{
    public const int BufferRecords = 1024;

    private readonly RegionJournalSource[] sources;

    public MultiRegionJournalReader(IReadOnlyList<RegionJournalSource> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count == 0)
        {
            throw new ArgumentException("A multi-region reader needs at least one region.", nameof(sources));
        }
        if (sources.Select(source => source.Region).Distinct(StringComparer.Ordinal).Count() != sources.Count)
        {
            throw new ArgumentException("Each region may be read once.", nameof(sources));
        }
        this.sources = [.. sources];
    }

    /// <summary>One <see cref="KafkaJournalReader"/> per region, on the region's topic at the given bootstrap servers
    /// (each region's own cluster, or the local cluster that holds every region's copy); other settings from
    /// <paramref name="template"/>.</summary>
    public static MultiRegionJournalReader ForKafka(JournalClientOptions template, IReadOnlyList<(string Region, string BootstrapServers)> regions,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(regions);
        return new MultiRegionJournalReader(regions.Select(region => new RegionJournalSource(region.Region,
            new KafkaJournalReader(JournalClientOptionsCopy.For(template, region.BootstrapServers, region.Region, region.Region), logger))).ToList());
    }

    public IReadOnlyList<string> Regions => sources.Select(source => source.Region).ToList();

    /// <summary>Yields every record of <paramref name="partition"/> of each region's topic from the region's offset in
    /// <paramref name="fromOffsets"/> (0 for a region it does not name), waiting for new ones until cancelled.</summary>
    public async IAsyncEnumerable<RegionJournalEntry> ReadAsync(int partition, IReadOnlyDictionary<string, long> fromOffsets,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fromOffsets);
        var unknown = fromOffsets.Keys.Where(region => sources.All(source => source.Region != region)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"No such region: {string.Join(", ", unknown)}.", nameof(fromOffsets));
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var merged = Channel.CreateBounded<RegionJournalEntry>(new BoundedChannelOptions(BufferRecords)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var pumps = sources.Select(source => PumpAsync(source, partition, fromOffsets.GetValueOrDefault(source.Region), merged.Writer, stop.Token)).ToList();
        var allDone = Task.WhenAll(pumps).ContinueWith(done => merged.Writer.TryComplete(done.Exception?.InnerException),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await foreach (var entry in merged.Reader.ReadAllAsync(cancellationToken))
            {
                yield return entry;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await allDone;
        }
    }

    private static async Task PumpAsync(RegionJournalSource source, int partition, long fromOffset, ChannelWriter<RegionJournalEntry> merged,
        CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var entry in source.Reader.ReadAsync(partition, fromOffset, cancellationToken))
            {
                await merged.WriteAsync(new RegionJournalEntry(source.Region, entry), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            // The first failing region ends the sequence; the others are stopped by its end.
            var message = $"Reading region {source.Region}'s journal failed: {exception.Message}";
            merged.TryComplete(exception is InvalidDataException ? new InvalidDataException(message, exception) : new IOException(message, exception));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var source in sources)
        {
            await source.Reader.DisposeAsync();
        }
    }
}
