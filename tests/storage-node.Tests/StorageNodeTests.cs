using Log.Journal.Client;
using Log.Journal.Records;
using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

public sealed class StorageNodeTests
{
    [Fact]
    public async Task PointReadsSeeTheSnapshotOfTheirTimestamp()
    {
        await using var harness = await StorageNodeHarness.StartAsync();
        await harness.AppendAllAndWaitAsync(
            Commit(10, ("a", "one")),
            Commit(20, ("a", "two"), ("b", "bee")),
            Commit(30, ("a", null)),
            Commit(40, ("a", "four")),
            Heartbeat(100));

        Assert.Null(await harness.GetAsync("a", 9));
        Assert.Equal("one", await harness.GetAsync("a", 10));
        Assert.Equal("one", await harness.GetAsync("a", 19));
        Assert.Equal("two", await harness.GetAsync("a", 20));
        Assert.Equal("two", await harness.GetAsync("a", 29));
        Assert.Null(await harness.GetAsync("a", 30));
        Assert.Null(await harness.GetAsync("a", 39));
        Assert.Equal("four", await harness.GetAsync("a", 40));
        Assert.Equal("four", await harness.GetAsync("a", 100));
        Assert.Null(await harness.GetAsync("b", 19));
        Assert.Equal("bee", await harness.GetAsync("b", 100));
        Assert.Null(await harness.GetAsync("missing", 100));
        Assert.Equal(5, harness.Node.NextOffset);
        Assert.Equal(Ts(100), harness.Node.ResolvedTimestamp);
    }

    [Fact]
    public async Task TheLastWriteOfATransactionToAKeyWins()
    {
        await using var harness = await StorageNodeHarness.StartAsync();
        await harness.AppendAllAndWaitAsync(
            Commit(10, ("k", "first"), ("k", "second")),
            Commit(20, ("j", "value"), ("j", null)));
        Assert.Equal("second", await harness.GetAsync("k", 10));
        Assert.Null(await harness.GetAsync("j", 20));
    }

    [Fact]
    public async Task ReplayingRecordsTwiceChangesNothing()
    {
        var records = new[]
        {
            Commit(10, ("a", "1"), ("b", "1")),
            Commit(20, ("a", "2")),
            Commit(30, ("b", null), ("c", "3")),
        };
        await using var once = await StorageNodeHarness.StartAsync();
        await once.AppendAllAndWaitAsync([.. records, Heartbeat(50)]);
        await using var twice = await StorageNodeHarness.StartAsync();
        await twice.AppendAllAndWaitAsync([.. records, .. records, Heartbeat(50)]);

        // Also an older version arriving after a newer one is skipped, not layered on top.
        await twice.AppendAllAndWaitAsync(Commit(15, ("a", "stale")));

        foreach (var timestamp in new ulong[] { 10, 15, 20, 30, 50 })
        {
            Assert.Equal(once.Node.ComputeStateDigest(Ts(timestamp)), twice.Node.ComputeStateDigest(Ts(timestamp)));
        }
        Assert.Equal("2", await twice.GetAsync("a", 50));
        Assert.Equal("1", await twice.GetAsync("a", 15));
        Assert.Equal(once.Node.KeyCount, twice.Node.KeyCount);
    }

