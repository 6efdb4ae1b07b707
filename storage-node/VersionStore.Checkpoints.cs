using System.Security.Cryptography;
using FASTER.core;

namespace Log.StorageNode;

/// <summary>Where one checkpoint's FASTER state lies: its token and the part of the hybrid log it covers.</summary>
internal readonly record struct FasterCheckpoint(Guid Token, long BeginAddress, long FinalAddress);

internal sealed partial class VersionStore
{
    /// <summary>Folder of FASTER's hybrid log, inside the store's folder.</summary>
    internal const string LogFolderName = "log";

    /// <summary>Base name of the log's segment files (FASTER appends ".0", ".1", ... per segment).</summary>
    internal const string LogFileName = "versions.log";

    /// <summary>Folder FASTER writes its checkpoints to (its own layout: index-checkpoints/TOKEN, cpr-checkpoints/TOKEN).</summary>
    internal const string FasterCheckpointFolderName = "faster";

    private static readonly string[] FasterCheckpointKinds = ["index-checkpoints", "cpr-checkpoints"];

    /// <summary>The address the next record will be written at.</summary>
    public long TailAddress => store.Log.TailAddress;

    /// <summary>FASTER's index checkpoint, taken while applying goes on: it is fuzzy, and a recovery brings it up to date
    /// by reading the log from where it started up to the log checkpoint that it is recovered with.</summary>
    public async Task<Guid> TakeIndexCheckpointAsync(CancellationToken cancellationToken)
    {
        var (success, token) = await store.TakeIndexCheckpointAsync(cancellationToken).ConfigureAwait(false);
        return success ? token : throw new InvalidOperationException("FASTER refused to start an index checkpoint (another checkpoint is running).");
    }

    /// <summary>
    /// Starts a hybrid log checkpoint (fold-over: the log is flushed up to its tail and that part becomes read-only, so
    /// each checkpoint writes only the log written since the previous one) and returns once FASTER's version has
    /// switched: the checkpoint holds every record written before the call and, once recovered, none written after it
    /// (FASTER marks the next version's records invalid when it recovers). The caller pauses applying until this
    /// returns, so the checkpoint is exactly the state at that point; the returned task completes when it is durable.
    /// </summary>
    public async Task<Task<Guid>> StartLogCheckpointAsync()
    {
        long version = store.CurrentVersion;
        var completion = CompleteLogCheckpointAsync(store.TakeHybridLogCheckpointAsync(CheckpointType.FoldOver, tryIncremental: false));
        while (store.CurrentVersion == version && !completion.IsCompleted)
        {
            await Task.Delay(VersionSwitchPollMilliseconds).ConfigureAwait(false);
        }
        return completion;

        static async Task<Guid> CompleteLogCheckpointAsync(ValueTask<(bool Success, Guid Token)> checkpoint)
        {
            var (success, token) = await checkpoint.ConfigureAwait(false);
            return success ? token : throw new InvalidOperationException("FASTER refused to start a log checkpoint (another checkpoint is running).");
        }
    }

    /// <summary>How often a paused apply loop looks whether FASTER's version has switched (it takes about a millisecond).</summary>
    private const int VersionSwitchPollMilliseconds = 1;

    /// <summary>The range of the log that log checkpoint <paramref name="token"/> covers, from its metadata.</summary>
    public (long BeginAddress, long FinalAddress) LogCheckpointRange(Guid token)
    {
        var metadata = checkpointManager.GetLogCheckpointMetadata(token, null, false, -1)
            ?? throw new InvalidOperationException($"FASTER's log checkpoint {token} has no metadata.");
        var info = new HybridLogRecoveryInfo();
        using (var reader = new StreamReader(new MemoryStream(metadata)))
        {
            info.Initialize(reader);
        }
        if (info.guid != token)
        {
            throw new InvalidOperationException($"FASTER's log checkpoint {token} describes checkpoint {info.guid}.");
        }
        return (info.beginAddress, info.finalLogicalAddress);
    }

    /// <summary>Every key with the address of its newest head record, in key order, from a scan of the whole log: how the
    /// ordered index is rebuilt after a recovery whose key file is unusable. Records FASTER marked invalid when it
    /// recovered (the next version's) are skipped by its scan; a later head record of a key is always newer.</summary>
    public List<IndexedKey> ScanKeys()
    {
        var heads = new Dictionary<byte[], long>(ByteArrayEqualityComparer.Instance);
        using (var iterator = store.Log.Scan(store.Log.BeginAddress, store.Log.TailAddress))
        {
            while (iterator.GetNext(out _))
            {
                var key = iterator.GetKey().AsReadOnlySpan();
                if (key.Length > 0 && key[0] == HeadPrefix)
                {
                    heads[key[1..].ToArray()] = iterator.CurrentAddress;
                }
            }
        }
        // The scan read every page below the tail: any damaged chunk among them was found on the way.
        ThrowIfLogCorrupt();
        var keys = heads.Select(pair => new IndexedKey(pair.Key, pair.Value)).ToList();
        keys.Sort((left, right) => Log.Journal.Records.KeyComparer.Instance.Compare(left.Key, right.Key));
        return keys;
    }

