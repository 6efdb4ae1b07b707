using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Log.StorageNode;

/// <summary>
/// The ordered key index as a checkpoint saves it: every key in ascending unsigned byte order with the address of its
/// head record, taken while the apply loop was paused for the checkpoint, so it is the index of exactly the state the
/// FASTER checkpoint holds.
/// <para>
/// Format 2 ("LOGKEYS2", written now): the index's pages one after another (each one chunk of at most
/// <see cref="OrderedKeyIndex.ChunkKeyCountMax"/> + 1 keys, packed as in memory: key count, prefix, suffixes, key
/// ends, addresses; big-endian), then the directory (per page: offset, length, key count, SHA-256 of the page, first
/// key), then a fixed footer: the directory's offset and length, page and key counts, the checkpoint token, the
/// SHA-256 of the directory and the footer's fields, and the magic again. A start reads only the footer and the
/// directory (about 70 bytes a page of some 500 keys); a page is read, and checked against its SHA-256, when the index
/// needs it (<see cref="KeyPageSource"/>). So the directory's checksum covers every page's checksum, which covers its
/// bytes.
/// </para>
/// <para>
/// Format 1 ("LOGKEYS1", still read): the key count (8 bytes, big-endian), then per key its length (4), its bytes and
/// the address (8), then the SHA-256 of everything before it; read whole into memory (the next checkpoint writes
/// format 2). A file that is short, fails its checksum, or whose keys are not strictly ascending is rejected whole.
/// </para>
/// </summary>
internal static class KeyFile
{
    private static readonly byte[] Magic = "LOGKEYS1"u8.ToArray();
    private static readonly byte[] PagedMagic = "LOGKEYS2"u8.ToArray();
    private const int HashBytes = 32;
    private const int BufferBytes = 1 << 20;
    private const int FooterFieldBytes = 4 * sizeof(long) + 16;
    internal const int FooterBytes = FooterFieldBytes + HashBytes + 8;
    private const int EntryFixedBytes = sizeof(long) + 2 * sizeof(int) + HashBytes + sizeof(int);

    /// <summary>The longest key a file may claim: a journal record's key is far shorter, so more is damage.</summary>
    private const int KeyLengthMax = 1 << 20;

    /// <summary>One page of a format 2 file as its directory lists it.</summary>
    internal sealed record PageEntry(byte[] FirstKey, long Offset, int Length, int Count, byte[] Sha256);

    /// <summary>What <see cref="Write"/> wrote: the SHA-256 of the whole file (lowercase hex, as a manifest lists it)
    /// and each page's entry, in the snapshot's order.</summary>
    internal sealed record Written(string FileSha256, IReadOnlyList<PageEntry> Pages);

    public static string FileNameFor(Guid token) => $"{token}.keys";

