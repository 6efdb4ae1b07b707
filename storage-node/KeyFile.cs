using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Log.StorageNode;

/// <summary>
/// The ordered key index as a checkpoint saves it: every key in ascending unsigned byte order with the address of its
/// head record, taken while the apply loop was paused for the checkpoint, so it is the index of exactly the state the
/// FASTER checkpoint holds. Reading it back is a sequential read and no sort: at 1,000,000 keys it is several times
/// faster than rebuilding the index from a scan of FASTER's log (see storage-node/README.md for the figures).
/// <para>
/// Format: "LOGKEYS1", the key count (8 bytes, big-endian), then per key its length (4), its bytes and the address (8),
/// then the SHA-256 of everything before it. A file that is short, fails its checksum, or whose keys are not strictly
/// ascending is rejected whole.
/// </para>
/// </summary>
internal static class KeyFile
{
    private static readonly byte[] Magic = "LOGKEYS1"u8.ToArray();
    private const int HashBytes = 32;

    public static string FileNameFor(Guid token) => $"{token}.keys";

    /// <summary>Writes <paramref name="keys"/> (ascending) to <paramref name="path"/> and flushes it to disk.</summary>
    public static void Write(string path, IReadOnlyList<IndexedKey> keys)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var header = new byte[Magic.Length + sizeof(long)];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(Magic.Length), keys.Count);
        Append(file, hash, header);
        var scratch = new byte[sizeof(long)];
        foreach (var key in keys)
        {
            BinaryPrimitives.WriteInt32BigEndian(scratch, key.Key.Length);
            Append(file, hash, scratch.AsSpan(0, sizeof(int)));
            Append(file, hash, key.Key);
            BinaryPrimitives.WriteInt64BigEndian(scratch, key.HeadAddress);
            Append(file, hash, scratch);
        }
        file.Write(hash.GetHashAndReset());
        file.Flush(flushToDisk: true);
    }

    private static void Append(FileStream file, IncrementalHash hash, ReadOnlySpan<byte> bytes)
    {
        hash.AppendData(bytes);
        file.Write(bytes);
    }

    /// <summary>The keys in <paramref name="path"/>, or null with the reason the file cannot be used.</summary>
    public static List<IndexedKey>? Read(string path, out string? problem)
    {
        problem = null;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException exception)
        {
            problem = $"it cannot be read: {exception.Message}";
            return null;
        }
        if (bytes.Length < Magic.Length + sizeof(long) + HashBytes || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            problem = "it is truncated or not a key file";
            return null;
        }
        var body = bytes.AsSpan(0, bytes.Length - HashBytes);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - HashBytes)))
        {
            problem = "its checksum does not match its contents";
            return null;
        }
        long count = BinaryPrimitives.ReadInt64BigEndian(body[Magic.Length..]);
        if (count < 0 || count > body.Length)
        {
            problem = $"it claims {count} keys";
            return null;
        }
        var keys = new List<IndexedKey>((int)count);
        int position = Magic.Length + sizeof(long);
        byte[]? previous = null;
        for (long index = 0; index < count; index++)
        {
            if (body.Length - position < sizeof(int))
            {
                problem = "it ends inside a key";
                return null;
            }
            int length = BinaryPrimitives.ReadInt32BigEndian(body[position..]);
            position += sizeof(int);
            if (length < 0 || body.Length - position < (long)length + sizeof(long))
            {
                problem = "it ends inside a key";
                return null;
            }
            var key = body.Slice(position, length).ToArray();
            position += length;
            long address = BinaryPrimitives.ReadInt64BigEndian(body[position..]);
            position += sizeof(long);
            if (previous is not null && Log.Journal.Records.KeyComparer.Instance.Compare(previous, key) >= 0)
            {
                problem = "its keys are not in ascending order";
                return null;
            }
            keys.Add(new IndexedKey(key, address));
            previous = key;
        }
        if (position != body.Length)
        {
            problem = "it has bytes after its last key";
            return null;
        }
        return keys;
    }
}
