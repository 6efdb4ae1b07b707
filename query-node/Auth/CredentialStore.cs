using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Log.QueryNode.Auth;

/// <summary>One access key: what a SigV4 signer holds (id and secret), who it is (an ARN-like principal that
/// <c>AWS IAM GRANT role TO 'principal'</c> names) and whether it may connect as admin (DSQL's
/// dsql:DbConnectAdmin permission).</summary>
public sealed record Credential(string AccessKeyId, string SecretAccessKey, string Principal, bool Admin, DateTimeOffset Created);

/// <summary>What the login decision needs from the store.</summary>
public interface ICredentialLookup
{
    /// <summary>The key, or null when no such key exists (never added, or removed).</summary>
    Credential? Find(string accessKeyId);
}

/// <summary>
/// The access keys of a database, in <c>&lt;data&gt;/auth/credentials.json</c>: readable by its owner only (0600, in a
/// 0700 folder), replaced atomically (a new file beside it, flushed, then renamed over it) so that a reader sees the
/// old keys or the new ones, never half a file. The running server re-reads the file when it changes, so that
/// <c>keys add</c> and <c>keys remove</c> take effect without a restart. One writer at a time is assumed (the CLI,
/// or the server's first start); two concurrent <c>keys add</c> may lose one of the two keys.
/// </summary>
public sealed class CredentialStore : ICredentialLookup
{
    public const string FolderName = "auth";
    public const string FileName = "credentials.json";
    public const string AdminPrincipal = "arn:log:iam:::user/admin";

    /// <summary>AWS's access key ids are 20 characters; ours too, starting with LOG.</summary>
    private const string AccessKeyIdPrefix = "LOG";
    private const int AccessKeyIdLength = 20;
    private const int SecretAccessKeyLength = 40;
    private const string AccessKeyIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    private const UnixFileMode KeyFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly Lock gate = new();
    private Dictionary<string, Credential> keys = new(StringComparer.Ordinal);
    private DateTime loadedWriteTimeUtc = DateTime.MinValue;
    private long loadedLength = -1;

    public CredentialStore(string dataDirectory)
    {
        FilePath = Path.Combine(Path.GetFullPath(dataDirectory), FolderName, FileName);
    }

    public string FilePath { get; }

    public Credential? Find(string accessKeyId)
    {
        lock (gate)
        {
            ReloadIfChanged();
            return keys.GetValueOrDefault(accessKeyId);
        }
    }

