using Log.Journal.Records;

namespace Log.StorageNode.Tests;

public sealed class OrderedKeyIndexTests
{
    [Fact]
    public void RangesMatchASortedSetAcrossChunkSplits()
    {
        var random = new Random(7);
        using var index = new OrderedKeyIndex();
        var reference = new SortedSet<byte[]>(KeyComparer.Instance);
        byte[] RandomKey()
        {
            var key = new byte[random.Next(0, 4)];
            random.NextBytes(key);
            return key;
        }
        // Enough keys for many chunk splits.
        for (var count = 0; count < OrderedKeyIndex.ChunkKeyCountMax * 8; count++)
        {
            var key = RandomKey();
            Assert.Equal(reference.Add(key), index.Add(key));
        }
        Assert.Equal(reference.Count, index.Count);

        var batch = new KeyBatch(keyCapacity: 16);
        for (var round = 0; round < 300; round++)
        {
            var from = RandomKey();
            var inclusive = random.Next(2) == 0;
            var end = random.Next(3) == 0 ? null : RandomKey();
            var countMax = random.Next(0, 700);
            var expected = reference
                .Where(key => KeyComparer.Instance.Compare(key, from) is var order && (inclusive ? order >= 0 : order > 0))
                .Where(key => end is null || KeyComparer.Instance.Compare(key, end) < 0)
                .Take(countMax)
                .Select(Convert.ToHexString)
                .ToList();
            var actual = new List<byte[]>();
            index.CopyRange(from, inclusive, end, countMax, actual);
            Assert.Equal(expected, actual.Select(Convert.ToHexString));

            // A scan's batch, reused from round to round (cleared, never shrunk): the same keys, packed.
            batch.Clear();
            index.CopyRange(from, inclusive, end, countMax, batch);
            Assert.Equal(expected, Keys(batch));

            // Backwards from the end (exclusive) down to from (inclusive), as a backward scan reads.
            var expectedBackward = reference
                .Where(key => KeyComparer.Instance.Compare(key, from) >= 0)
                .Where(key => end is null || KeyComparer.Instance.Compare(key, end) < 0)
                .Reverse()
                .Take(countMax)
                .Select(Convert.ToHexString)
                .ToList();
            var actualBackward = new List<IndexedKey>();
            index.CopyRangeBackward(from, end, countMax, actualBackward);
            Assert.Equal(expectedBackward, actualBackward.Select(entry => Convert.ToHexString(entry.Key)));
            batch.Clear();
            index.CopyRangeBackward(from, end, countMax, batch);
            Assert.Equal(expectedBackward, Keys(batch));
        }
    }

    private static List<string> Keys(KeyBatch batch) =>
        Enumerable.Range(0, batch.Count).Select(position => Convert.ToHexString(batch.Key(position))).ToList();

    [Fact]
    public void AKeyBatchGrowsPastItsCapacityAndKeepsEachKeyAndAddress()
    {
        // Keys longer than the bytes a batch reserves per key at first, and more keys than its capacity.
        using var index = new OrderedKeyIndex();
        var expected = new List<(string Key, long Address)>();
        for (var number = 0; number < 3 * OrderedKeyIndex.ChunkKeyCountMax; number++)
        {
            var key = new byte[5 + number % 40];
            key[0] = 0x12;
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(key.AsSpan(1), number);
            Assert.True(index.Add(key, headAddress: 1000 + number));
            expected.Add((Convert.ToHexString(key), 1000 + number));
        }
        var batch = new KeyBatch(keyCapacity: 3);
        index.CopyRange([], true, null, int.MaxValue, batch);
        Assert.Equal(expected, Enumerable.Range(0, batch.Count).Select(position => (Convert.ToHexString(batch.Key(position)), batch.HeadAddress(position))));
        Assert.Equal(expected[^1].Key, Convert.ToHexString(batch.CopyKey(batch.Count - 1)));
    }

