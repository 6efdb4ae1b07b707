using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Log.StorageNode;

/// <summary>
/// The ordered key index as a checkpoint saves it: every key in ascending unsigned byte order with the address of its
/// head record, taken while the apply loop was paused for the checkpoint, so it is the index of exactly the state the
/// FASTER checkpoint holds. Reading it back is a sequential read and no sort: at 1,000,000 keys it is several times
/// faster than rebuilding the index from a scan of FASTER's log (see storage-node/README.md for the figures). Both
/// ways stream: neither holds the file, nor a list of every key, in memory (at 10,000,000 keys that list alone was
/// several hundred MB).
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
    private const int BufferBytes = 1 << 20;

    /// <summary>The longest key a file may claim: a journal record's key is far shorter, so more is damage.</summary>
    private const int KeyLengthMax = 1 << 20;

    public static string FileNameFor(Guid token) => $"{token}.keys";

    /// <summary>Writes the keys of <paramref name="keys"/> (ascending) to <paramref name="path"/> and flushes it to disk;
    /// returns the SHA-256 of the whole file (lowercase hex, as a manifest lists it), taken as it was written rather
    /// than by reading the file again.</summary>
    public static string Write(string path, OrderedKeyIndex.IndexSnapshot keys)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var fileHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, BufferBytes);
        var header = new byte[Magic.Length + sizeof(long)];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(Magic.Length), keys.Count);
        Append(file, hash, header);
        var scratch = new byte[sizeof(long)];
        keys.ForEach((key, address) =>
        {
            BinaryPrimitives.WriteInt32BigEndian(scratch, key.Length);
            Append(file, hash, scratch.AsSpan(0, sizeof(int)));
            Append(file, hash, key);
            BinaryPrimitives.WriteInt64BigEndian(scratch, address);
            Append(file, hash, scratch);
        });
        var trailer = hash.GetHashAndReset();
        fileHash.AppendData(trailer);
        file.Write(trailer);
        file.Flush(flushToDisk: true);
        return Convert.ToHexStringLower(fileHash.GetHashAndReset());

        void Append(FileStream file, IncrementalHash hash, ReadOnlySpan<byte> bytes)
        {
            hash.AppendData(bytes);
            fileHash.AppendData(bytes);
            file.Write(bytes);
        }
    }

    /// <summary>The index the file at <paramref name="path"/> holds, or null with the reason the file cannot be used.</summary>
    /// <summary>With the SHA-256 of the whole file in <paramref name="fileSha256"/> (lowercase hex), taken in the same
    /// read, for the manifest's check.</summary>
    public static OrderedKeyIndex? Read(string path, out string? problem, out string? fileSha256)
    {
        problem = null;
        fileSha256 = null;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferBytes, FileOptions.SequentialScan);
            using var fileHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var index = Read(file, fileHash, out problem);
            fileSha256 = index is null ? null : Convert.ToHexStringLower(fileHash.GetHashAndReset());
            return index;
        }
        catch (IOException exception)
        {
            problem = $"it cannot be read: {exception.Message}";
            return null;
        }
    }

    private static OrderedKeyIndex? Read(FileStream file, IncrementalHash fileHash, out string? problem)
    {
        problem = null;
        var bodyBytes = file.Length - HashBytes;
        if (bodyBytes < Magic.Length + sizeof(long))
        {
            problem = "it is truncated or not a key file";
            return null;
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long position = 0;
        var scratch = new byte[Math.Max(Magic.Length + sizeof(long), sizeof(int) + sizeof(long))];
        // Reads the next bytes of the body into the buffer and hashes them; false at the body's end.
        bool Take(Span<byte> destination)
        {
            if (bodyBytes - position < destination.Length)
            {
                return false;
            }
            file.ReadExactly(destination);
            hash.AppendData(destination);
            fileHash.AppendData(destination);
            position += destination.Length;
            return true;
        }
        var header = scratch.AsSpan(0, Magic.Length + sizeof(long));
        if (!Take(header) || !header[..Magic.Length].SequenceEqual(Magic))
        {
            problem = "it is truncated or not a key file";
            return null;
        }
        long count = BinaryPrimitives.ReadInt64BigEndian(header[Magic.Length..]);
        if (count < 0 || count > bodyBytes)
        {
            problem = $"it claims {count} keys";
            return null;
        }
        var loader = new OrderedKeyIndex.SortedLoader();
        var key = new byte[256];
        for (long read = 0; read < count; read++)
        {
            if (!Take(scratch.AsSpan(0, sizeof(int))))
            {
                problem = "it ends inside a key";
                return null;
            }
            int length = BinaryPrimitives.ReadInt32BigEndian(scratch);
            if (length < 0 || length > KeyLengthMax)
            {
                problem = $"it claims a key of {length} bytes";
                return null;
            }
            if (length > key.Length)
            {
                key = new byte[length];
            }
            if (!Take(key.AsSpan(0, length)) || !Take(scratch.AsSpan(0, sizeof(long))))
            {
                problem = "it ends inside a key";
                return null;
            }
            if (!loader.Append(key.AsSpan(0, length), BinaryPrimitives.ReadInt64BigEndian(scratch)))
            {
                problem = "its keys are not in ascending order";
                return null;
            }
        }
        if (position != bodyBytes)
        {
            problem = "it has bytes after its last key";
            return null;
        }
        var stored = new byte[HashBytes];
        file.ReadExactly(stored);
        fileHash.AppendData(stored);
        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(stored))
        {
            problem = "its checksum does not match its contents";
            return null;
        }
        return loader.Finish();
    }
}
