using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;

namespace Log.StorageNode;

/// <summary>A checkpoint the node took or recovered: what it covers (<see cref="NextOffset"/> is its first partition's;
/// <see cref="NextOffsets"/> every partition's, in the order of <see cref="StorageNode.AppliedPartitions"/>).</summary>
public sealed record StorageCheckpoint(long Sequence, Guid Token, long NextOffset, HybridTimestamp ResolvedTimestamp, long KeyCount)
{
    public IReadOnlyList<long> NextOffsets { get; init; } = [NextOffset];
}

public sealed partial class StorageNode
{
    internal const string StorageFolderName = "storage";
    internal const string ManifestFolderName = "manifests";
    internal const string KeyFolderName = "keys";

    // Held by the apply loop while it applies one record, and by a checkpoint while FASTER's version switches: a
    // checkpoint is then exactly the state after the records below NextOffset.
    private readonly SemaphoreSlim applyGate = new(1, 1);

    // One checkpoint at a time (the background loop, an explicit CheckpointAsync, the last one at shutdown).
    private readonly SemaphoreSlim checkpointGate = new(1, 1);
    private readonly CancellationTokenSource checkpointStopping = new();
    private Task checkpointing = Task.CompletedTask;
    private TaskCompletionSource checkpointWanted = NewSignal();
    private CheckpointManifest? newestCheckpoint;
    private bool storeClosed; // under checkpointGate
    private long writesAtCheckpoint;
    private long idleCheckpointsSkipped;

    /// <summary>Intervals that passed with only heartbeats applied since the last checkpoint, so none was taken.</summary>
    internal long IdleCheckpointsSkipped => Interlocked.Read(ref idleCheckpointsSkipped);

    private string StorageDirectory => Path.Combine(options.DataDirectory, StorageFolderName);

    /// <summary>The newest checkpoint taken or recovered, or null.</summary>
    public StorageCheckpoint? NewestCheckpoint => Volatile.Read(ref newestCheckpoint) is { } manifest ? Describe(manifest) : null;

    internal static StorageCheckpoint Describe(CheckpointManifest manifest) =>
        new(manifest.Sequence, manifest.Token, manifest.NextOffset, new HybridTimestamp(manifest.ResolvedTimestamp), manifest.KeyCount)
        {
            NextOffsets = [.. manifest.Positions.Select(position => position.NextOffset)],
        };