    /// <summary>Writes the keys of <paramref name="keys"/> to <paramref name="path"/> in format 2 and flushes it to
    /// disk; the SHA-256 of the whole file is taken as it is written rather than by reading the file again. A page the
    /// snapshot names only in an older key file is read (and checked) from there.</summary>
    public static Written Write(string path, Guid token, OrderedKeyIndex.IndexSnapshot keys)
    {
        using var fileHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, BufferBytes);
        void Append(ReadOnlySpan<byte> bytes)
        {
            fileHash.AppendData(bytes);
            file.Write(bytes);
        }
        Append(PagedMagic);
        long offset = PagedMagic.Length;
        var entries = new List<PageEntry>(keys.Pages.Count);
        var buffer = new byte[1 << 16];
        foreach (var page in keys.Pages)
        {
            var chunk = page.Read();
            var length = EncodePage(chunk, ref buffer);
            var bytes = buffer.AsSpan(0, length);
            Append(bytes);
            entries.Add(new PageEntry(chunk.CopyKey(0), offset, length, chunk.Count, SHA256.HashData(bytes)));
            offset += length;
        }
        using var directory = new MemoryStream();
        var scratch = new byte[EntryFixedBytes];
        foreach (var entry in entries)
        {
            BinaryPrimitives.WriteInt64BigEndian(scratch, entry.Offset);
            BinaryPrimitives.WriteInt32BigEndian(scratch.AsSpan(8), entry.Length);
            BinaryPrimitives.WriteInt32BigEndian(scratch.AsSpan(12), entry.Count);
            entry.Sha256.CopyTo(scratch, 16);
            BinaryPrimitives.WriteInt32BigEndian(scratch.AsSpan(16 + HashBytes), entry.FirstKey.Length);
            directory.Write(scratch);
            directory.Write(entry.FirstKey);
        }
        var footer = new byte[FooterBytes];
        BinaryPrimitives.WriteInt64BigEndian(footer, offset);
        BinaryPrimitives.WriteInt64BigEndian(footer.AsSpan(8), directory.Length);
        BinaryPrimitives.WriteInt64BigEndian(footer.AsSpan(16), entries.Count);
        BinaryPrimitives.WriteInt64BigEndian(footer.AsSpan(24), keys.Count);
        token.TryWriteBytes(footer.AsSpan(32, 16), bigEndian: true, out _);
        using (var directoryHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            directoryHash.AppendData(directory.GetBuffer().AsSpan(0, (int)directory.Length));
            directoryHash.AppendData(footer.AsSpan(0, FooterFieldBytes));
            directoryHash.GetHashAndReset().CopyTo(footer, FooterFieldBytes);
        }
        PagedMagic.CopyTo(footer, FooterFieldBytes + HashBytes);
        Append(directory.GetBuffer().AsSpan(0, (int)directory.Length));
        Append(footer);
        file.Flush(flushToDisk: true);
        return new Written(Convert.ToHexStringLower(fileHash.GetHashAndReset()), entries);
    }

    /// <summary>Packs a chunk as a page into <paramref name="buffer"/> (grown when short); returns its length.</summary>
    private static int EncodePage(OrderedKeyIndex.Chunk chunk, ref byte[] buffer)
    {
        var count = chunk.Count;
        var suffixBytes = chunk.SuffixBytes;
        var length = 3 * sizeof(int) + chunk.Prefix.Length + suffixBytes + count * (sizeof(int) + sizeof(long));
        if (length > buffer.Length)
        {
            buffer = new byte[Math.Max(length, buffer.Length * 2)];
        }
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span, count);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], chunk.Prefix.Length);
        chunk.Prefix.CopyTo(span[8..]);
        var at = 8 + chunk.Prefix.Length;
        BinaryPrimitives.WriteInt32BigEndian(span[at..], suffixBytes);
        at += 4;
        chunk.Suffixes.AsSpan(0, suffixBytes).CopyTo(span[at..]);
        at += suffixBytes;
        for (var position = 0; position < count; position++, at += sizeof(int))
        {
            BinaryPrimitives.WriteInt32BigEndian(span[at..], chunk.Ends[position]);
        }
        for (var position = 0; position < count; position++, at += sizeof(long))
        {
            BinaryPrimitives.WriteInt64BigEndian(span[at..], chunk.Addresses[position]);
        }
        return at;
    }

    /// <summary>The chunk a page holds, checked against its directory entry; addresses outside
    /// <paramref name="addressWindow"/> read as 0 (unknown).</summary>
    internal static OrderedKeyIndex.Chunk DecodePage(string path, PageEntry entry, ReadOnlySpan<byte> bytes, (long Begin, long End)? addressWindow)
    {
        if (!SHA256.HashData(bytes).AsSpan().SequenceEqual(entry.Sha256))
        {
            throw new InvalidDataException($"Key file {path}: the page at offset {entry.Offset} ({entry.Length} bytes) fails its checksum.");
        }
        InvalidDataException Damaged(string what) => new($"Key file {path}: the page at offset {entry.Offset} {what}.");
        if (bytes.Length < 12)
        {
            throw Damaged("is too short");
        }
        var count = BinaryPrimitives.ReadInt32BigEndian(bytes);
        var prefixLength = BinaryPrimitives.ReadInt32BigEndian(bytes[4..]);
        if (count != entry.Count || count <= 0 || prefixLength < 0 || prefixLength > bytes.Length - 12)
        {
            throw Damaged("does not match its directory entry");
        }
        var at = 8 + prefixLength;
        var suffixBytes = BinaryPrimitives.ReadInt32BigEndian(bytes[at..]);
        at += 4;
        if (suffixBytes < 0 || (long)at + suffixBytes + (long)count * (sizeof(int) + sizeof(long)) != bytes.Length)
        {
            throw Damaged("has the wrong length for its keys");
        }
        var chunk = new OrderedKeyIndex.Chunk
        {
            Prefix = bytes.Slice(8, prefixLength).ToArray(),
            Suffixes = bytes.Slice(at, suffixBytes).ToArray(),
            Ends = new int[count],
            Addresses = new long[count],
            Count = count,
        };
        at += suffixBytes;
        var previous = 0;
        for (var position = 0; position < count; position++, at += sizeof(int))
        {
            var end = BinaryPrimitives.ReadInt32BigEndian(bytes[at..]);
            if (end < previous || end > suffixBytes)
            {
                throw Damaged("has key ends out of order");
            }
            chunk.Ends[position] = previous = end;
        }
        for (var position = 0; position < count; position++, at += sizeof(long))
        {
            var address = BinaryPrimitives.ReadInt64BigEndian(bytes[at..]);
            chunk.Addresses[position] = addressWindow is var (begin, until) && (address < begin || address >= until) ? 0 : address;
        }
        if (chunk.Compare(0, entry.FirstKey) != 0)
        {
            throw Damaged("does not start with its directory's first key");
        }
        return chunk;
    }

    /// <summary>The index the file at <paramref name="path"/> holds, or null with the reason the file cannot be used.
    /// A format 1 file is read whole, with the SHA-256 of the whole file in <paramref name="fileSha256"/> (lowercase
    /// hex, taken in the same read, for the manifest's check); of a format 2 file only the directory is read and
    /// checked (and that it was written for checkpoint <paramref name="token"/>), <paramref name="fileSha256"/> is null,
    /// and the index reads its pages from the file as it needs them.</summary>
    public static OrderedKeyIndex? Read(string path, Guid token, out string? problem, out string? fileSha256)
    {
        problem = null;
        fileSha256 = null;
        try
        {
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferBytes, FileOptions.SequentialScan))
            {
                var magic = new byte[Magic.Length];
                if (file.Length < magic.Length || file.Read(magic) != magic.Length)
                {
                    problem = "it is truncated or not a key file";
                    return null;
                }
                if (magic.AsSpan().SequenceEqual(Magic))
                {
                    file.Position = 0;
                    using var fileHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    var index = Read(file, fileHash, out problem);
                    fileSha256 = index is null ? null : Convert.ToHexStringLower(fileHash.GetHashAndReset());
                    return index;
                }
                if (!magic.AsSpan().SequenceEqual(PagedMagic))
                {
                    problem = "it is truncated or not a key file";
                    return null;
                }
            }
            var source = KeyPageSource.Open(path, addressWindow: null);
            var directory = ReadDirectory(source, token, out var keyCount, out problem);
            if (directory is null)
            {
                source.Dispose();
                return null;
            }
            return OrderedKeyIndex.FromDirectory(source, directory, keyCount);
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException)
        {
            problem = $"it cannot be read: {exception.Message}";
            return null;
        }
    }

    /// <summary>The directory of a format 2 file, checked (footer, checksum, token, pages in order inside the file, key
    /// count), or null and the problem.</summary>
    private static List<PageEntry>? ReadDirectory(KeyPageSource source, Guid token, out long keyCount, out string? problem)
    {
        keyCount = 0;
        problem = "it is truncated or not a key file";
        var length = source.Length;
        if (length < PagedMagic.Length + FooterBytes)
        {
            return null;
        }
        var footer = new byte[FooterBytes];
        source.ReadExactly(footer, length - FooterBytes);
        if (!footer.AsSpan(FooterFieldBytes + HashBytes).SequenceEqual(PagedMagic))
        {
            return null;
        }
        var directoryOffset = BinaryPrimitives.ReadInt64BigEndian(footer);
        var directoryLength = BinaryPrimitives.ReadInt64BigEndian(footer.AsSpan(8));
        var pageCount = BinaryPrimitives.ReadInt64BigEndian(footer.AsSpan(16));
        keyCount = BinaryPrimitives.ReadInt64BigEndian(footer.AsSpan(24));
        if (directoryOffset < PagedMagic.Length || directoryLength < 0 || directoryOffset + directoryLength != length - FooterBytes
            || directoryLength > int.MaxValue || pageCount < 0 || pageCount * EntryFixedBytes > directoryLength || keyCount < 0)
        {
            problem = "its footer does not describe the file";
            return null;
        }
        var directory = new byte[directoryLength];
        source.ReadExactly(directory, directoryOffset);
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            hash.AppendData(directory);
            hash.AppendData(footer.AsSpan(0, FooterFieldBytes));
            if (!hash.GetHashAndReset().AsSpan().SequenceEqual(footer.AsSpan(FooterFieldBytes, HashBytes)))
            {
                problem = "its directory fails its checksum";
                return null;
            }
        }
        if (new Guid(footer.AsSpan(32, 16), bigEndian: true) != token)
        {
            problem = "it was written for another checkpoint";
            return null;
        }
        var entries = new List<PageEntry>((int)pageCount);
        long at = 0, nextPage = PagedMagic.Length, keys = 0;
        byte[]? previousFirst = null;
        for (long page = 0; page < pageCount; page++)
        {
            if (directoryLength - at < EntryFixedBytes)
            {
                problem = "its directory ends inside a page's entry";
                return null;
            }
            var fixedPart = directory.AsSpan((int)at, EntryFixedBytes);
            var offset = BinaryPrimitives.ReadInt64BigEndian(fixedPart);
            var pageLength = BinaryPrimitives.ReadInt32BigEndian(fixedPart[8..]);
            var count = BinaryPrimitives.ReadInt32BigEndian(fixedPart[12..]);
            var firstLength = BinaryPrimitives.ReadInt32BigEndian(fixedPart[(16 + HashBytes)..]);
            at += EntryFixedBytes;
            if (offset != nextPage || pageLength <= 0 || offset + pageLength > directoryOffset || count <= 0
                || count > OrderedKeyIndex.ChunkKeyCountMax + 1 || firstLength < 0 || firstLength > Math.Min(KeyLengthMax, directoryLength - at))
            {
                problem = $"its directory entry of page {page} is not consistent";
                return null;
            }
            var first = directory.AsSpan((int)at, firstLength).ToArray();
            at += firstLength;
            if (previousFirst is not null && first.AsSpan().SequenceCompareTo(previousFirst) <= 0)
            {
                problem = "its pages are not in ascending order";
                return null;
            }
            entries.Add(new PageEntry(first, offset, pageLength, count, fixedPart.Slice(16, HashBytes).ToArray()));
            previousFirst = first;
            nextPage = offset + pageLength;
            keys += count;
        }
        if (at != directoryLength || nextPage != directoryOffset || keys != keyCount)
        {
            problem = "its directory does not cover its pages and keys exactly";
            return null;
        }
        problem = null;
        return entries;
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

