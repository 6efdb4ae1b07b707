using Log.Journal.Client;
using Log.Journal.Node;
using Log.Journal.Records;
using Log.Journal.Time;
using Xunit.Abstractions;

namespace Log.Journal.Tests;

/// <summary>Splitting a large commit into fragments and putting it back together, as the
/// adjudicator writes it and storage nodes and the adjudicator's replay read it.</summary>
public sealed class JournalFragmentTests(ITestOutputHelper output)
{
    private static readonly HybridTimestamp Start = HybridTimestamp.From(1_000, 0);
    private static readonly HybridTimestamp CommitAt = HybridTimestamp.From(1_000, 5);

    private static byte[] Filled(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>The records of one transaction as they would be appended, each through the codec.</summary>
    private static List<JournalRecord> RecordsOf(FragmentedCommit fragments) =>
        [.. fragments.LeadingFragments.Append(fragments.Final(Start, CommitAt))
            .Select(record => JournalRecordCodec.Decode(JournalRecordCodec.Encode(record)))];

    private static void AssertSameWrites(IReadOnlyList<JournalWrite> expected, IReadOnlyList<JournalWrite> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var index = 0; index < expected.Count; index++)
        {
            Assert.Equal(expected[index].Key, actual[index].Key);
            Assert.Equal(expected[index].Value, actual[index].Value);
        }
    }

    [Fact]
    public void A_small_write_set_is_one_ordinary_commit_record()
    {
        var writes = new List<JournalWrite> { new([1], [2]), new([3], null) };
        var fragments = JournalFragmenter.Split(Guid.NewGuid(), 0, 7, writes);

        Assert.Empty(fragments.LeadingFragments);
        var final = fragments.Final(Start, CommitAt);
        Assert.Equal(JournalRecordKind.Commit, final.Kind);
        Assert.Equal(1, final.FragmentCount);
        Assert.Null(final.FragmentBytes);
        Assert.Same(writes, final.Writes);
        Assert.Same(final, new FragmentAssembler().Accept(final));
    }

