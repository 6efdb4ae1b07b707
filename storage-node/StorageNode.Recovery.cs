using System.Security.Cryptography;
using Log.Journal.Records;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;

namespace Log.StorageNode;

public sealed partial class StorageNode
{
    /// <summary>
    /// Opens the store: the newest checkpoint whose manifest, files and log all pass their checksums, else a wiped folder
    /// (full replay). A checkpoint that fails any check is never used, and the log says which and why. Manifests newer
    /// than the one recovered are deleted: the log past the recovered checkpoint is about to be overwritten by replay,
    /// so they could never be valid again.
    /// </summary>
    private VersionStore OpenStore(string directory)
    {
        if (options.CheckpointsEnabled && Directory.Exists(directory))
        {
            var rejected = new List<string>();
            foreach (var path in ListManifests(directory))
            {
                var validating = System.Diagnostics.Stopwatch.GetTimestamp();
                var manifest = ValidateCheckpoint(directory, path, out var loadedKeys, out var problem, out var keyFileTime, out var filesCheckTime);
                VersionStore? store = null;
                long storeOpened = 0;
                if (manifest is not null)
                {
                    try
                    {
                        store = new VersionStore(directory, options, (manifest.IndexToken, manifest.Token), manifest.LogChunks, OnLogCorrupt);
                        storeOpened = System.Diagnostics.Stopwatch.GetTimestamp();
                        if (store.TailAddress != manifest.LogFinalAddress)
                        {
                            problem = $"FASTER recovered its log up to address {store.TailAddress}, the manifest says {manifest.LogFinalAddress}";
                        }
                        else if (loadedKeys is null)
                        {
                            // The checkpoint itself is sound: the ordered index is rebuilt from the recovered log instead.
                            var clock = System.Diagnostics.Stopwatch.StartNew();
                            var loader = new OrderedKeyIndex.SortedLoader();
                            foreach (var key in store.ScanKeys())
                            {
                                loader.Append(key.Key, key.HeadAddress);
                            }
                            loadedKeys = loader.Finish();
                            logger.LogWarning("Checkpoint {Manifest}: {Problem}; rebuilt the ordered index from FASTER's log instead ({Keys} keys in {Milliseconds} ms)",
                                Path.GetFileName(path), problem, loadedKeys.Count, clock.ElapsedMilliseconds);
                            problem = loadedKeys.Count == manifest.KeyCount ? null
                                : $"FASTER's log holds {loadedKeys.Count} keys, the manifest says {manifest.KeyCount}";
                        }
                        if (problem is not null)
                        {
                            store.Dispose();
                            store = null;
                            loadedKeys?.Dispose();
                            loadedKeys = null;
                        }
                    }
                    catch (Exception exception)
                    {
                        problem = $"FASTER could not recover it: {exception.Message}";
                        store?.Dispose();
                        store = null;
                    }
                }
                if (store is null || manifest is null || loadedKeys is null)
                {
                    logger.LogWarning("Checkpoint {Manifest} is not used: {Problem}", Path.GetFileName(path), problem);
                    rejected.Add(path);
                    continue;
                }
                foreach (var newer in rejected)
                {
                    File.Delete(newer);
                }
                manifest = UpdateRewrittenChunks(directory, manifest, store.TakeWrittenLogChunks());
                // A key file is taken in the same pause as FASTER's checkpoint, so every address in it is below the final
                // address; anything else would only be a slower lookup by key, never a wrong read.
                var opening = System.Diagnostics.Stopwatch.GetTimestamp();
                keys.Load(loadedKeys);
                keys.ForgetAddressesOutside(manifest.LogBeginAddress, manifest.LogFinalAddress);
                var opened = System.Diagnostics.Stopwatch.GetElapsedTime(opening);
                RestorePositions(manifest);
                (journal as IJournalResumePoints)?.ResumeAt(manifest.NextOffset, manifest.JournalPosition);
                Volatile.Write(ref newestCheckpoint, manifest);
                DeleteOutdatedCheckpoints(directory);
                var (checkedChunks, totalChunks) = store.VerifiedLogChunks;
                logger.LogInformation(
                    "Storage node recovered checkpoint {Sequence} ({Manifest}): {Keys} keys, offset {Offset}, resolved timestamp {Resolved}, {Checked} of {Chunks} log chunks read and checked; replaying {Topic} after it: {Positions}",
                    manifest.Sequence, Path.GetFileName(path), manifest.KeyCount, manifest.NextOffset, new HybridTimestamp(manifest.ResolvedTimestamp),
                    checkedChunks, totalChunks, options.JournalTopic, DescribePositions(manifest.Positions));
                LogRecoveryPhases(filesCheckTime, keyFileTime, store.Recovery, opened, System.Diagnostics.Stopwatch.GetElapsedTime(storeOpened),
                    System.Diagnostics.Stopwatch.GetElapsedTime(validating));
                return store;
            }
            if (rejected.Count > 0)
            {
                logger.LogWarning("No usable checkpoint among {Count} found in {Directory}: replaying the journal from offset 0", rejected.Count, directory);
            }
        }
        if (options.RequireCheckpoint)
        {
            throw new InvalidOperationException($"{directory} holds no usable checkpoint (see the warnings above for why).");
        }
        // Nothing to recover (or checkpoints are off): whatever an earlier run left is stale, start from nothing.
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
        logger.LogInformation("Storage node started on partitions {Partitions}, replaying the journal from offset 0 into {Directory}",
            string.Join(",", AppliedPartitions), directory);
        return new VersionStore(directory, options);
    }