    public IReadOnlyList<Credential> List()
    {
        lock (gate)
        {
            ReloadIfChanged();
            return keys.Values.OrderBy(key => key.Created).ThenBy(key => key.AccessKeyId, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Creates, stores and returns a new key.</summary>
    public Credential Add(string principal, bool admin, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(principal);
        lock (gate)
        {
            using FileStream fileLock = AcquireFileLock();
            var credential = new Credential(
                AccessKeyIdPrefix + RandomNumberGenerator.GetString(AccessKeyIdAlphabet, AccessKeyIdLength - AccessKeyIdPrefix.Length),
                RandomNumberGenerator.GetString(SecretAlphabet, SecretAccessKeyLength), principal, admin, now);
            var next = new Dictionary<string, Credential>(keys, StringComparer.Ordinal) { [credential.AccessKeyId] = credential };
            Write(next);
            return credential;
        }
    }

    /// <summary>Removes a key; false when there is no such key.</summary>
    public bool Remove(string accessKeyId)
    {
        lock (gate)
        {
            using FileStream fileLock = AcquireFileLock();
            if (!keys.ContainsKey(accessKeyId))
            {
                return false;
            }
            var next = new Dictionary<string, Credential>(keys, StringComparer.Ordinal);
            next.Remove(accessKeyId);
            Write(next);
            return true;
        }
    }

    /// <summary>At a database's first start: an admin key, unless the store already holds one. Returns the key made, or null.</summary>
    public Credential? EnsureAdminKey(DateTimeOffset now)
    {
        lock (gate)
        {
            using (AcquireFileLock())
            {
                if (keys.Values.Any(key => key.Admin)) return null;
            }
            // Another process may make one in between: two admin keys are harmless, a lost key is not.
            return Add(AdminPrincipal, admin: true, now);
        }
    }

    /// <summary>How often, and how long apart, a change waits for another process's change of the file to finish.</summary>
    private const int FileLockAttemptsMax = 200;
    private static readonly TimeSpan FileLockRetryDelay = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// Takes the lock file beside the credentials (an exclusive advisory lock: .NET opens a file with FileShare.None under
    /// flock on Unix) and reads the credentials afresh under it, so that two processes changing keys at once (two
    /// `keys add`, or one beside a running server) each change what the other wrote instead of overwriting it.
    /// </summary>
    private FileStream AcquireFileLock()
    {
        CreateFolder();
        string lockPath = FilePath + ".lock";
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = KeyFileMode;
        FileStream? fileLock = null;
        for (int attempt = 1; fileLock is null; attempt++)
        {
            try
            {
                fileLock = new FileStream(lockPath, options);
            }
            catch (IOException) when (attempt < FileLockAttemptsMax && File.Exists(lockPath))
            {
                Thread.Sleep(FileLockRetryDelay);
            }
        }
        try
        {
            // A change by another process within the file system's timestamp resolution can keep time and length.
            loadedWriteTimeUtc = DateTime.MinValue;
            loadedLength = -1;
            ReloadIfChanged();
            return fileLock;
        }
        catch
        {
            fileLock.Dispose();
            throw;
        }
    }

    private void CreateFolder()
    {
        string folder = Path.GetDirectoryName(FilePath)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, FolderMode);
        }
    }

    private void ReloadIfChanged()
    {
        var file = new FileInfo(FilePath);
        if (!file.Exists)
        {
            keys = new(StringComparer.Ordinal);
            loadedWriteTimeUtc = DateTime.MinValue;
            loadedLength = -1;
            return;
        }
        if (file.LastWriteTimeUtc == loadedWriteTimeUtc && file.Length == loadedLength)
        {
            return;
        }
        StoredKeys stored;
        using (var stream = new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            stored = JsonSerializer.Deserialize(stream, StoredKeysJson.Default.StoredKeys)
                ?? throw new InvalidDataException($"{FilePath} is empty");
        }
        if (stored.Version != StoredKeys.CurrentVersion)
        {
            throw new InvalidDataException($"{FilePath} has format version {stored.Version}; this build reads version {StoredKeys.CurrentVersion}");
        }
        keys = stored.Keys.ToDictionary(key => key.AccessKeyId, StringComparer.Ordinal);
        loadedWriteTimeUtc = file.LastWriteTimeUtc;
        loadedLength = file.Length;
    }

    /// <summary>Writes the keys (under the file lock: see <see cref="AcquireFileLock"/>) through a temporary file renamed
    /// over the old one, so a reader sees the old or the new file whole.</summary>
    private void Write(Dictionary<string, Credential> next)
    {
        CreateFolder();
        string temporary = FilePath + ".new";
        var options = new FileStreamOptions { Mode = System.IO.FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = KeyFileMode;
        }
        using (var stream = new FileStream(temporary, options))
        {
            if (!OperatingSystem.IsWindows())
            {
                // An earlier crash may have left the temporary file with other permissions: UnixCreateMode applies to new files only.
                File.SetUnixFileMode(stream.SafeFileHandle, KeyFileMode);
            }
            JsonSerializer.Serialize(stream, new StoredKeys(StoredKeys.CurrentVersion, next.Values.ToList()), StoredKeysJson.Default.StoredKeys);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, FilePath, overwrite: true);
        keys = next;
        var written = new FileInfo(FilePath);
        loadedWriteTimeUtc = written.LastWriteTimeUtc;
        loadedLength = written.Length;
    }
}

/// <summary>The file's shape: a format version first, then the keys.</summary>
internal sealed record StoredKeys(int Version, List<Credential> Keys)
{
    public const int CurrentVersion = 1;
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StoredKeys))]
internal sealed partial class StoredKeysJson : JsonSerializerContext;
