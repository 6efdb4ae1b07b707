using Log.Journal.Rpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.StorageNode.Rpc;

/// <summary>
/// Bootstraps a new replica from another replica's checkpoint over the storage RPC (<c>storage-node serve
/// --bootstrap-from HOST:PORT</c>): asks the other replica to take a checkpoint, copies the files its manifest names and
/// the log segments of its log range into a folder beside the new replica's storage folder, verifies every checksum
/// the manifest holds (and the manifest's own), writes the manifest last, and only then moves the folder into place.
/// The new replica then starts as after a restart: it recovers that checkpoint (checking it again) and tails the journal
/// after each partition's offset.
/// <para>
/// Why it is safe: nothing copied is used before it passes the same checks a recovery makes, and a copy cut short (a
/// crash, a broken connection) leaves only the side folder, which the next attempt deletes; the storage folder is
/// replaced whole by a rename. The source may replace the checkpoint while it is copied (it keeps two): a file then
/// vanishes or fails its checksum, and the copy starts again from a new checkpoint, at most
/// <see cref="StorageRpcOptions.BootstrapAttemptsMax"/> times. Log segments are still appended to past the checkpoint's
/// final address; the copy takes a segment up to the length it saw first, which holds the range the manifest checksums.
/// </para>
/// </summary>
public static class CheckpointCopier
{
    /// <summary>Copies the newest checkpoint of the replica at <paramref name="host"/>:<paramref name="port"/> into
    /// <paramref name="storageDirectory"/> (DataDirectory/storage of the new replica), replacing what is there. Returns
    /// the checkpoint copied, or null when the other replica has none (the new one then replays the journal).</summary>
    public static async Task<StorageCheckpoint?> CopyAsync(string host, int port, string storageDirectory, StorageRpcOptions options,
        ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        logger ??= NullLogger.Instance;
        await using var channel = new RpcChannel<StorageRpcMessage>(host, port, StorageRpcProtocol.Instance, options.MaxFrameBytes, options.ConnectTimeout);
        var copying = storageDirectory.TrimEnd(Path.DirectorySeparatorChar) + ".bootstrap";
        for (var attempt = 1; ; attempt++)
        {
            var answer = (CheckpointAnswer)await CallAsync(channel, (id, deadline) => new CheckpointCall(id, deadline, TakeNew: true), options,
                cancellationToken).ConfigureAwait(false);
            if (answer.Manifest is null)
            {
                logger.LogWarning("The replica at {Endpoint} has no checkpoint to copy", channel.Endpoint);
                return null;
            }
            var manifest = CheckpointManifest.Decode(answer.Manifest, out var problem)
                ?? throw new InvalidDataException($"The replica at {channel.Endpoint} sent a manifest that cannot be used: {problem}");
            if (Directory.Exists(copying))
            {
                Directory.Delete(copying, recursive: true);
            }
            long bytesCopied = 0;
            try
            {
                foreach (var file in answer.Files)
                {
                    bytesCopied += await CopyFileAsync(channel, file, copying, options, cancellationToken).ConfigureAwait(false);
                }
                problem = Verify(copying, manifest);
            }
            catch (StorageUnavailableException exception)
            {
                problem = exception.Message;
            }
            if (problem is null)
            {
                var manifestFolder = Path.Combine(copying, StorageNode.ManifestFolderName);
                Directory.CreateDirectory(manifestFolder);
                StorageNode.WriteAtomically(Path.Combine(manifestFolder, CheckpointManifest.FileNameFor(manifest.Sequence)), answer.Manifest);
                if (Directory.Exists(storageDirectory))
                {
                    Directory.Delete(storageDirectory, recursive: true);
                }
                Directory.Move(copying, storageDirectory);
                logger.LogInformation("Copied checkpoint {Sequence} of the replica at {Endpoint} ({Files} files, {Bytes} bytes): {Positions}",
                    manifest.Sequence, channel.Endpoint, answer.Files.Count + 1, bytesCopied,
                    string.Join(", ", manifest.Positions.Select(position => $"partition {position.Partition} offset {position.NextOffset}")));
                return StorageNode.Describe(manifest);
            }
            if (attempt >= options.BootstrapAttemptsMax)
            {
                throw new StorageUnavailableException(
                    $"copying a checkpoint of the replica at {channel.Endpoint} failed {attempt} times, the last because {problem}");
            }
            logger.LogWarning("Copying checkpoint {Sequence} of the replica at {Endpoint} failed ({Problem}); starting again", manifest.Sequence,
                channel.Endpoint, problem);
        }
    }

