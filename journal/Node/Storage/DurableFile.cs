using System.Runtime.InteropServices;

namespace Log.Journal.Node.Storage;

/// <summary>
/// Small files replaced atomically: the new contents go to a scratch file that is fsynced, then
/// renamed over the old one, then the folder is fsynced so that the rename itself survives a
/// crash. A reader therefore sees either the old file or the new one, never a mix.
/// </summary>
public static partial class DurableFile
{
    private const string ScratchSuffix = ".writing";

    public static void WriteAtomically(string path, ReadOnlySpan<byte> contents)
    {
        var scratch = path + ScratchSuffix;
        using (var file = new FileStream(scratch, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(contents);
            file.Flush(flushToDisk: true);
        }
        File.Move(scratch, path, overwrite: true);
        SynchronizeFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>The file's contents, or null when there is none. A scratch file left by a crash
    /// mid-write is removed: the write it belonged to never happened.</summary>
    public static byte[]? ReadIfExists(string path)
    {
        var scratch = path + ScratchSuffix;
        if (File.Exists(scratch))
        {
            File.Delete(scratch);
        }
        return File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    /// <summary>fsync of a folder, which .NET does not offer: the entry of a renamed file lives there.</summary>
    public static void SynchronizeFolder(string folder)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }
        var descriptor = Open(folder, 0 /* O_RDONLY */);
        if (descriptor < 0)
        {
            throw new IOException($"Could not open folder {folder} to synchronise it (errno {Marshal.GetLastPInvokeError()})");
        }
        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw new IOException($"fsync of folder {folder} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
