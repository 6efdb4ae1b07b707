using Log.Journal.Client;
using Xunit.Abstractions;

namespace Log.Journal.Tests;

/// <summary><see cref="MultiRegionJournalReader"/>: every region's records, each with its region's name and in its
/// region's offset order, from each region's own offset; a region whose reader fails ends the sequence naming it.</summary>
public sealed class MultiRegionJournalReaderTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Each_regions_records_come_with_its_name_in_its_order_from_its_own_offset()
    {
        var east = new MemoryJournal();
        var west = new MemoryJournal();
        var eastRecords = await AppendAsync(east, 0, 30);
        var westRecords = await AppendAsync(west, 100, 20);
        await using var reader = new MultiRegionJournalReader([new("east", east), new("west", west)]);
        Assert.Equal(["east", "west"], reader.Regions);

        // East from offset 10, west from its beginning; records appended while reading come too.
        var read = ReadAsync(reader, new Dictionary<string, long> { ["east"] = 10 }, count: 20 + 20 + 5);
        var late = await AppendAsync(west, 200, 5);
        var entries = await read;

        Assert.Equal(eastRecords.Skip(10), entries.Where(entry => entry.Region == "east").Select(entry => entry.Entry.Record.TransactionId));
        Assert.Equal(Enumerable.Range(10, 20).Select(offset => (long)offset),
            entries.Where(entry => entry.Region == "east").Select(entry => entry.Entry.Offset));
        Assert.Equal(westRecords.Concat(late), entries.Where(entry => entry.Region == "west").Select(entry => entry.Entry.Record.TransactionId));
        Assert.Equal(Enumerable.Range(0, 25).Select(offset => (long)offset),
            entries.Where(entry => entry.Region == "west").Select(entry => entry.Entry.Offset));
    }

    [Fact]
    public async Task A_region_whose_reader_fails_ends_the_sequence_with_its_name()
    {
        var east = new MemoryJournal();
        await AppendAsync(east, 0, 3);
        await using var reader = new MultiRegionJournalReader([new("east", east), new("west", new CorruptReader())]);
        using var timeout = new CancellationTokenSource(Patience);
        var failure = await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            await foreach (var _ in reader.ReadAsync(0, new Dictionary<string, long>(), timeout.Token))
            {
            }
        });
        Assert.Contains("region west", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_region_is_read_once_and_offsets_name_known_regions()
    {
        var journal = new MemoryJournal();
        Assert.Throws<ArgumentException>(() => new MultiRegionJournalReader([new("east", journal), new("east", journal)]));
        var reader = new MultiRegionJournalReader([new("east", journal)]);
        Assert.Throws<ArgumentException>(() => reader.ReadAsync(0, new Dictionary<string, long> { ["north"] = 0 }, CancellationToken.None)
            .GetAsyncEnumerator().MoveNextAsync().AsTask().GetAwaiter().GetResult());
    }

    [Fact]
    public async Task Region_topics_on_two_journal_nodes_are_read_together()
    {
        await using var eastNode = await TestNode.StartAsync(output);
        await using var westNode = await TestNode.StartAsync(output);
        var eastRecords = Enumerable.Range(0, 40).Select(JournalClientTests.Commit).ToList();
        var westRecords = Enumerable.Range(100, 25).Select(JournalClientTests.Commit).ToList();
        await using (var east = new KafkaJournalWriter(new JournalClientOptions { BootstrapServers = eastNode.BootstrapServers, Region = "east" }))
        await using (var west = new KafkaJournalWriter(new JournalClientOptions { BootstrapServers = westNode.BootstrapServers, Region = "west" }))
        {
            await QuorumJournalNodeTests.AppendAllAsync(east, eastRecords);
            await QuorumJournalNodeTests.AppendAllAsync(west, westRecords);
        }
        await using var reader = MultiRegionJournalReader.ForKafka(new JournalClientOptions(),
            [("east", eastNode.BootstrapServers), ("west", westNode.BootstrapServers)]);
        var entries = await ReadAsync(reader, new Dictionary<string, long>(), eastRecords.Count + westRecords.Count);
        Assert.Equal(eastRecords.Select(record => record.TransactionId),
            entries.Where(entry => entry.Region == "east").Select(entry => entry.Entry.Record.TransactionId));
        Assert.Equal(westRecords.Select(record => record.TransactionId),
            entries.Where(entry => entry.Region == "west").Select(entry => entry.Entry.Record.TransactionId));
    }

    private static async Task<List<Guid>> AppendAsync(MemoryJournal journal, int first, int count)
    {
        var ids = new List<Guid>();
        foreach (var record in Enumerable.Range(first, count).Select(JournalClientTests.Commit))
        {
            await journal.AppendAsync(0, record, CancellationToken.None);
            ids.Add(record.TransactionId);
        }
        return ids;
    }

    private static async Task<List<RegionJournalEntry>> ReadAsync(MultiRegionJournalReader reader, IReadOnlyDictionary<string, long> from, int count)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var entries = new List<RegionJournalEntry>();
        await foreach (var entry in reader.ReadAsync(0, from, timeout.Token))
        {
            entries.Add(entry);
            if (entries.Count == count)
            {
                break;
            }
        }
        return entries;
    }

    private sealed class CorruptReader : IJournalReader
    {
        public async IAsyncEnumerable<JournalEntry> ReadAsync(int partition, long fromOffset,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            throw new InvalidDataException("record 0 does not decode");
#pragma warning disable CS0162 // An iterator needs a yield.
            yield break;
#pragma warning restore CS0162
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