/// <summary>
/// An open format 2 key file whose pages the ordered index reads on demand (positional reads: any number of readers at
/// once). It stays open while the index may read it, so a checkpoint's clean-up may delete the file meanwhile.
/// Addresses outside <see cref="AddressWindow"/> read as unknown (set at recovery: see
/// <see cref="OrderedKeyIndex.ForgetAddressesOutside"/>).
/// </summary>
internal sealed class KeyPageSource : IDisposable
{
    private readonly SafeFileHandle handle;

    private KeyPageSource(string path, SafeFileHandle handle, (long Begin, long End)? addressWindow)
    {
        Path = path;
        this.handle = handle;
        AddressWindow = addressWindow;
    }

    public string Path { get; }

    public (long Begin, long End)? AddressWindow { get; set; }

    public long Length => RandomAccess.GetLength(handle);

    public static KeyPageSource Open(string path, (long Begin, long End)? addressWindow) =>
        new(path, File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), addressWindow);

    /// <summary>Reads <paramref name="destination"/>'s length of bytes at <paramref name="offset"/>; a file too short is
    /// damage.</summary>
    public void ReadExactly(Span<byte> destination, long offset)
    {
        while (destination.Length > 0)
        {
            var read = RandomAccess.Read(handle, destination, offset);
            if (read == 0)
            {
                throw new InvalidDataException($"Key file {Path} ends before offset {offset + destination.Length}.");
            }
            destination = destination[read..];
            offset += read;
        }
    }

    /// <summary>The page <paramref name="entry"/> names, read and checked now (a damaged page is
    /// <see cref="InvalidDataException"/>, never a wrong key).</summary>
    public OrderedKeyIndex.Chunk ReadPage(KeyFile.PageEntry entry)
    {
        var bytes = new byte[entry.Length];
        ReadExactly(bytes, entry.Offset);
        return KeyFile.DecodePage(Path, entry, bytes, AddressWindow);
    }

    public void Dispose() => handle.Dispose();
}
