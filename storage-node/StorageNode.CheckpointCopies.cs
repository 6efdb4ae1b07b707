namespace Log.StorageNode;

/// <summary>A replica's checkpoint as another replica copies it over the storage RPC (<see cref="Rpc.CheckpointCopier"/>):
/// the manifest's bytes as written, the files it names, and the log segments that hold its log range. Nothing here is
/// trusted by the copy: it verifies every checksum before it uses a byte, and its own start verifies them again.</summary>
public sealed partial class StorageNode
{
    /// <summary>The folders of the storage folder a copy may read from; anything else is refused.</summary>
    private static readonly string[] CopyableFolders = [ManifestFolderName, KeyFolderName, VersionStore.FasterCheckpointFolderName, VersionStore.LogFolderName];

    /// <summary>The newest checkpoint's manifest (its bytes on disk) and the files a copy needs beside it, relative to the
    /// storage folder; null when the replica has no checkpoint. A newer checkpoint may delete these files while a copy
    /// reads them (two are kept): the copy then fails its checks and starts again.</summary>
    internal (byte[] Manifest, IReadOnlyList<string> Files)? NewestCheckpointForCopy()
    {
        if (Volatile.Read(ref newestCheckpoint) is not { } manifest)
        {
            return null;
        }
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path.Combine(StorageDirectory, ManifestFolderName, CheckpointManifest.FileNameFor(manifest.Sequence)));
        }
        catch (FileNotFoundException)
        {
            // Deleted by a newer checkpoint since it was read: the copy asks again.
            throw new StorageUnavailableException($"checkpoint {manifest.Sequence} was just replaced; ask again");
        }
        var files = manifest.Files.Select(file => file.Path).ToList();
        files.AddRange(LogSegmentsOf(manifest));
        return (bytes, files);
    }

    /// <summary>The log segment files that hold a checkpoint's log range [begin, final) (none for an empty log).</summary>
    internal static IEnumerable<string> LogSegmentsOf(CheckpointManifest manifest)
    {
        var first = manifest.LogBeginAddress >> manifest.LogSegmentSizeBits;
        var last = (manifest.LogFinalAddress - 1) >> manifest.LogSegmentSizeBits;
        for (var segment = first; manifest.LogFinalAddress > manifest.LogBeginAddress && segment <= last; segment++)
        {
            yield return $"{VersionStore.LogFolderName}/{VersionStore.LogFileName}.{segment}";
        }
    }

    /// <summary>Up to <paramref name="lengthMax"/> bytes of a file of the storage folder from <paramref name="offset"/>, and
    /// the file's length now. Only files under the checkpoint folders; a path that leaves them is an
    /// <see cref="ArgumentException"/>, a file that is gone (a newer checkpoint deleted it) is unavailable.</summary>
    internal (byte[] Bytes, long FileLength) ReadStorageFileChunk(string relativePath, long offset, int lengthMax)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(lengthMax, 1);
        var full = ResolveCopyablePath(StorageDirectory, relativePath);
        try
        {
            using var file = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            var length = file.Length;
            var bytes = new byte[(int)Math.Clamp(length - offset, 0, lengthMax)];
            file.Position = Math.Min(offset, length);
            file.ReadExactly(bytes);
            return (bytes, length);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new StorageUnavailableException($"{relativePath} is gone (a newer checkpoint replaced the one being copied); ask again");
        }
    }

    /// <summary>The full path of <paramref name="relativePath"/> under <paramref name="storageDirectory"/>, refusing a path
    /// that is rooted, climbs out, or is not under one of <see cref="CopyableFolders"/>.</summary>
    internal static string ResolveCopyablePath(string storageDirectory, string relativePath)
    {
        var root = Path.GetFullPath(storageDirectory) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(root, relativePath));
        var first = relativePath.Split('/', '\\')[0];
        if (Path.IsPathRooted(relativePath) || !full.StartsWith(root, StringComparison.Ordinal) || !CopyableFolders.Contains(first, StringComparer.Ordinal))
        {
            throw new ArgumentException($"{relativePath} is not a file of a checkpoint.");
        }
        return full;
    }
}
