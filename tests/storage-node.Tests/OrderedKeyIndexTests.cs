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
        }
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