    /// <summary>The files of FASTER's index checkpoint <paramref name="indexToken"/> and log checkpoint
    /// <paramref name="logToken"/>, relative to the store's folder, in a stable order. Leaves out the delta log
    /// (<see cref="DeltaLogFilePrefix"/>): FASTER creates it, empty, in the log checkpoint's folder when it recovers that
    /// checkpoint (it holds incremental snapshots, which these full checkpoints never write), so counting it made a
    /// checkpoint recovered once fail its manifest at the next start, and a replica that crashed twice replay from 0.</summary>
    private const string DeltaLogFilePrefix = "delta.dat";

    public static IReadOnlyList<string> CheckpointFiles(string directory, Guid indexToken, Guid logToken)
    {
        var files = new List<string>();
        foreach (var (kind, token) in new[] { (FasterCheckpointKinds[0], indexToken), (FasterCheckpointKinds[1], logToken) })
        {
            var folder = Path.Combine(directory, FasterCheckpointFolderName, kind, token.ToString());
            if (Directory.Exists(folder))
            {
                files.AddRange(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                    .Where(file => !Path.GetFileName(file).StartsWith(DeltaLogFilePrefix, StringComparison.Ordinal))
                    .Select(file => Path.GetRelativePath(directory, file)));
            }
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>Tokens of the FASTER checkpoints on disk, complete or not.</summary>
    public static IReadOnlySet<Guid> CheckpointTokensOnDisk(string directory)
    {
        var tokens = new HashSet<Guid>();
        foreach (var kind in FasterCheckpointKinds)
        {
            var folder = Path.Combine(directory, FasterCheckpointFolderName, kind);
            if (!Directory.Exists(folder))
            {
                continue;
            }
            foreach (var entry in Directory.EnumerateDirectories(folder))
            {
                if (Guid.TryParse(Path.GetFileName(entry), out var token))
                {
                    tokens.Add(token);
                }
            }
        }
        return tokens;
    }

    /// <summary>Deletes FASTER checkpoint <paramref name="token"/>'s files (not the log it shares with other checkpoints).</summary>
    public static void DeleteCheckpoint(string directory, Guid token)
    {
        foreach (var kind in FasterCheckpointKinds)
        {
            var folder = Path.Combine(directory, FasterCheckpointFolderName, kind, token.ToString());
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>SHA-256 of the log's bytes in [<paramref name="from"/>, <paramref name="until"/>), read from its segment
    /// files (bytes below a checkpoint's final address never change once the checkpoint is taken); null when the files
    /// do not hold all of them (a truncated or missing segment).</summary>
    public static byte[]? HashLogRange(string directory, int segmentSizeBits, long from, long until)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long address = from;
        while (address < until)
        {
            long segment = address >> segmentSizeBits;
            long offset = address & ((1L << segmentSizeBits) - 1);
            long segmentEnd = Math.Min(until, (segment + 1) << segmentSizeBits);
            var path = Path.Combine(directory, LogFolderName, $"{LogFileName}.{segment}");
            if (!File.Exists(path))
            {
                return null;
            }
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
            file.Position = offset;
            while (address < segmentEnd)
            {
                int wanted = (int)Math.Min(buffer.Length, segmentEnd - address);
                int read = file.Read(buffer, 0, wanted);
                if (read <= 0)
                {
                    return null;
                }
                hash.AppendData(buffer, 0, read);
                address += read;
            }
        }
        return hash.GetHashAndReset();
    }

    /// <summary>Null when the log's segment files hold every byte in [<paramref name="from"/>, <paramref name="until"/>),
    /// else which is missing or short (a look at the files' lengths, nothing read).</summary>
    public static string? LogFilesShorterThan(string directory, int segmentSizeBits, long from, long until)
    {
        for (long segment = from >> segmentSizeBits; from < until && segment <= (until - 1) >> segmentSizeBits; segment++)
        {
            var path = Path.Combine(directory, LogFolderName, $"{LogFileName}.{segment}");
            long needed = Math.Min(until - (segment << segmentSizeBits), 1L << segmentSizeBits);
            if (!File.Exists(path))
            {
                return $"its log segment {segment} is missing";
            }
            if (new FileInfo(path).Length < needed)
            {
                return $"the log is shorter than address {until} (segment {segment} holds {new FileInfo(path).Length} bytes)";
            }
        }
        return null;
    }

    /// <summary>Log2 of the log's segment size, which maps an address to its segment file.</summary>
    public int SegmentSizeBits => segmentSizeBits;
}