    /// <summary>
    /// Takes a checkpoint now: pauses applying between two records while FASTER takes its checkpoint (index and log,
    /// flushing only the log written since the previous one) and the ordered index is copied, then writes the key file,
    /// checksums everything and writes the manifest atomically, and deletes checkpoints beyond
    /// <see cref="StorageNodeOptions.CheckpointsKept"/>. Returns the newest checkpoint (the previous one when nothing
    /// was applied since), or null when none can be taken now: the node has failed, or a large transaction's leading
    /// fragments are held (a checkpoint inside them would lose them on recovery).
    /// </summary>
    public async Task<StorageCheckpoint?> CheckpointAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref started) == 0)
        {
            throw new InvalidOperationException("The storage node was not started.");
        }
        await checkpointGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(storeClosed, this);
            return await TakeCheckpointAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            checkpointGate.Release();
        }
    }

    private async Task<StorageCheckpoint?> TakeCheckpointAsync(CancellationToken cancellationToken)
    {
        var store = versions ?? throw new InvalidOperationException("The storage node was not started.");
        var previous = Volatile.Read(ref newestCheckpoint);
        if (previous is not null && previous.Positions.Select(position => position.NextOffset).SequenceEqual(NextOffsets))
        {
            return Describe(previous);
        }
        // The index checkpoint is fuzzy: applying goes on while FASTER writes the hash table. Not cancellable once
        // started: FASTER's checkpoint state machine runs to its end, and the next checkpoint could not start before.
        var indexToken = await store.TakeIndexCheckpointAsync(CancellationToken.None).ConfigureAwait(false);
        Task<Guid> logCheckpoint;
        ulong resolved;
        List<PartitionPosition> positions;
        byte[]? journalPosition = null;
        OrderedKeyIndex.IndexSnapshot keySnapshot;
        await applyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var pausedAt = options.TimeProvider.GetTimestamp();
        try
        {
            // A recovery replays each partition only after its offset, so it must not start inside a large transaction;
            // a partition with prepares whose decisions are still to come is resumed at the oldest one (CurrentPositions),
            // unless one was put together from fragments (its first offset is not known).
            if (FailureReason is not null || HoldsFragments || !KnowsWhereEveryPendingPrepareIs())
            {
                return null;
            }
            positions = CurrentPositions();
            // A merged stream resumes only from what its reader recorded for this offset (IJournalResumePoints).
            if (journal is IJournalResumePoints resumePoints && (journalPosition = resumePoints.PositionAt(positions[0].NextOffset)) is null)
            {
                return null;
            }
            resolved = Volatile.Read(ref resolvedTimestamp);
            Volatile.Write(ref writesAtCheckpoint, AppliedWriteCount);
            // Paused only until FASTER's version switches; the log is flushed while applying goes on.
            logCheckpoint = await store.StartLogCheckpointAsync().ConfigureAwait(false);
            keySnapshot = keys.Snapshot();
        }
        finally
        {
            applyGate.Release();
        }
        var paused = options.TimeProvider.GetElapsedTime(pausedAt);
        var logToken = await logCheckpoint.ConfigureAwait(false);
        var (beginAddress, finalAddress) = store.LogCheckpointRange(logToken);
        var faster = new FasterCheckpoint(logToken, beginAddress, finalAddress);
        // FASTER's next flush writes the sector below the final address again, from memory; what it writes there from now
        // on is replaced with the disk's bytes, so the checksums taken below stay true.
        await store.PreserveLogBelowAsync(finalAddress, cancellationToken).ConfigureAwait(false);

        var directory = StorageDirectory;
        var keyFolder = Path.Combine(directory, KeyFolderName);
        Directory.CreateDirectory(keyFolder);
        var keyPath = Path.Combine(keyFolder, KeyFile.FileNameFor(faster.Token));
        var keyFile = KeyFile.Write(keyPath + ".tmp", faster.Token, keySnapshot);
        var keySha256 = keyFile.FileSha256;
        File.Move(keyPath + ".tmp", keyPath, overwrite: true);
        FlushDirectory(keyFolder);
        // The pages unchanged since the snapshot are now those of this file: they may leave memory.
        keys.Rebase(keySnapshot, keyPath, keyFile.Pages);

        var keyFileRelativePath = Path.GetRelativePath(directory, keyPath);
        var files = VersionStore.CheckpointFiles(directory, indexToken, faster.Token).Select(path => ChecksumFile(directory, path))
            .Append(new FileChecksum(keyFileRelativePath.Replace('\\', '/'), new FileInfo(keyPath).Length, keySha256)).ToList();
        var manifest = new CheckpointManifest
        {
            FormatVersion = CheckpointManifest.CurrentFormatVersion,
            Sequence = (previous?.Sequence ?? 0) + 1,
            Token = faster.Token,
            IndexToken = indexToken,
            JournalTopic = options.JournalTopic,
            Partition = positions[0].Partition,
            NextOffset = positions[0].NextOffset,
            ResolvedTimestamp = resolved,
            WriterEpoch = positions[0].WriterEpoch,
            Partitions = positions,
            JournalPosition = journalPosition,
            LogBeginAddress = faster.BeginAddress,
            LogFinalAddress = faster.FinalAddress,
            LogSegmentSizeBits = store.SegmentSizeBits,
            KeyCount = keySnapshot.Count,
            CreatedUtc = options.TimeProvider.GetUtcNow(),
            Files = files,
            LogChunks = ChecksumLog(directory, store, faster.BeginAddress, faster.FinalAddress, previous),
        };
        var manifestFolder = Path.Combine(directory, ManifestFolderName);
        Directory.CreateDirectory(manifestFolder);
        WriteAtomically(Path.Combine(manifestFolder, CheckpointManifest.FileNameFor(manifest.Sequence)), manifest.Encode());
        Volatile.Write(ref newestCheckpoint, manifest);
        logger.LogInformation(
            "Checkpoint {Sequence} taken: {Positions}, resolved timestamp {Resolved}, {Keys} keys, log up to {Final} (applying paused {Paused:0.0} ms)",
            manifest.Sequence, DescribePositions(positions), new HybridTimestamp(resolved), keySnapshot.Count, faster.FinalAddress, paused.TotalMilliseconds);
        DeleteOutdatedCheckpoints(directory);
        return Describe(manifest);
    }

    /// <summary>Checksums of the log in chunks aligned to <see cref="StorageNodeOptions.CheckpointLogChunkBytes"/>; a
    /// chunk with the same bounds in the previous manifest is taken from it (those bytes have not changed since).</summary>
    private List<LogRangeChecksum> ChecksumLog(string directory, VersionStore store, long begin, long final, CheckpointManifest? previous)
    {
        var known = previous?.LogChunks.ToDictionary(chunk => (chunk.From, chunk.Until)) ?? [];
        var chunks = new List<LogRangeChecksum>();
        long chunkBytes = options.CheckpointLogChunkBytes;
        for (long from = begin; from < final;)
        {
            long until = Math.Min(final, (from / chunkBytes + 1) * chunkBytes);
            if (!known.TryGetValue((from, until), out var chunk))
            {
                // Bytes a recovery brought back and nothing read since are checked first, never taken as the truth.
                store.VerifyLogRange(from, until);
                var hash = VersionStore.HashLogRange(directory, store.SegmentSizeBits, from, until)
                    ?? throw new IOException($"The log does not hold the bytes [{from}, {until}) that the checkpoint just flushed.");
                chunk = new LogRangeChecksum(from, until, Convert.ToHexStringLower(hash));
            }
            chunks.Add(chunk);
            from = until;
        }
        return chunks;
    }

    /// <summary>The file's length, SHA-256 and the SHA-256 of each of its pieces (<see cref="FileChecksum.PieceBytes"/>),
    /// from one read of it.</summary>
    internal static FileChecksum ChecksumFile(string directory, string relativePath)
    {
        using var file = File.OpenRead(Path.Combine(directory, relativePath));
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var pieces = new List<string>();
        var buffer = new byte[(int)Math.Min(FileChecksum.PieceBytes, Math.Max(file.Length, 1))];
        while (true)
        {
            int length = file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (length == 0)
            {
                break;
            }
            whole.AppendData(buffer, 0, length);
            pieces.Add(Convert.ToHexStringLower(SHA256.HashData(buffer.AsSpan(0, length))));
        }
        return new FileChecksum(relativePath.Replace('\\', '/'), file.Length, Convert.ToHexStringLower(whole.GetHashAndReset()), pieces);
    }

    /// <summary>Deletes manifests beyond the newest <see cref="StorageNodeOptions.CheckpointsKept"/>, and older ones whose
    /// log segments compaction has let FASTER delete (<see cref="KeptCheckpointCount"/>; the manifest first, so a crash never leaves a
    /// manifest whose files are gone), then every FASTER checkpoint and key file that no remaining manifest names (older
    /// ones, and those of checkpoints a crash interrupted).</summary>
    private void DeleteOutdatedCheckpoints(string directory)
    {
        var manifestFolder = Path.Combine(directory, ManifestFolderName);
        var manifests = ListManifests(directory);
        var kept = KeptCheckpointCount(manifests);
        foreach (var outdated in manifests.Skip(kept))
        {
            File.Delete(outdated);
        }
        if (manifests.Count > kept)
        {
            FlushDirectory(manifestFolder);
        }
        var named = new HashSet<Guid>();
        foreach (var path in manifests.Take(kept))
        {
            if (CheckpointManifest.Decode(File.ReadAllBytes(path), out _) is { } manifest)
            {
                named.Add(manifest.Token);
                named.Add(manifest.IndexToken);
            }
        }
        foreach (var token in VersionStore.CheckpointTokensOnDisk(directory).Where(token => !named.Contains(token)))
        {
            VersionStore.DeleteCheckpoint(directory, token);
        }
        var keyFolder = Path.Combine(directory, KeyFolderName);
        if (Directory.Exists(keyFolder))
        {
            foreach (var path in Directory.EnumerateFiles(keyFolder))
            {
                var name = Path.GetFileName(path);
                if (!(name.EndsWith(".keys", StringComparison.Ordinal) && Guid.TryParse(name[..^".keys".Length], out var token) && named.Contains(token)))
                {
                    File.Delete(path);
                }
            }
        }
    }

    /// <summary>Manifest files, newest first.</summary>
    internal static List<string> ListManifests(string storageDirectory)
    {
        var folder = Path.Combine(storageDirectory, ManifestFolderName);
        if (!Directory.Exists(folder))
        {
            return [];
        }
        return Directory.EnumerateFiles(folder, "manifest-*.json").OrderByDescending(Path.GetFileName, StringComparer.Ordinal).ToList();
    }

    /// <summary>The background loop: a checkpoint every <see cref="StorageNodeOptions.CheckpointInterval"/> when a write
    /// was applied, or sooner once <see cref="StorageNodeOptions.CheckpointJournalDistanceMax"/> records (heartbeats
    /// included) or <see cref="StorageNodeOptions.CheckpointWriteDistanceMax"/> writes were.</summary>
    private async Task CheckpointLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var intervalPassed = false;
            try
            {
                await Volatile.Read(ref checkpointWanted).Task.WaitAsync(options.CheckpointInterval, options.TimeProvider, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The interval passed: take one if anything but heartbeats was applied.
                intervalPassed = true;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (intervalPassed && AppliedWriteCount == Volatile.Read(ref writesAtCheckpoint))
            {
                // Only heartbeats (and records that write nothing) since the last checkpoint: a recovery from it replays
                // them to the same state, and an idle checkpoint costs FASTER's index and the whole key file written and
                // checksummed again. The journal distance still bounds that replay.
                Interlocked.Increment(ref idleCheckpointsSkipped);
                continue;
            }
            try
            {
                await CheckpointAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // A checkpoint only shortens the next start; the node keeps serving and tries again at the next interval.
                logger.LogError(exception, "Checkpoint of partition {Partition} failed; trying again later", options.Partition);
            }
            Interlocked.Exchange(ref checkpointWanted, NewSignal());
        }
    }

    /// <summary>"partition P offset O" for each partition, for the log.</summary>
    private static string DescribePositions(IEnumerable<PartitionPosition> positions) =>
        string.Join(", ", positions.Select(position => $"partition {position.Partition} offset {position.NextOffset}"));

    /// <summary>Called by the apply loop after each record: asks for a checkpoint once the distance is reached.</summary>
    private void NoteAppliedForCheckpoint()
    {
        var since = Volatile.Read(ref newestCheckpoint)?.TotalNextOffset ?? 0;
        if (TotalNextOffset - since >= options.CheckpointJournalDistanceMax
            || AppliedWriteCount - Volatile.Read(ref writesAtCheckpoint) >= options.CheckpointWriteDistanceMax)
        {
            Volatile.Read(ref checkpointWanted).TrySetResult();
        }
    }

    /// <summary>Writes a file so that a crash leaves the old one or the whole new one: a temporary file flushed to disk,
    /// renamed over the name, and the folder flushed so the rename itself is durable.</summary>
    internal static void WriteAtomically(string path, byte[] bytes)
    {
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        FlushDirectory(Path.GetDirectoryName(path)!);
    }

    /// <summary>fsync(2) of a folder, which makes the creation, rename or removal of its entries durable. .NET opens no
    /// handle on a folder, hence libc; on other systems (whose file systems journal metadata) it does nothing.</summary>
    private static void FlushDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        int descriptor = NativeMethods.open(path, 0 /* O_RDONLY */);
        if (descriptor < 0)
        {
            throw new IOException($"Cannot open folder {path} to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            if (NativeMethods.fsync(descriptor) != 0)
            {
                throw new IOException($"Cannot flush folder {path} (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = NativeMethods.close(descriptor);
        }
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int open(string path, int flags);

        [LibraryImport("libc", SetLastError = true)]
        internal static partial int fsync(int descriptor);

        [LibraryImport("libc", SetLastError = true)]
        internal static partial int close(int descriptor);
    }
}
