using System.Diagnostics;

namespace Log.StorageNode;

/// <summary>
/// The keys of one batch of a scan (or of point reads), each with the FASTER address of its newest head record (0:
/// unknown), packed into arrays that the batch's owner reuses from batch to batch: the bytes of every key back to back,
/// where each key ends, and the addresses. A scan of a whole table so allocates nothing per key (the ordered index
/// handed out a new array per key before, which was a tenth of a scan's time with the collections it caused).
/// <para>
/// Contract: one owner at a time (a scan fills it from the index, then visits it, then clears it); a key's span is valid
/// until the next <see cref="Add(ReadOnlySpan{byte}, ReadOnlySpan{byte}, long)"/> or <see cref="Clear"/>, which may move
/// the bytes. Nothing keeps a span past the visit of its batch (a key that must outlive it is copied with
/// <see cref="CopyKey"/>).
/// </para>
/// </summary>
internal sealed class KeyBatch
{
    /// <summary>Key bytes reserved per key of the capacity at first (a table's key: table and index id and a bigint).</summary>
    private const int KeyBytesPerKeyAtFirst = 16;

    private byte[] bytes;
    private int[] ends;
    private long[] addresses;

    public KeyBatch(int keyCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keyCapacity);
        keyCapacity = Math.Max(keyCapacity, 1);
        bytes = new byte[keyCapacity * KeyBytesPerKeyAtFirst];
        ends = new int[keyCapacity];
        addresses = new long[keyCapacity];
    }

    public int Count { get; private set; }

    /// <summary>Empties the batch, keeping its arrays for the next one.</summary>
    public void Clear() => Count = 0;

    /// <summary>Appends the key <paramref name="prefix"/> followed by <paramref name="suffix"/> (the index stores its keys
    /// so: a chunk's shared prefix, then each key's own bytes).</summary>
    public void Add(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> suffix, long headAddress)
    {
        var start = Count == 0 ? 0 : ends[Count - 1];
        var end = start + prefix.Length + suffix.Length;
        if (end > bytes.Length)
        {
            Array.Resize(ref bytes, Math.Max(end, bytes.Length * 2));
        }
        if (Count == ends.Length)
        {
            Array.Resize(ref ends, ends.Length * 2);
            Array.Resize(ref addresses, addresses.Length * 2);
        }
        prefix.CopyTo(bytes.AsSpan(start));
        suffix.CopyTo(bytes.AsSpan(start + prefix.Length));
        ends[Count] = end;
        addresses[Count] = headAddress;
        Count++;
    }

    public void Add(ReadOnlySpan<byte> key, long headAddress) => Add(key, [], headAddress);

    /// <summary>The key at <paramref name="index"/>, in place (see the contract above).</summary>
    public ReadOnlySpan<byte> Key(int index)
    {
        Debug.Assert((uint)index < (uint)Count);
        var start = index == 0 ? 0 : ends[index - 1];
        return bytes.AsSpan(start, ends[index] - start);
    }

    public long HeadAddress(int index)
    {
        Debug.Assert((uint)index < (uint)Count);
        return addresses[index];
    }

    /// <summary>The key at <paramref name="index"/> as an array of its own.</summary>
    public byte[] CopyKey(int index) => Key(index).ToArray();

    /// <summary>A batch of <paramref name="keys"/> (point reads, whose keys and addresses come as a list).</summary>
    public static KeyBatch Of(IReadOnlyList<IndexedKey> keys)
    {
        var batch = new KeyBatch(keys.Count);
        for (var index = 0; index < keys.Count; index++)
        {
            batch.Add(keys[index].Key, keys[index].HeadAddress);
        }
        return batch;
    }
}