    /// <summary>The manifest at <paramref name="path"/> when it and FASTER's files and log it names pass their checks,
    /// otherwise null and the first problem found; with the keys of its key file, or null keys (and the problem) when
    /// only the key file is unusable.</summary>
    internal CheckpointManifest? ValidateCheckpoint(string directory, string path, out OrderedKeyIndex? loadedKeys, out string? problem) =>
        ValidateCheckpoint(directory, path, out loadedKeys, out problem, out _, out _);

    /// <summary>The same, with the time spent reading the key file and, beside it, checking the other files.</summary>
    private CheckpointManifest? ValidateCheckpoint(string directory, string path, out OrderedKeyIndex? loadedKeys, out string? problem,
        out TimeSpan keyFileTime, out TimeSpan filesCheckTime)
    {
        loadedKeys = null;
        keyFileTime = TimeSpan.Zero;
        filesCheckTime = TimeSpan.Zero;
        var manifest = CheckpointManifest.Decode(File.ReadAllBytes(path), out problem);
        if (manifest is null)
        {
            return null;
        }
        if (manifest.JournalTopic != options.JournalTopic || !CoversAppliedPartitions(manifest))
        {
            problem = $"it is of {manifest.JournalTopic} partitions {string.Join(",", manifest.Positions.Select(position => position.Partition))}, " +
                $"this node reads {options.JournalTopic} partitions {string.Join(",", AppliedPartitions)}";
            return null;
        }
        if (manifest.LogSegmentSizeBits != StorageNodeOptions.Log2(options.LogSegmentSizeBytes))
        {
            problem = $"its log segments are 2^{manifest.LogSegmentSizeBits} bytes, this node's are {options.LogSegmentSizeBytes}";
            return null;
        }
        // The key file is checked on its own: without it the checkpoint is still usable (the caller rebuilds the index).
        // It is read beside the check of FASTER's files (both read and hash files; a start has two cores or more).
        var keyPath = Path.Combine(KeyFolderName, KeyFile.FileNameFor(manifest.Token));
        var listed = manifest.Files.SingleOrDefault(file => file.Path == keyPath.Replace('\\', '/'));
        var keyRead = listed is null ? null : Task.Run(() =>
        {
            var reading = System.Diagnostics.Stopwatch.StartNew();
            var read = KeyFile.Read(Path.Combine(directory, keyPath), manifest.Token, out var readProblem, out var readSha256);
            return (Keys: read, Problem: readProblem, Sha256: readSha256, Time: reading.Elapsed);
        });
        // The log's chunks are checked as they are first read (VerifiedLogDevice): FASTER's recovery checks the ones it
        // loads, and a damaged one fails this checkpoint then.
        var checking = System.Diagnostics.Stopwatch.StartNew();
        string? filesProblem;
        try
        {
            filesProblem = CheckFiles(directory, manifest, hashLog: false);
        }
        catch
        {
            keyRead?.ContinueWith(read =>
            {
                if (read.IsCompletedSuccessfully)
                {
                    read.Result.Keys?.Dispose();
                }
            }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw;
        }
        filesCheckTime = checking.Elapsed;
        var (keys, keyProblem, keySha256, keyTime) = keyRead?.GetAwaiter().GetResult() ?? default;
        keyFileTime = keyTime;
        if (filesProblem is not null)
        {
            keys?.Dispose();
            problem = filesProblem;
            return null;
        }
        loadedKeys = keys;
        problem = keyProblem;
        if (loadedKeys is not null)
        {
            logger.LogInformation("Checkpoint {Manifest}: key file of {Keys} keys read in {Milliseconds} ms ({Bytes} MiB in memory)",
                Path.GetFileName(path), loadedKeys.Count, (long)keyTime.TotalMilliseconds, loadedKeys.ByteCount >> 20);
        }
        if (listed is null)
        {
            problem = "its key file is not named in the manifest";
        }
        // A paged key file is not hashed whole (its directory and each page carry their own checksums): its length is checked.
        else if (loadedKeys is not null && (loadedKeys.Count != manifest.KeyCount
            || (keySha256 is null ? new FileInfo(Path.Combine(directory, keyPath)).Length != listed.LengthBytes : keySha256 != listed.Sha256)))
        {
            problem = "its key file is not the one the manifest names";
            loadedKeys.Dispose();
            loadedKeys = null;
        }
        else if (loadedKeys is null)
        {
            problem = $"its key file is unusable: {problem}";
        }
        return manifest;
    }

    /// <summary>One line with where a recovery's time went, and how long after the process started it ended.</summary>
    private void LogRecoveryPhases(TimeSpan checks, TimeSpan keyFile, VersionStore.RecoveryTimes? faster, TimeSpan orderedIndex, TimeSpan afterFaster, TimeSpan total)
    {
        logger.LogInformation(
            "Storage recovery took {Total} ms: manifest and checkpoint files checked {Checks} ms, key file {KeyFile} ms (beside them), FASTER's setup {Setup} ms, " +
            "FASTER's index {Index} ms, FASTER's log {Log} ms (of which log chunks checked {ChunkChecks} ms; log in memory from address {Head} to {Tail}), " +
            "after FASTER {After} ms (of which ordered index {Ordered} ms); {SinceStart} ms after the process started",
            (long)total.TotalMilliseconds, (long)checks.TotalMilliseconds, (long)keyFile.TotalMilliseconds, (long)(faster?.Setup.TotalMilliseconds ?? 0),
            (long)(faster?.Index.TotalMilliseconds ?? 0), (long)(faster?.Log.TotalMilliseconds ?? 0), (long)(faster?.ChunkChecks.TotalMilliseconds ?? 0),
            faster?.HeadAddress ?? 0, faster?.TailAddress ?? 0, (long)afterFaster.TotalMilliseconds, (long)orderedIndex.TotalMilliseconds, ProcessUptime.Milliseconds);
    }

    /// <summary>
    /// After a recovery: FASTER wrote back the pages where it marked the records of the version after the checkpoint
    /// invalid (those that were written between its version switch and its final address), so the bytes of
    /// <paramref name="written"/> changed on disk after they passed their check. Every manifest naming such a chunk gets
    /// its new checksum (rewritten atomically), or the next recovery of the checkpoint would refuse it; so does the
    /// recovered <paramref name="manifest"/>, returned (the next checkpoint takes unchanged chunks from it).
    /// </summary>
    private CheckpointManifest UpdateRewrittenChunks(string directory, CheckpointManifest manifest, IReadOnlyList<LogRangeChecksum> written)
    {
        if (written.Count == 0)
        {
            return manifest;
        }
        var segmentSizeBits = StorageNodeOptions.Log2(options.LogSegmentSizeBytes);
        var updated = new Dictionary<LogRangeChecksum, LogRangeChecksum>();
        foreach (var chunk in written)
        {
            var hash = VersionStore.HashLogRange(directory, segmentSizeBits, chunk.From, chunk.Until)
                ?? throw new IOException($"The log no longer holds the bytes [{chunk.From}, {chunk.Until}) that recovery just wrote.");
            updated[chunk] = chunk with { Sha256 = Convert.ToHexStringLower(hash) };
        }
        foreach (var path in ListManifests(directory))
        {
            if (CheckpointManifest.Decode(File.ReadAllBytes(path), out _) is { } named && named.LogChunks.Any(updated.ContainsKey))
            {
                WriteAtomically(path, WithUpdated(named).Encode());
                logger.LogInformation("Checkpoint {Manifest}: {Chunks} log chunks rewritten by the recovery have their new checksums",
                    Path.GetFileName(path), named.LogChunks.Count(updated.ContainsKey));
            }
        }
        return WithUpdated(manifest);

        CheckpointManifest WithUpdated(CheckpointManifest original) =>
            original with { LogChunks = original.LogChunks.Select(chunk => updated.GetValueOrDefault(chunk, chunk)).ToList() };
    }

    /// <summary>How many log chunks of the recovered checkpoint were checked so far (each when first read), of how many.</summary>
    internal (int Checked, int Total) VerifiedLogChunks => Volatile.Read(ref versions)?.VerifiedLogChunks ?? (0, 0);

    /// <summary>Told by the store's log device that a recovered log chunk failed its checksum when first read. During
    /// recovery (no store yet) the recovery itself refuses the checkpoint. Afterwards the node stops (whatever read those
    /// bytes failed, and a compaction may have copied them) and deletes every manifest whose log holds that chunk, so the
    /// next start falls back to an older checkpoint or a full replay instead of failing at the same read again.</summary>
    private void OnLogCorrupt(LogRangeChecksum chunk, string reason)
    {
        if (Volatile.Read(ref versions) is null)
        {
            return;
        }
        Fail($"storage is corrupt: {reason}", null);
        foreach (var path in ListManifests(StorageDirectory))
        {
            try
            {
                if (CheckpointManifest.Decode(File.ReadAllBytes(path), out _) is { } manifest && manifest.LogChunks.Contains(chunk))
                {
                    File.Delete(path);
                    logger.LogWarning("Checkpoint {Manifest} is deleted: its log between addresses {From} and {Until} fails its checksum",
                        Path.GetFileName(path), chunk.From, chunk.Until);
                }
            }
            catch (IOException exception)
            {
                logger.LogError(exception, "Checkpoint {Manifest} could not be deleted; the next start will find its damaged log chunk again", Path.GetFileName(path));
            }
        }
    }

    /// <summary>Null when <paramref name="file"/> lies in the storage folder and has the length the manifest gives, else
    /// what does not (the contents are checked by <see cref="CheckFileContents"/>).</summary>
    private static string? CheckFileLength(string directory, FileChecksum file)
    {
        var full = Path.GetFullPath(Path.Combine(directory, file.Path));
        if (!full.StartsWith(Path.GetFullPath(directory), StringComparison.Ordinal))
        {
            return $"it names a file outside the storage folder ({file.Path})";
        }
        if (!File.Exists(full))
        {
            return $"its file {file.Path} is missing";
        }
        var length = new FileInfo(full).Length;
        if (length != file.LengthBytes)
        {
            return $"its file {file.Path} has {length} bytes, the manifest says {file.LengthBytes}";
        }
        if (file.PieceSha256 is { } pieces && pieces.Count != PieceCount(file.LengthBytes))
        {
            return $"its file {file.Path} has {PieceCount(file.LengthBytes)} pieces, the manifest names {pieces.Count}";
        }
        return null;
    }

    private static int PieceCount(long lengthBytes) => (int)((lengthBytes + FileChecksum.PieceBytes - 1) / FileChecksum.PieceBytes);

    /// <summary>The checks of a file's contents, once its length passed: one per piece when the manifest gives the pieces'
    /// checksums (they run side by side), else one of the whole file.</summary>
    private static IEnumerable<Func<string?>> CheckFileContents(string directory, FileChecksum file)
    {
        var full = Path.Combine(directory, file.Path);
        if (file.PieceSha256 is not { } pieces)
        {
            yield return () =>
            {
                using var stream = File.OpenRead(full);
                return Convert.ToHexStringLower(SHA256.HashData(stream)) != file.Sha256 ? $"its file {file.Path} fails its checksum" : null;
            };
            yield break;
        }
        for (var piece = 0; piece < pieces.Count; piece++)
        {
            var index = piece;
            yield return () =>
            {
                long from = (long)index * FileChecksum.PieceBytes;
                var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent((int)Math.Min(FileChecksum.PieceBytes, file.LengthBytes - from));
                try
                {
                    using var handle = File.OpenHandle(full);
                    var wanted = (int)Math.Min(FileChecksum.PieceBytes, file.LengthBytes - from);
                    var read = 0;
                    while (read < wanted && RandomAccess.Read(handle, buffer.AsSpan(read, wanted - read), from + read) is var count and > 0)
                    {
                        read += count;
                    }
                    return read != wanted || Convert.ToHexStringLower(SHA256.HashData(buffer.AsSpan(0, wanted))) != pieces[index]
                        ? $"its file {file.Path} fails its checksum (bytes {from} to {from + wanted})"
                        : null;
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                }
            };
        }
    }

    /// <summary>Null when every file and log chunk the manifest names matches its checksum, else what does not. Without
    /// <paramref name="hashLog"/> the log chunks are only checked to cover the log range and the segment files to hold
    /// it: a recovery checks their contents as it reads them.</summary>
    internal static string? CheckFiles(string directory, CheckpointManifest manifest, bool hashLog = true)
    {
        if (manifest.Files.Count == 0 || manifest.LogFinalAddress < manifest.LogBeginAddress)
        {
            return "it names no files or an empty log range";
        }
        var fasterFiles = VersionStore.CheckpointFiles(directory, manifest.IndexToken, manifest.Token).Select(file => file.Replace('\\', '/')).ToHashSet();
        fasterFiles.ExceptWith(manifest.Files.Select(file => file.Path));
        if (fasterFiles.Count > 0)
        {
            return $"FASTER's checkpoint folder holds files the manifest does not name ({string.Join(", ", fasterFiles.Order(StringComparer.Ordinal))})";
        }
        // FASTER's hash index and its overflow buckets are the large ones (they grow with the keys): their pieces, and the
        // other files, are hashed side by side.
        var files = manifest.Files.Where(file => !file.Path.StartsWith(KeyFolderName + "/", StringComparison.Ordinal)).ToArray();
        if (files.Select(file => CheckFileLength(directory, file)).FirstOrDefault(problem => problem is not null) is { } lengthProblem)
        {
            return lengthProblem;
        }
        var checks = files.SelectMany(file => CheckFileContents(directory, file)).ToArray();
        var problems = new string?[checks.Length];
        Parallel.For(0, checks.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            index => problems[index] = checks[index]());
        if (problems.FirstOrDefault(problem => problem is not null) is { } fileProblem)
        {
            return fileProblem;
        }
        long expected = manifest.LogBeginAddress;
        foreach (var chunk in manifest.LogChunks)
        {
            if (chunk.From != expected || chunk.Until <= chunk.From)
            {
                return "its log checksums do not cover the log range without gaps";
            }
            if (!hashLog)
            {
                expected = chunk.Until;
                continue;
            }
            var hash = VersionStore.HashLogRange(directory, manifest.LogSegmentSizeBits, chunk.From, chunk.Until);
            if (hash is null)
            {
                return $"the log is shorter than address {chunk.Until}";
            }
            if (Convert.ToHexStringLower(hash) != chunk.Sha256)
            {
                return $"the log between addresses {chunk.From} and {chunk.Until} fails its checksum";
            }
            expected = chunk.Until;
        }
        if (expected != manifest.LogFinalAddress)
        {
            return "its log checksums stop before its final address";
        }
        return hashLog ? null : VersionStore.LogFilesShorterThan(directory, manifest.LogSegmentSizeBits, manifest.LogBeginAddress, manifest.LogFinalAddress);
    }
}