    [Fact]
    public void A_two_megabyte_value_becomes_fragments_under_the_record_limit_and_comes_back_whole()
    {
        var writes = new List<JournalWrite> { new([1, 1], Filled(2 * 1024 * 1024, 1)), new([2], null), new([3], [9]) };
        var transactionId = Guid.NewGuid();
        var records = RecordsOf(JournalFragmenter.Split(transactionId, 0, 7, writes));

        Assert.Equal(5, records.Count); // 2 MiB plus framing in 512 KiB slices
        Assert.All(records, record => Assert.True(JournalRecordCodec.Encode(record).Length <= JournalLimits.RecordBytesMax));
        Assert.All(records.SkipLast(1), record => Assert.Equal(JournalRecordKind.CommitFragment, record.Kind));
        Assert.All(records.SkipLast(1), record => Assert.Equal(0UL, record.CommitTimestamp));
        Assert.Equal(JournalRecordKind.Commit, records[^1].Kind);
        Assert.Equal(Enumerable.Range(0, 5), records.Select(record => record.FragmentIndex));

        var assembler = new FragmentAssembler();
        foreach (var leading in records.SkipLast(1))
        {
            Assert.Null(assembler.Accept(leading));
        }
        Assert.Equal(transactionId, assembler.PendingTransactionId);
        var whole = assembler.Accept(records[^1]);

        Assert.NotNull(whole);
        Assert.Equal(JournalRecordKind.Commit, whole.Kind);
        Assert.Equal(transactionId, whole.TransactionId);
        Assert.Equal(CommitAt, whole.Commit);
        Assert.Equal(1, whole.FragmentCount);
        AssertSameWrites(writes, whole.Writes);
        Assert.Null(assembler.PendingTransactionId);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Random_write_sets_round_trip_through_fragments_of_any_size(int seed)
    {
        var random = new Random(seed);
        for (var round = 0; round < 200; round++)
        {
            var writes = Enumerable.Range(0, random.Next(1, 20))
                .Select(index => new JournalWrite(Filled(random.Next(1, 40), random.Next()),
                    random.Next(5) == 0 ? null : Filled(random.Next(0, 300), random.Next())))
                .ToList();
            var payload = random.Next(1, 200);
            FragmentedCommit fragments;
            try
            {
                fragments = JournalFragmenter.Split(Guid.NewGuid(), 1, 2, writes, payload);
            }
            catch (ArgumentException)
            {
                // Tiny payloads can need more fragments than a transaction may take: refused, as it must be.
                Assert.True(JournalRecordCodec.EncodeWriteSet(writes).Length > payload * JournalLimits.FragmentsPerTransactionMax);
                continue;
            }
            var assembler = new FragmentAssembler();
            var applied = RecordsOf(fragments).Select(assembler.Accept).Where(record => record is not null).ToList();

            var whole = Assert.Single(applied);
            AssertSameWrites(writes, whole!.Writes);
        }
    }

    [Fact]
    public void Fragments_that_no_final_record_follows_are_never_applied()
    {
        var writes = new List<JournalWrite> { new([5], Filled(1_500_000, 2)) };
        var crashed = RecordsOf(JournalFragmenter.Split(Guid.NewGuid(), 0, 7, writes));
        var failed = RecordsOf(JournalFragmenter.Split(Guid.NewGuid(), 0, 7, writes));
        var later = JournalRecord.ForCommit(Guid.NewGuid(), CommitAt, HybridTimestamp.From(2_000, 0), 0, 8, [new([6], [6])]);
        var epochStart = new JournalRecord { Kind = JournalRecordKind.EpochStart, TransactionId = Guid.NewGuid(), Epoch = 8 };
        var heartbeat = JournalRecord.ForHeartbeat(HybridTimestamp.From(1_500, 0), 0, 7);
        Assert.Equal(3, crashed.Count);

        // Crash after fragment 1 of 3, a new writer's EpochStart; then fragment 1 of 3 and a heartbeat; then a commit.
        var partition = new List<JournalRecord> { crashed[0], epochStart, failed[0], failed[1], heartbeat, later };
        var assembler = new FragmentAssembler();
        var applied = partition.Select(assembler.Accept).Where(record => record is not null).ToList();

        Assert.Equal([JournalRecordKind.EpochStart, JournalRecordKind.Heartbeat, JournalRecordKind.Commit],
            applied.Select(record => record!.Kind));
        Assert.Equal(later.TransactionId, applied[^1]!.TransactionId);
        Assert.Equal(2, assembler.AbandonedCount);
        Assert.Null(assembler.PendingTransactionId);
    }

    [Fact]
    public void A_second_attempt_after_a_broken_first_one_commits_once()
    {
        var writes = new List<JournalWrite> { new([5], Filled(2_000_000, 3)) };
        var records = RecordsOf(JournalFragmenter.Split(Guid.NewGuid(), 0, 7, writes));
        // First attempt: fragment 1 was lost, fragment 2 landed; then the writer starts again from 0.
        var partition = new List<JournalRecord> { records[0], records[2] };
        partition.AddRange(records);
        var assembler = new FragmentAssembler();

        var applied = partition.Select(assembler.Accept).Where(record => record is not null).ToList();

        AssertSameWrites(writes, Assert.Single(applied)!.Writes);
    }

    [Fact]
    public void A_final_record_without_all_its_fragments_right_before_it_is_corruption()
    {
        var writes = new List<JournalWrite> { new([5], Filled(2_000_000, 4)) };
        var records = RecordsOf(JournalFragmenter.Split(Guid.NewGuid(), 0, 7, writes));
        var heartbeat = JournalRecord.ForHeartbeat(HybridTimestamp.From(1_500, 0), 0, 7);

        Assert.Throws<InvalidDataException>(() => new FragmentAssembler().Accept(records[^1]));

        var missingMiddle = new FragmentAssembler();
        missingMiddle.Accept(records[0]);
        missingMiddle.Accept(records[2]);
        Assert.Throws<InvalidDataException>(() => missingMiddle.Accept(records[^1]));

        var interrupted = new FragmentAssembler();
        interrupted.Accept(records[0]);
        interrupted.Accept(records[1]);
        interrupted.Accept(heartbeat);
        Assert.Throws<InvalidDataException>(() => interrupted.Accept(records[^1]));

        var otherTransaction = RecordsOf(JournalFragmenter.Split(Guid.NewGuid(), 0, 7, writes));
        var mixed = new FragmentAssembler();
        mixed.Accept(otherTransaction[0]);
        mixed.Accept(otherTransaction[1]);
        Assert.Throws<InvalidDataException>(() => mixed.Accept(records[^1]));
    }

    [Fact]
    public void The_codec_refuses_broken_fragments_and_records_over_the_limit()
    {
        var writes = new List<JournalWrite> { new([5], Filled(1_500_000, 5)) };
        var records = JournalFragmenter.Split(Guid.NewGuid(), 0, 7, writes).LeadingFragments;
        var leading = records[0];
        var final = JournalFragmenter.Split(Guid.NewGuid(), 0, 7, writes).Final(Start, CommitAt);

        Assert.Null(JournalRecordCodec.Validate(leading));
        Assert.Null(JournalRecordCodec.Validate(final));
        Assert.NotNull(JournalRecordCodec.Validate(leading with { CommitTimestamp = CommitAt.Value }));
        Assert.NotNull(JournalRecordCodec.Validate(leading with { FragmentIndex = leading.FragmentCount - 1 }));
        Assert.NotNull(JournalRecordCodec.Validate(leading with { FragmentIndex = leading.FragmentCount }));
        Assert.NotNull(JournalRecordCodec.Validate(leading with { FragmentCount = 1 }));
        Assert.NotNull(JournalRecordCodec.Validate(leading with { FragmentBytes = null }));
        Assert.NotNull(JournalRecordCodec.Validate(leading with { FragmentBytes = new byte[JournalLimits.FragmentPayloadBytes + 1] }));
        Assert.NotNull(JournalRecordCodec.Validate(leading with { Writes = [new([1], [1])] }));
        Assert.NotNull(JournalRecordCodec.Validate(leading with { FormatVersion = 1 }));
        Assert.NotNull(JournalRecordCodec.Validate(final with { WriteSetBytes = 0 }));
        Assert.NotNull(JournalRecordCodec.Validate(final with { FragmentCount = JournalLimits.FragmentsPerTransactionMax + 1 }));
        Assert.NotNull(JournalRecordCodec.Validate(JournalRecord.ForHeartbeat(CommitAt, 0, 7) with { FragmentCount = 2, FragmentIndex = 1 }));

        var unfragmented = JournalRecord.ForCommit(Guid.NewGuid(), Start, CommitAt, 0, 7, writes);
        var refused = Assert.Throws<ArgumentException>(() => JournalRecordCodec.Encode(unfragmented));
        Assert.Contains("fragments", refused.Message);
    }

    /// <summary>A record exactly as format version 1 wrote it: keys 0-8, nothing of fragments.</summary>
    [MessagePack.MessagePackObject]
    public sealed class VersionOneRecord
    {
        [MessagePack.Key(0)] public int FormatVersion { get; set; } = 1;
        [MessagePack.Key(1)] public JournalRecordKind Kind { get; set; }
        [MessagePack.Key(2)] public Guid TransactionId { get; set; }
        [MessagePack.Key(3)] public ulong StartTimestamp { get; set; }
        [MessagePack.Key(4)] public ulong CommitTimestamp { get; set; }
        [MessagePack.Key(5)] public int Shard { get; set; }
        [MessagePack.Key(6)] public long Epoch { get; set; }
        [MessagePack.Key(7)] public List<JournalWrite> Writes { get; set; } = [];
        [MessagePack.Key(8)] public ulong ClosedTimestamp { get; set; }
    }

    [Fact]
    public void A_version_1_record_still_reads_as_an_unfragmented_one()
    {
        var old = new VersionOneRecord
        {
            Kind = JournalRecordKind.Commit,
            TransactionId = Guid.NewGuid(),
            StartTimestamp = Start.Value,
            CommitTimestamp = CommitAt.Value,
            ClosedTimestamp = CommitAt.Value,
            Writes = [new([1], [2])],
        };
        var decoded = JournalRecordCodec.Decode(MessagePack.MessagePackSerializer.Serialize(old));

        Assert.Equal(1, decoded.FormatVersion);
        Assert.Equal(1, decoded.FragmentCount);
        Assert.Equal(0, decoded.FragmentIndex);
        Assert.Null(decoded.FragmentBytes);
        Assert.Equal(old.TransactionId, decoded.TransactionId);
        Assert.Same(decoded, new FragmentAssembler().Accept(decoded));
    }

    [Fact]
    public void A_write_set_beyond_the_transaction_maximum_is_refused()
    {
        var writes = Enumerable.Range(0, 40).Select(index => new JournalWrite([(byte)index], new byte[1024 * 1024])).ToList();
        Assert.Throws<ArgumentException>(() => JournalFragmenter.Split(Guid.NewGuid(), 0, 7, writes));
    }

    [Fact]
    public void The_size_limits_fit_each_other_and_a_default_broker()
    {
        Assert.True(JournalLimits.RecordBytesMax + JournalLimits.BatchFramingBytesMax <= JournalLimits.ProducerMessageBytesMax);
        Assert.True(JournalLimits.ProducerMessageBytesMax <= JournalLimits.BrokerBatchBytesMax);
        Assert.Equal(1_048_588, JournalLimits.BrokerBatchBytesMax);
        Assert.Equal(JournalLimits.BrokerBatchBytesMax, new JournalNodeOptions { DataDirectory = "unused" }.MaxBatchBytes);
        // The largest transaction (10 MiB of keys and values) with its framing fits the fragments a transaction may take.
        Assert.True(JournalLimits.WriteSetBytesMax >= 11L * 1024 * 1024);
    }

    [Fact]
    public async Task A_ten_megabyte_transaction_travels_through_the_journal_node_with_default_limits()
    {
        await using var node = await TestNode.StartAsync(output);
        await TravelAsync(node.BootstrapServers);
    }

    [DockerFact]
    public async Task A_ten_megabyte_transaction_travels_through_a_Kafka_broker_with_default_settings()
    {
        await using var kafka = await TestcontainersKafkaTarget.StartAsync();
        await TravelAsync(kafka.BootstrapServers);
    }

    [RealKafkaFact]
    public async Task A_ten_megabyte_transaction_travels_through_real_Kafka()
    {
        await TravelAsync(RealKafkaTarget.Configured!);
    }

    /// <summary>Writes a 10 MiB transaction as the adjudicator does (fragments, then the final
    /// record) through the producer with Log's settings, reads it back and puts it together.</summary>
    private static async Task TravelAsync(string bootstrapServers)
    {
        var options = new JournalClientOptions { BootstrapServers = bootstrapServers, Region = "fragments-" + Guid.NewGuid().ToString("N") };
        await using var writer = new KafkaJournalWriter(options);
        await using var reader = new KafkaJournalReader(options);
        var writes = new List<JournalWrite> { new([7], Filled(10 * 1024 * 1024 - 100, 6)) };
        var fragments = JournalFragmenter.Split(Guid.NewGuid(), 0, 7, writes);
        var all = fragments.LeadingFragments.Append(fragments.Final(Start, CommitAt)).ToList();

        var offsets = new List<long>();
        foreach (var record in all)
        {
            offsets.Add(await writer.AppendAsync(0, record, CancellationToken.None));
        }

        var assembler = new FragmentAssembler();
        JournalRecord? whole = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var entry in reader.ReadAsync(0, offsets[0], timeout.Token))
        {
            whole = assembler.Accept(entry.Record);
            if (entry.Offset == offsets[^1])
            {
                break;
            }
        }
        Assert.Equal(20, all.Count); // 10 MiB minus 100 bytes, plus framing, in 512 KiB slices
        Assert.NotNull(whole);
        AssertSameWrites(writes, whole.Writes);
    }