    /// <summary>Null when every file and log chunk of the copy matches the manifest's checksums, else what does not.</summary>
    private static string? Verify(string directory, CheckpointManifest manifest)
    {
        if (StorageNode.CheckFiles(directory, manifest) is { } problem)
        {
            return problem;
        }
        // CheckFiles leaves the key file to the recovery (which can do without it); a copy checks it too.
        foreach (var file in manifest.Files.Where(file => file.Path.StartsWith(StorageNode.KeyFolderName + "/", StringComparison.Ordinal)))
        {
            if (!File.Exists(Path.Combine(directory, file.Path)) || StorageNode.ChecksumFile(directory, file.Path).Sha256 != file.Sha256)
            {
                return $"its key file {file.Path} fails its checksum";
            }
        }
        return null;
    }

    /// <summary>Copies one file in chunks up to the length it had at the first chunk; returns the bytes copied. After the
    /// first chunk (which tells the length), up to <see cref="StorageRpcOptions.CheckpointCopyChunksInFlight"/> chunk calls
    /// are in flight on the connection at once, and their answers are written in offset order.</summary>
    private static async Task<long> CopyFileAsync(RpcChannel<StorageRpcMessage> channel, string relativePath, string directory,
        StorageRpcOptions options, CancellationToken cancellationToken)
    {
        var target = StorageNode.ResolveCopyablePath(directory, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await using var output = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inFlight = new Queue<(long Offset, int Wanted, Task<FileChunkAnswer> Answer)>();
        try
        {
            var first = await ReadChunkAsync(channel, relativePath, 0, options.CheckpointCopyChunkBytes, options, stop.Token).ConfigureAwait(false);
            var length = first.FileLength;
            await output.WriteAsync(first.Bytes, stop.Token).ConfigureAwait(false);
            var written = (long)first.Bytes.Length;
            var asked = written;
            while (written < length)
            {
                while (inFlight.Count < options.CheckpointCopyChunksInFlight && asked < length)
                {
                    var wanted = (int)Math.Min(options.CheckpointCopyChunkBytes, length - asked);
                    inFlight.Enqueue((asked, wanted, ReadChunkAsync(channel, relativePath, asked, wanted, options, stop.Token)));
                    asked += wanted;
                }
                var (offset, size, answer) = inFlight.Dequeue();
                var chunk = await answer.ConfigureAwait(false);
                await output.WriteAsync(chunk.Bytes, stop.Token).ConfigureAwait(false);
                // The source sends at most its own chunk size: a shorter answer is followed by the rest of the range, asked
                // for one call at a time (it is rare: the two ends run one build).
                for (var got = chunk.Bytes.Length; got < size; got += chunk.Bytes.Length)
                {
                    chunk = await ReadChunkAsync(channel, relativePath, offset + got, size - got, options, stop.Token).ConfigureAwait(false);
                    if (chunk.Bytes.Length == 0)
                    {
                        throw new StorageUnavailableException($"{relativePath} shrank below {length} bytes while it was copied");
                    }
                    await output.WriteAsync(chunk.Bytes, stop.Token).ConfigureAwait(false);
                }
                written = offset + size;
            }
            await output.FlushAsync(stop.Token).ConfigureAwait(false);
            output.Flush(flushToDisk: true);
            return written;
        }
        finally
        {
            // A failed copy leaves no call behind: the others are cancelled and their outcomes observed.
            await stop.CancelAsync().ConfigureAwait(false);
            foreach (var (_, _, answer) in inFlight)
            {
                try
                {
                    await answer.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The copy already failed (or was cancelled) for its own reason.
                }
            }
        }
    }

    /// <summary>One chunk of a file; an empty one before the length the file had is a file that shrank.</summary>
    private static async Task<FileChunkAnswer> ReadChunkAsync(RpcChannel<StorageRpcMessage> channel, string relativePath, long offset, int wanted,
        StorageRpcOptions options, CancellationToken cancellationToken)
    {
        var chunk = (FileChunkAnswer)await CallAsync(channel, (id, deadline) => new FileChunkCall(id, deadline, relativePath, offset, wanted),
            options, cancellationToken).ConfigureAwait(false);
        if (chunk.Bytes.Length == 0 && offset < chunk.FileLength)
        {
            throw new StorageUnavailableException($"{relativePath} shrank below {offset + wanted} bytes while it was copied");
        }
        return chunk;
    }

    /// <summary>One call with the client's deadline; refusals become the exceptions a read would throw.</summary>
    private static async Task<StorageRpcMessage> CallAsync(RpcChannel<StorageRpcMessage> channel, Func<long, TimeSpan, StorageRpcCall> build,
        StorageRpcOptions options, CancellationToken cancellationToken)
    {
        var answer = await channel.CallAsync(build(channel.NextRequestId(), options.CallTimeout), options.CallTimeout, cancellationToken)
            .ConfigureAwait(false);
        return answer switch
        {
            StorageErrorAnswer { Code: StorageRpcErrorCode.BadRequest } error => throw new ArgumentException($"{channel.Endpoint}: {error.Message}"),
            StorageErrorAnswer error => throw new StorageUnavailableException($"{channel.Endpoint}: {error.Message}"),
            _ => answer,
        };
    }
}