    [Fact]
    public async Task ScansReturnVisibleKeysInUnsignedByteOrderWithinBoundsAndLimit()
    {
        // A small batch so that scans cross several index batches.
        await using var harness = await StorageNodeHarness.StartAsync(configure: options => options with { ScanBatchKeyCount = 2 });
        byte[][] keys = [[0x00], [0x01, 0x00], [0x01], [0x7F], [0x80], [0x80, 0x00], [0xFF], [0xFF, 0xFF]];
        var writes = keys.Select(key => new JournalWrite(key, [key[0], (byte)key.Length])).ToList();
        await harness.MemoryJournal.AppendAsync(0, JournalRecord.ForCommit(Guid.NewGuid(), Ts(1), Ts(10), 0, 1, writes), CancellationToken.None);
        await harness.AppendAllAndWaitAsync(Commit(20, ("\u007F", null)), Heartbeat(30));
        var deleted = new byte[] { 0x7F };
        var sorted = keys.OrderBy(key => key, KeyComparer.Instance).ToList();

        var all = await harness.Node.ScanAsync([], null, ReadPoint.Unfenced(Ts(30)), 100, CancellationToken.None);
        Assert.Equal(sorted.Where(key => !key.SequenceEqual(deleted)).Select(Convert.ToHexString), all.Select(pair => Convert.ToHexString(pair.Key)));
        Assert.All(all, pair => Assert.Equal(new[] { pair.Key[0], (byte)pair.Key.Length }, pair.Value));

        var before = await harness.Node.ScanAsync([], null, ReadPoint.Unfenced(Ts(15)), 100, CancellationToken.None);
        Assert.Equal(sorted.Select(Convert.ToHexString), before.Select(pair => Convert.ToHexString(pair.Key)));

        var range = await harness.Node.ScanAsync([0x01], [0x80, 0x00], ReadPoint.Unfenced(Ts(30)), 100, CancellationToken.None);
        Assert.Equal(["01", "0100", "80"], range.Select(pair => Convert.ToHexString(pair.Key)));

        var limited = await harness.Node.ScanAsync([0x01], null, ReadPoint.Unfenced(Ts(30)), 3, CancellationToken.None);
        Assert.Equal(["01", "0100", "80"], limited.Select(pair => Convert.ToHexString(pair.Key)));

        Assert.Empty(await harness.Node.ScanAsync([0x80], [0x80], ReadPoint.Unfenced(Ts(30)), 10, CancellationToken.None));
        Assert.Empty(await harness.Node.ScanAsync([], null, ReadPoint.Unfenced(Ts(30)), 0, CancellationToken.None));
        Assert.Empty(await harness.Node.ScanAsync([], null, ReadPoint.Unfenced(Ts(5)), 10, CancellationToken.None));
    }

    [Fact]
    public async Task AnUnfencedReadWaitsForTheResolvedTimestamp()
    {
        await using var harness = await StorageNodeHarness.StartAsync();
        await harness.AppendAllAndWaitAsync(Commit(10, ("k", "old")));
        var read = harness.Node.GetAsync(Bytes("k"), ReadPoint.Unfenced(Ts(50)), CancellationToken.None).AsTask();
        await Task.Delay(100);
        Assert.False(read.IsCompleted);

        await harness.AppendAsync(Commit(50, ("k", "new")));
        Assert.Equal("new", Text(await read.WaitAsync(TestTimeout)));
    }

    [Fact]
    public async Task AHeartbeatReleasesAWaitingRead()
    {
        await using var harness = await StorageNodeHarness.StartAsync();
        await harness.AppendAllAndWaitAsync(Commit(10, ("k", "old")));
        var read = harness.Node.GetAsync(Bytes("k"), ReadPoint.Unfenced(Ts(50)), CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(read.IsCompleted);
        await harness.AppendAsync(Heartbeat(60));
        Assert.Equal("old", Text(await read.WaitAsync(TestTimeout)));
    }

    [Fact]
    public async Task AFencedReadWaitsForItsOffset()
    {
        await using var harness = await StorageNodeHarness.StartAsync();
        await harness.AppendAllAndWaitAsync(Commit(10, ("k", "old")), Heartbeat(1000));
        // Resolved is far ahead, but the fence says the commit at offset 2 must be applied first.
        var read = harness.Node.GetAsync(Bytes("k"), new ReadPoint(Ts(2000), 3), CancellationToken.None).AsTask();
        await Task.Delay(100);
        Assert.False(read.IsCompleted);
        await harness.AppendAsync(Commit(2000, ("k", "fenced")));
        Assert.Equal("fenced", Text(await read.WaitAsync(TestTimeout)));
    }

    [Fact]
    public async Task AReadThatCannotBeServedInTimeFailsClearly()
    {
        await using var harness = await StorageNodeHarness.StartAsync(
            configure: options => options with { ReadWaitTimeout = TimeSpan.FromMilliseconds(200) });
        await harness.AppendAllAndWaitAsync(Commit(10, ("k", "v")));
        var exception = await Assert.ThrowsAsync<StorageUnavailableException>(
            () => harness.Node.GetAsync(Bytes("k"), ReadPoint.Unfenced(Ts(500)), CancellationToken.None).AsTask().WaitAsync(TestTimeout));
        Assert.Contains("resolved timestamp", exception.Message);
        await Assert.ThrowsAsync<StorageUnavailableException>(
            () => harness.Node.ScanAsync([], null, new ReadPoint(Ts(5), 7), 10, CancellationToken.None).AsTask().WaitAsync(TestTimeout));
        // The node itself is fine: a read it can serve still succeeds.
        Assert.Equal("v", await harness.GetAsync("k", 10));
    }

    [Fact]
    public async Task AWaitingReadHonoursItsCancellationToken()
    {
        await using var harness = await StorageNodeHarness.StartAsync();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => harness.Node.GetAsync(Bytes("k"), ReadPoint.Unfenced(Ts(500)), cancellation.Token).AsTask().WaitAsync(TestTimeout));
    }