    [Fact]
    public async Task A_record_the_broker_refuses_is_reported_as_not_written_and_not_transient()
    {
        // A broker whose limit is below the record (as a 1 MB broker was below a 2 MB transaction
        // before fragments): the writer must say that the record is certainly not there, so the
        // adjudicator fails just that transaction, and later appends must still work.
        await using var node = await TestNode.StartAsync(output, configure: options => options.MaxBatchBytes = 32 * 1024);
        var options = new JournalClientOptions { BootstrapServers = node.BootstrapServers, Region = "too-large" };
        await using var writer = new KafkaJournalWriter(options);
        await writer.AppendAsync(0, JournalRecord.ForHeartbeat(Start, 0, 7), CancellationToken.None);

        var refused = await Assert.ThrowsAsync<JournalAppendException>(() => writer.AppendAsync(0,
            JournalRecord.ForCommit(Guid.NewGuid(), Start, CommitAt, 0, 7, [new([1], new byte[100 * 1024])]), CancellationToken.None));

        output.WriteLine(refused.ToString());
        Assert.False(refused.MayHaveBeenWritten);
        Assert.False(refused.IsTransient);
        var offset = await writer.AppendAsync(0, JournalRecord.ForHeartbeat(CommitAt, 0, 7), CancellationToken.None);
        Assert.Equal(1, offset);
    }
}