    [Theory]
    [InlineData(31, "dense")]
    [InlineData(32, "gaps")]
    [InlineData(33, "clustered")]
    [InlineData(34, "long")]
    [InlineData(35, "random")]
    public void SearchFromAnEstimateFindsWhatASearchByHalvesFinds(int seed, string spread)
    {
        // Chunks of table-like keys (a prefix, then a tag and a big-endian id) spread evenly, with gaps, in clusters (an
        // estimate far off), long keys whose leading eight bytes tie, and random bytes: every held key, every key between
        // two, before, after and outside the prefix comes back where a search by halves puts it.
        var random = new Random(seed);
        for (var round = 0; round < 60; round++)
        {
            var count = random.Next(1, OrderedKeyIndex.ChunkKeyCountMax + 2);
            var keys = new SortedSet<byte[]>(KeyComparer.Instance);
            long id = random.NextInt64(0, 1L << 40);
            while (keys.Count < count)
            {
                id += spread switch
                {
                    "dense" => 1,
                    "gaps" => random.Next(1, 4),
                    "clustered" => random.Next(20) == 0 ? random.Next(1, 1 << 20) : 1,
                    _ => random.Next(1, 1000),
                };
                keys.Add(spread switch
                {
                    "long" => [.. TableKeyPrefix, (byte)random.Next(4), .. Enumerable.Repeat((byte)'a', 9), .. BigEndian(id), 0, 1],
                    "random" => RandomBytes(random, random.Next(0, 12)),
                    _ => [.. TableKeyPrefix, 0x20, .. BigEndian(id)],
                });
            }
            var chunk = ChunkOf([.. keys]);
            var probes = new List<byte[]>(keys);
            foreach (var key in keys.Where(key => key.Length > 0).Take(64))
            {
                var next = key.ToArray();
                next[^1]++;
                probes.Add(next);
                probes.Add(key[..^1]);
                probes.Add([.. key, 0]);
            }
            probes.Add([]);
            probes.Add([0xFF, 0xFF]);
            probes.Add(TableKeyPrefix[..2]);
            for (var extra = 0; extra < 64; extra++)
            {
                probes.Add([.. TableKeyPrefix, 0x20, .. BigEndian(random.NextInt64(0, 1L << 41))]);
            }
            foreach (var probe in probes)
            {
                Assert.Equal(chunk.Search(probe), chunk.SearchFromEstimate(probe));
            }
        }
    }

    private static readonly byte[] TableKeyPrefix = [0x20, 0, 0, 0, 0, 0, 0, 0, 42, 0x20, 0, 0, 0, 0, 0, 0, 0, 1];

    private static byte[] BigEndian(long value)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A chunk of <paramref name="sorted"/> (distinct, ascending) under the prefix its first and last key share.</summary>
    private static OrderedKeyIndex.Chunk ChunkOf(byte[][] sorted)
    {
        var prefix = sorted[0].AsSpan().CommonPrefixLength(sorted[^1]);
        var suffixes = new List<byte>();
        var ends = new int[sorted.Length];
        for (var position = 0; position < sorted.Length; position++)
        {
            suffixes.AddRange(sorted[position][prefix..]);
            ends[position] = suffixes.Count;
        }
        return new OrderedKeyIndex.Chunk
        {
            Prefix = sorted[0][..prefix],
            Suffixes = [.. suffixes],
            Ends = ends,
            Addresses = new long[sorted.Length],
            Count = sorted.Length,
        };
    }

    [Theory]
    [InlineData(21, 1)]
    [InlineData(22, 40)]
    [InlineData(23, 700)]
    public void HeadAddressesOfABatchOfKeysInAnyOrderMatchADictionary(int seed, int batchKeys)
    {
        // Keys of many chunks, looked up in batches in random order, in ascending order, with duplicates, with keys the
        // index does not hold (between, before and after its keys): each comes back in its place with its address.
        var random = new Random(seed);
        using var index = new OrderedKeyIndex();
        var reference = new Dictionary<string, long>();
        for (var count = 0; count < OrderedKeyIndex.ChunkKeyCountMax * 12; count++)
        {
            var key = BitConverter.GetBytes(random.Next(10, 1_000_000));
            Array.Reverse(key);
            var address = random.NextInt64(1, long.MaxValue);
            index.Add(key, address);
            reference[Convert.ToHexString(key)] = address;
        }
        var held = reference.Keys.Select(Convert.FromHexString).ToArray();
        for (var round = 0; round < 40; round++)
        {
            var keys = new List<byte[]>();
            for (var count = 0; count < batchKeys; count++)
            {
                if (random.Next(3) == 0)
                {
                    var absent = BitConverter.GetBytes(random.Next(0, 1_000_010) | (random.Next(2) == 0 ? 0 : 0x7F000000));
                    Array.Reverse(absent);
                    keys.Add(absent);
                }
                else
                {
                    keys.Add(held[random.Next(held.Length)]);
                }
                if (count > 0 && random.Next(10) == 0) keys.Add(keys[random.Next(keys.Count)]);
            }
            if (round % 4 == 0) keys.Sort(KeyComparer.Instance);
            var found = new List<IndexedKey> { new([1, 2, 3], 99) }; // appended after what is there
            index.FindHeadAddresses(keys, found);
            Assert.Equal(keys.Count + 1, found.Count);
            Assert.Equal(99, found[0].HeadAddress);
            for (var position = 0; position < keys.Count; position++)
            {
                Assert.Same(keys[position], found[position + 1].Key);
                Assert.Equal(reference.GetValueOrDefault(Convert.ToHexString(keys[position])), found[position + 1].HeadAddress);
            }
        }
    }