    [Fact]
    public async Task DisposingFailsWaitingReads()
    {
        var harness = await StorageNodeHarness.StartAsync();
        var read = harness.Node.GetAsync(Bytes("k"), ReadPoint.Unfenced(Ts(500)), CancellationToken.None).AsTask();
        await harness.DisposeAsync().AsTask().WaitAsync(TestTimeout);
        await Assert.ThrowsAsync<StorageUnavailableException>(() => read.WaitAsync(TestTimeout));
    }

    [Fact]
    public async Task ACorruptRecordStopsApplyingAndFailsReads()
    {
        var journal = new ScriptedJournal(
            [new JournalEntry(0, 0, Commit(10, ("k", "v"))), new JournalEntry(0, 1, Heartbeat(20))],
            new InvalidDataException("Journal record is not valid MessagePack."));
        await using var harness = await StorageNodeHarness.StartAsync(journal);
        var exception = await Assert.ThrowsAsync<StorageUnavailableException>(
            () => harness.Node.WaitForOffsetAsync(3, CancellationToken.None).WaitAsync(TestTimeout));
        Assert.Contains("offset 2", exception.Message);
        Assert.Contains("cannot be decoded", exception.Message);
        Assert.Equal(2, harness.Node.NextOffset);
        // Even a read the node could have served fails: the replica no longer claims to be right.
        await Assert.ThrowsAsync<StorageUnavailableException>(() => harness.GetAsync("k", 10));
        Assert.NotNull(harness.Node.FailureReason);
    }

    [Fact]
    public async Task AGapInOffsetsStopsApplying()
    {
        var journal = new ScriptedJournal(
            [new JournalEntry(0, 0, Commit(10, ("k", "v"))), new JournalEntry(0, 2, Commit(30, ("k", "w")))], endWith: null);
        await using var harness = await StorageNodeHarness.StartAsync(journal);
        var exception = await Assert.ThrowsAsync<StorageUnavailableException>(
            () => harness.Node.WaitForOffsetAsync(3, CancellationToken.None).WaitAsync(TestTimeout));
        Assert.Contains("skipped from offset 1 to 2", exception.Message);
        Assert.Equal(1, harness.Node.NextOffset);
    }

