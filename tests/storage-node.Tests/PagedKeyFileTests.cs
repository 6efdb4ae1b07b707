using System.Buffers.Binary;
using System.Security.Cryptography;
using Log.Journal.Records;

namespace Log.StorageNode.Tests;

/// <summary>The ordered index in pages of a key file behind a bounded cache (<see cref="KeyFile"/>, format 2).</summary>
public sealed class PagedKeyFileTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"log-key-file-tests-{Guid.NewGuid():N}");

    public PagedKeyFileTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>Keys of a few tables (table byte, then a big-endian id), in random or ascending order.</summary>
    private static byte[] TableKey(Random random, int tables = 3, long ids = 1L << 20)
    {
        var key = new byte[9];
        key[0] = (byte)random.Next(1, 1 + tables);
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(1), random.NextInt64(0, ids));
        return key;
    }

    /// <summary>Writes the index as a checkpoint does (snapshot, key file, then the pages become those of the file);
    /// returns the file's path and the snapshot's token.</summary>
    private (string Path, Guid Token) Checkpoint(OrderedKeyIndex index, Action? betweenSnapshotAndRebase = null)
    {
        var token = Guid.NewGuid();
        var path = Path.Combine(folder, KeyFile.FileNameFor(token));
        var snapshot = index.Snapshot();
        betweenSnapshotAndRebase?.Invoke();
        var written = KeyFile.Write(path, token, snapshot);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), written.FileSha256);
        index.Rebase(snapshot, path, written.Pages);
        return (path, token);
    }

    private static List<(string, long)> Collect(OrderedKeyIndex index)
    {
        var keys = new List<(string, long)>();
        index.ForEach((key, address) => keys.Add((Convert.ToHexString(key), address)));
        return keys;
    }

    private static List<(string, long)> Expected(SortedDictionary<byte[], long> reference) =>
        reference.Select(pair => (Convert.ToHexString(pair.Key), pair.Value)).ToList();

    /// <summary>
    /// Property: an index whose clean pages leave memory as soon as they may (a cache of one byte) answers every scan
    /// as an index kept whole in memory and as a sorted dictionary, under random inserts, address changes (what an
    /// update or a delete's tombstone does to the index: the key stays, its head moves), forward and backward scans, and
    /// checkpoints (some with writes between the snapshot and the key file); and the last key file loads back to the
    /// same index.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void EvictionUnderATinyCacheScansAsAnUnboundedIndex(int seed)
    {
        var random = new Random(seed);
        using var bounded = new OrderedKeyIndex { CacheBytesMax = 1 };
        using var unbounded = new OrderedKeyIndex();
        var reference = new SortedDictionary<byte[], long>(KeyComparer.Instance);
        var ascending = 0L;
        (string Path, Guid Token) last = default;
        var wrote = false;
        for (var step = 0; step < 12_000; step++)
        {
            var action = random.Next(100);
            if (action < 55)
            {
                // Inserts: random keys, and runs at the end of one table as a bulk load appends them.
                var key = random.Next(3) == 0 ? TableKey(random) : BigEndianKey(4, ascending += random.Next(1, 5));
                var address = random.NextInt64(1, 1L << 40);
                var added = reference.TryAdd(key, address);
                reference[key] = address;
                Assert.Equal(added, bounded.Add(key, address));
                Assert.Equal(added, unbounded.Add(key.ToArray(), address));
            }
            else if (action < 75 && reference.Count > 0)
            {
                var key = reference.Keys.ElementAt(random.Next(reference.Count));
                var address = random.NextInt64(1, 1L << 40);
                reference[key] = address;
                bounded.SetHeadAddress(key, address);
                unbounded.SetHeadAddress(key, address);
            }
            else if (action < 98)
            {
                var from = TableKey(random, tables: 4);
                byte[]? end = random.Next(3) == 0 ? null : TableKey(random, tables: 4);
                var countMax = random.Next(1, 1500);
                var forward = Scan(bounded, index => { var list = new List<IndexedKey>(); index.CopyRange(from, true, end, countMax, list); return list; });
                var expected = reference.Where(pair => KeyComparer.Instance.Compare(pair.Key, from) >= 0 && (end is null || KeyComparer.Instance.Compare(pair.Key, end) < 0))
                    .Take(countMax).Select(pair => (Convert.ToHexString(pair.Key), pair.Value)).ToList();
                Assert.Equal(expected, forward);
                Assert.Equal(expected, Scan(unbounded, index => { var list = new List<IndexedKey>(); index.CopyRange(from, true, end, countMax, list); return list; }));
                var backward = Scan(bounded, index => { var list = new List<IndexedKey>(); index.CopyRangeBackward(from, end, countMax, list); return list; });
                var expectedBackward = reference.Where(pair => KeyComparer.Instance.Compare(pair.Key, from) >= 0 && (end is null || KeyComparer.Instance.Compare(pair.Key, end) < 0))
                    .Reverse().Take(countMax).Select(pair => (Convert.ToHexString(pair.Key), pair.Value)).ToList();
                Assert.Equal(expectedBackward, backward);
            }
            else
            {
                // A checkpoint; sometimes the writer goes on between the snapshot and the key file, as the apply loop does.
                var pending = new List<(byte[] Key, long Address)>();
                var quiet = random.Next(2) == 0;
                last = Checkpoint(bounded, quiet ? null : () =>
                {
                    for (var write = 0; write < 200; write++)
                    {
                        var key = TableKey(random);
                        var address = random.NextInt64(1, 1L << 40);
                        reference[key] = address;
                        bounded.Add(key, address);
                        pending.Add((key, address));
                    }
                });
                foreach (var (key, address) in pending)
                {
                    unbounded.Add(key.ToArray(), address);
                }
                wrote = true;
                if (quiet)
                {
                    // Every page is clean once written, so none stays in a one-byte cache.
                    Assert.Equal(0, bounded.ByteCount);
                }
            }
        }
        Assert.True(wrote);
        Assert.True(bounded.PageReads > 0);
        Assert.Equal(reference.Count, bounded.Count);
        var expectedAll = Expected(reference);
        Assert.Equal(expectedAll, Collect(bounded));
        Assert.Equal(expectedAll, Collect(unbounded));

        // The state the last checkpoint wrote, then written again now: both files load back to what they held.
        var final = Checkpoint(bounded);
        var (pages, resident) = bounded.PageCounts();
        Assert.True(resident < pages, $"{resident} of {pages} pages resident after a checkpoint under a one-byte cache");
        using var recovered = KeyFile.Read(final.Path, final.Token, out var problem, out var fileSha256);
        Assert.Null(problem);
        Assert.NotNull(recovered);
        Assert.Null(fileSha256);
        using var target = new OrderedKeyIndex { CacheBytesMax = 1 };
        target.Load(recovered);
        Assert.Equal(expectedAll, Collect(target));
        Assert.NotNull(last.Path);
        using var older = KeyFile.Read(last.Path, last.Token, out problem, out _);
        Assert.Null(problem);
    }

    /// <summary>Readers scanning while the writer inserts and checkpoints under a one-byte cache (pages coming in and
    /// leaving memory on the readers' threads): every scan is in strictly ascending order and holds every key added
    /// before it began.</summary>
    [Fact]
    public async Task ScansDuringInsertsCheckpointsAndEvictionsSeeEveryKeyAddedBefore()
    {
        var random = new Random(9);
        var keys = Enumerable.Range(0, 30_000).Select(_ => TableKey(random)).DistinctBy(Convert.ToHexString).ToArray();
        using var index = new OrderedKeyIndex { CacheBytesMax = 1 };
        var added = 0;
        var writer = Task.Run(() =>
        {
            for (var position = 0; position < keys.Length; position++)
            {
                index.Add(keys[position], position + 1);
                Volatile.Write(ref added, position + 1);
                if (position % 3_000 == 2_999)
                {
                    Checkpoint(index);
                }
            }
        });
        async Task<int> ReadAsync()
        {
            var scans = 0;
            while (!writer.IsCompleted || scans < 3)
            {
                var before = Volatile.Read(ref added);
                var seen = new List<IndexedKey>();
                index.CopyRange([], true, null, int.MaxValue, seen);
                for (var position = 1; position < seen.Count; position++)
                {
                    Assert.True(KeyComparer.Instance.Compare(seen[position - 1].Key, seen[position].Key) < 0);
                }
                var found = seen.Select(entry => Convert.ToHexString(entry.Key)).ToHashSet();
                for (var position = 0; position < before; position++)
                {
                    Assert.Contains(Convert.ToHexString(keys[position]), found);
                }
                scans++;
                await Task.Yield();
            }
            return scans;
        }
        var readers = await Task.WhenAll(Task.Run(ReadAsync), Task.Run(ReadAsync));
        await writer;
        Assert.All(readers, scans => Assert.True(scans >= 3));
        Assert.True(index.PageReads > 0);
        Assert.Equal(keys.Length, index.Count);
    }

    private static byte[] BigEndianKey(byte table, long id)
    {
        var key = new byte[9];
        key[0] = table;
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(1), id);
        return key;
    }

    private static List<(string, long)> Scan(OrderedKeyIndex index, Func<OrderedKeyIndex, List<IndexedKey>> scan) =>
        scan(index).Select(entry => (Convert.ToHexString(entry.Key), entry.HeadAddress)).ToList();

    private (OrderedKeyIndex Index, SortedDictionary<byte[], long> Reference) Filled(int keyCount, int seed)
    {
        var random = new Random(seed);
        var index = new OrderedKeyIndex();
        var reference = new SortedDictionary<byte[], long>(KeyComparer.Instance);
        while (reference.Count < keyCount)
        {
            var key = TableKey(random);
            var address = random.NextInt64(1, 1L << 40);
            reference[key] = address;
            index.Add(key, address);
        }
        return (index, reference);
    }

    [Fact]
    public void AStartReadsOnlyTheDirectoryAndAScanOnlyThePagesItTouches()
    {
        var (index, reference) = Filled(20_000, 5);
        using var owned = index;
        var (path, token) = Checkpoint(index);
        using var loaded = KeyFile.Read(path, token, out var problem, out _)!;
        Assert.Null(problem);
        var (pages, resident) = loaded.PageCounts();
        Assert.True(pages > 20, $"{pages} pages");
        Assert.Equal(0, resident);
        Assert.Equal(0, loaded.PageReads);
        Assert.Equal(reference.Count, loaded.Count);

        var first = reference.Keys.ElementAt(10_000);
        var found = new List<IndexedKey>();
        loaded.CopyRange(first, true, null, 10, found);
        Assert.Equal(reference.Skip(10_000).Take(10).Select(pair => (Convert.ToHexString(pair.Key), pair.Value)),
            found.Select(entry => (Convert.ToHexString(entry.Key), entry.HeadAddress)));
        Assert.InRange(loaded.PageReads, 1, 2);

        // Addresses outside the recovered log's range are forgotten as pages are read.
        loaded.ForgetAddressesOutside(1L << 39, 1L << 40);
        Assert.Equal(reference.Select(pair => (Convert.ToHexString(pair.Key), pair.Value >= 1L << 39 ? pair.Value : 0)), Collect(loaded));
    }

    [Fact]
    public void ACorruptPageIsAClearErrorWhenReadAndADamagedDirectoryRejectsTheFile()
    {
        var (index, reference) = Filled(5_000, 6);
        using var owned = index;
        var (path, token) = Checkpoint(index);
        var pristine = File.ReadAllBytes(path);

        // A flipped byte inside the first page: the directory is sound, the page fails its checksum when read.
        CheckpointTests.DamageFile(path, 100, CheckpointTests.Damage.FlipByte);
        using (var loaded = KeyFile.Read(path, token, out var problem, out _))
        {
            Assert.Null(problem);
            Assert.NotNull(loaded);
            var last = new List<IndexedKey>();
            loaded.CopyRangeBackward([], null, 5, last);
            Assert.Equal(reference.Keys.Reverse().Take(5).Select(Convert.ToHexString), last.Select(entry => Convert.ToHexString(entry.Key)));
            var error = Assert.Throws<InvalidDataException>(() => loaded.CopyRange([], true, null, 5, new List<IndexedKey>()));
            Assert.Contains(path, error.Message);
            Assert.Contains("fails its checksum", error.Message);
        }

        // A flipped byte in the directory, a truncated file, another checkpoint's file: rejected at start.
        File.WriteAllBytes(path, pristine);
        CheckpointTests.DamageFile(path, pristine.Length - KeyFile.FooterBytes - 3, CheckpointTests.Damage.FlipByte);
        Assert.Null(KeyFile.Read(path, token, out var directoryProblem, out _));
        Assert.Contains("directory fails its checksum", directoryProblem);
        File.WriteAllBytes(path, pristine.AsSpan(0, pristine.Length - 10).ToArray());
        Assert.Null(KeyFile.Read(path, token, out var truncatedProblem, out _));
        Assert.NotNull(truncatedProblem);
        File.WriteAllBytes(path, pristine);
        Assert.Null(KeyFile.Read(path, Guid.NewGuid(), out var tokenProblem, out _));
        Assert.Contains("another checkpoint", tokenProblem);
    }

    [Fact]
    public void AFormatOneKeyFileStillLoadsAndTheNextCheckpointWritesPages()
    {
        var (index, reference) = Filled(3_000, 8);
        using var owned = index;
        var path = Path.Combine(folder, "old.keys");
        var sha = WriteFormatOne(path, reference.Select(pair => (pair.Key, pair.Value)).ToList());
        using var loaded = KeyFile.Read(path, Guid.NewGuid(), out var problem, out var fileSha256);
        Assert.Null(problem);
        Assert.NotNull(loaded);
        Assert.Equal(sha, fileSha256);
        Assert.Equal(Expected(reference), Collect(loaded));

        var (pagedPath, token) = Checkpoint(loaded);
        Assert.Equal("LOGKEYS2"u8.ToArray(), File.ReadAllBytes(pagedPath).AsSpan(0, 8).ToArray());
        using var paged = KeyFile.Read(pagedPath, token, out problem, out _);
        Assert.Null(problem);
        Assert.Equal(Expected(reference), Collect(paged!));

        // A damaged format 1 file is still rejected whole.
        CheckpointTests.DamageFile(path, -1, CheckpointTests.Damage.FlipByte);
        Assert.Null(KeyFile.Read(path, Guid.NewGuid(), out problem, out _));
        Assert.NotNull(problem);
    }

    /// <summary>A key file as format 1 wrote it ("LOGKEYS1", count, per key length, bytes and address, SHA-256 of all
    /// of that); returns the SHA-256 of the whole file.</summary>
    internal static string WriteFormatOne(string path, IReadOnlyList<(byte[] Key, long Address)> keys)
    {
        using var body = new MemoryStream();
        body.Write("LOGKEYS1"u8);
        var scratch = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(scratch, keys.Count);
        body.Write(scratch);
        foreach (var (key, address) in keys)
        {
            BinaryPrimitives.WriteInt32BigEndian(scratch, key.Length);
            body.Write(scratch.AsSpan(0, 4));
            body.Write(key);
            BinaryPrimitives.WriteInt64BigEndian(scratch, address);
            body.Write(scratch);
        }
        body.Write(SHA256.HashData(body.ToArray()));
        File.WriteAllBytes(path, body.ToArray());
        return Convert.ToHexStringLower(SHA256.HashData(body.ToArray()));
    }
}