    [Theory]
    [InlineData(11, false)]
    [InlineData(12, true)]
    public void TableLikeKeysAddressesAndSnapshotsMatchASortedDictionary(int seed, bool ascending)
    {
        // Keys that share long prefixes (a table and index id, then a big-endian id) and sometimes not: inserts in the
        // middle, appends at the end, and keys outside a chunk's shared prefix all re-encode chunks.
        var random = new Random(seed);
        using var index = new OrderedKeyIndex();
        var reference = new SortedDictionary<byte[], long>(KeyComparer.Instance);
        long next = 0;
        byte[] TableKey()
        {
            var id = ascending ? next += random.Next(1, 300) : random.NextInt64(0, 1L << 40);
            var key = new byte[random.Next(4) == 0 ? 6 : 10 + random.Next(3)];
            key[0] = (byte)random.Next(1, 3);
            var idBytes = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(idBytes, id);
            idBytes.AsSpan(8 - Math.Min(8, key.Length - 1)).CopyTo(key.AsSpan(1));
            return key;
        }
        OrderedKeyIndex.IndexSnapshot? snapshot = null;
        List<(string, long)>? expectedAtSnapshot = null;
        for (var step = 0; step < OrderedKeyIndex.ChunkKeyCountMax * 12; step++)
        {
            if (reference.Count > 0 && random.Next(5) == 0)
            {
                var existing = reference.Keys.ElementAt(random.Next(reference.Count));
                var address = random.NextInt64(1, 1L << 30);
                if (random.Next(2) == 0)
                {
                    index.SetHeadAddress(existing, address);
                }
                else
                {
                    Assert.False(index.Add(existing.ToArray(), address));
                }
                reference[existing] = address;
            }
            else
            {
                var key = TableKey();
                var address = random.NextInt64(1, 1L << 30);
                Assert.Equal(reference.TryAdd(key, address), index.Add(key, address));
                reference[key] = address;
            }
            if (step == OrderedKeyIndex.ChunkKeyCountMax * 6)
            {
                snapshot = index.Snapshot();
                expectedAtSnapshot = reference.Select(pair => (Convert.ToHexString(pair.Key), pair.Value)).ToList();
            }
        }
        var expected = reference.Select(pair => (Convert.ToHexString(pair.Key), pair.Value)).ToList();
        Assert.Equal(expected, Collect(index.Snapshot()));
        // Later inserts and address changes copied the chunks the snapshot shares instead of changing them.
        Assert.Equal(expectedAtSnapshot, Collect(snapshot!));
        Assert.Equal(expectedAtSnapshot!.Count, snapshot!.Count);

        var forward = new List<IndexedKey>();
        index.CopyRange([], true, null, int.MaxValue, forward);
        Assert.Equal(expected, forward.Select(entry => (Convert.ToHexString(entry.Key), entry.HeadAddress)));

        // A sorted load gives the same index; addresses outside a range are forgotten.
        using var loaded = new OrderedKeyIndex();
        loaded.Load(forward);
        loaded.ForgetAddressesOutside(1L << 20, 1L << 29);
        Assert.Equal(expected.Select(entry => (entry.Item1, entry.Item2 >= 1L << 20 && entry.Item2 < 1L << 29 ? entry.Item2 : 0)),
            Collect(loaded.Snapshot()));
        Assert.True(loaded.ByteCount < reference.Count * 24L, $"{loaded.ByteCount} bytes for {reference.Count} keys");
    }

    private static List<(string, long)> Collect(OrderedKeyIndex.IndexSnapshot snapshot)
    {
        var keys = new List<(string, long)>();
        snapshot.ForEach((key, address) => keys.Add((Convert.ToHexString(key), address)));
        return keys;
    }

    [Fact]
    public void TheComparerOrdersUnsignedBytesAndPrefixesFirst()
    {
        var comparer = KeyComparer.Instance;
        Assert.True(comparer.Compare([0x7F], [0x80]) < 0);
        Assert.True(comparer.Compare([0x01], [0x01, 0x00]) < 0);
        Assert.True(comparer.Compare([], [0x00]) < 0);
        Assert.Equal(0, comparer.Compare([0xFF, 0x01], [0xFF, 0x01]));
    }
}