    [Fact]
    public async Task DigestsAreEqualForTheSameJournalAndDifferForDifferentData()
    {
        var records = new[] { Commit(10, ("a", "1"), ("b", "2")), Commit(20, ("a", null), ("c", "3")), Heartbeat(30) };
        await using var first = await StorageNodeHarness.StartAsync();
        await first.AppendAllAndWaitAsync(records);
        await using var second = await StorageNodeHarness.StartAsync();
        await second.AppendAllAndWaitAsync(records);
        await using var different = await StorageNodeHarness.StartAsync();
        await different.AppendAllAndWaitAsync(Commit(10, ("a", "1"), ("b", "2")), Commit(20, ("a", null), ("c", "4")), Heartbeat(30));

        var digest = first.Node.ComputeStateDigest(Ts(30));
        Assert.Equal(32, digest.Length);
        Assert.Equal(digest, second.Node.ComputeStateDigest(Ts(30)));
        Assert.Equal(digest, await second.Node.ComputeStateDigestAsync(ReadPoint.Unfenced(Ts(30)), CancellationToken.None));
        Assert.NotEqual(digest, different.Node.ComputeStateDigest(Ts(30)));
        // Same data at 10, different at 20: the digest is of the snapshot, not of the history.
        Assert.Equal(first.Node.ComputeStateDigest(Ts(10)), different.Node.ComputeStateDigest(Ts(10)));
        Assert.NotEqual(first.Node.ComputeStateDigest(Ts(10)), digest);

        // A fresh node replaying the same journal (what every restart does) reproduces the state.
        await using var replayed = await StorageNodeHarness.StartAsync(first.Journal);
        await replayed.Node.WaitForOffsetAsync(records.Length, CancellationToken.None).WaitAsync(TestTimeout);
        Assert.Equal(digest, replayed.Node.ComputeStateDigest(Ts(30)));
    }

    [Fact]
    public async Task VersionsEvictedFromMemoryAreReadBackFromDisk()
    {
        // Twelve MiB of versions through a 4 MiB in-memory log: the oldest ones are only on disk.
        await using var harness = await StorageNodeHarness.StartAsync();
        const int keyCount = 1500;
        const int valueSizeBytes = 8 << 10;
        static byte[] Value(int key, int version) => Enumerable.Repeat((byte)(key * 7 + version), valueSizeBytes).ToArray();
        for (var batch = 0; batch < keyCount; batch += 100)
        {
            var writes = Enumerable.Range(batch, 100).Select(key => new JournalWrite(Bytes($"key{key:D5}"), Value(key, 1))).ToList();
            await harness.AppendCommitAsync(1, 10 + (ulong)batch, writes);
        }
        await harness.AppendAllAndWaitAsync(Commit(10_000, ("key00000", "newest")), Heartbeat(20_000));

        Assert.Equal(Value(0, 1), await harness.Node.GetAsync(Bytes("key00000"), ReadPoint.Unfenced(Ts(9_999)), CancellationToken.None));
        Assert.Equal("newest", await harness.GetAsync("key00000", 20_000));
        Assert.Equal(Value(1, 1), await harness.Node.GetAsync(Bytes("key00001"), ReadPoint.Unfenced(Ts(20_000)), CancellationToken.None));
        var scanned = await harness.Node.ScanAsync(Bytes("key00001"), null, ReadPoint.Unfenced(Ts(20_000)), keyCount, CancellationToken.None);
        Assert.Equal(keyCount - 1, scanned.Count);
        Assert.All(scanned, pair => Assert.Equal(valueSizeBytes, pair.Value.Length));
    }

    [Fact]
    public async Task AValueTooLargeForAPageStopsApplyingClearly()
    {
        await using var harness = await StorageNodeHarness.StartAsync();
        var huge = new byte[2 << 20];
        var end = await harness.AppendCommitAsync(1, 10, [new JournalWrite(Bytes("k"), huge)]);
        var exception = await Assert.ThrowsAsync<StorageUnavailableException>(
            () => harness.Node.WaitForOffsetAsync(end, CancellationToken.None).WaitAsync(TestTimeout));
        Assert.Contains("exceed", exception.Message);
    }

    [Fact]
    public async Task StartingTwiceIsABug()
    {
        await using var harness = await StorageNodeHarness.StartAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => harness.Node.StartAsync(CancellationToken.None));
    }

    /// <summary>Yields fixed entries, then throws <paramref name="endWith"/> or waits forever.</summary>
    private sealed class ScriptedJournal(IReadOnlyList<JournalEntry> entries, Exception? endWith) : IJournalReader
    {
        public async IAsyncEnumerable<JournalEntry> ReadAsync(int partition, long fromOffset,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var entry in entries.Where(entry => entry.Offset >= fromOffset))
            {
                yield return entry;
            }
            if (endWith is not null)
            {
                throw endWith;
            }
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
