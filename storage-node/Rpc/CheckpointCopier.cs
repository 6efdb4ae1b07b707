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

    /// <summary>Copies one file in chunks up to the length it had at the first chunk; returns the bytes copied.</summary>
    private static async Task<long> CopyFileAsync(RpcChannel<StorageRpcMessage> channel, string relativePath, string directory,
        StorageRpcOptions options, CancellationToken cancellationToken)
    {
        var target = StorageNode.ResolveCopyablePath(directory, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await using var output = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None);
        long length = -1;
        long offset = 0;
        while (length < 0 || offset < length)
        {
            var wanted = length < 0 ? options.CheckpointCopyChunkBytes : (int)Math.Min(options.CheckpointCopyChunkBytes, length - offset);
            var chunk = (FileChunkAnswer)await CallAsync(channel, (id, deadline) => new FileChunkCall(id, deadline, relativePath, offset, wanted),
                options, cancellationToken).ConfigureAwait(false);
            if (length < 0)
            {
                length = chunk.FileLength;
            }
            if (chunk.Bytes.Length == 0 && offset < length)
            {
                throw new StorageUnavailableException($"{relativePath} shrank below {length} bytes while it was copied");
            }
            await output.WriteAsync(chunk.Bytes, cancellationToken).ConfigureAwait(false);
            offset += chunk.Bytes.Length;
        }
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        output.Flush(flushToDisk: true);
        return offset;
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
