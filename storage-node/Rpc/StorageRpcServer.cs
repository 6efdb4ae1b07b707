using System.Buffers;
using Log.Journal.Rpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.StorageNode.Rpc;

/// <summary>
/// Serves a <see cref="StorageNode"/>'s reads and progress to query nodes over TCP, through the shared transport
/// (<see cref="RpcServer{TMessage}"/>: many requests per connection, deadlines, cancellation, bounded requests in
/// flight) with the frames of <see cref="StorageRpcCodec"/>. A read waits for its read point on the replica exactly as
/// in process (bounded by the replica's read wait); its refusals travel as error answers that keep their SQLSTATE
/// (57P03, 72000). A scan answers one page at a time, cut at <see cref="StorageRpcOptions.ScanPageBytesMax"/>, copied
/// once from the replica's memory into the page. Reads hold no state between requests, so any replica may serve a
/// transaction's next read. Lifetime: construct, <see cref="Start"/>, <see cref="DisposeAsync"/>.
/// </summary>
public sealed class StorageRpcServer : IAsyncDisposable
{
    private readonly StorageNode node;
    private readonly StorageRpcOptions options;
    private readonly RpcServer<StorageRpcMessage> server;

    public StorageRpcServer(StorageNode node, StorageRpcOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.node = node;
        this.options = options;
        server = new RpcServer<StorageRpcMessage>(StorageRpcProtocol.Instance,
            options.ServerSettings,
            AnswerAsync, logger ?? NullLogger.Instance);
    }

    /// <summary>The port it listens on, once started.</summary>
    public int Port => server.Port;

    /// <summary>Connections open now (tests).</summary>
    public int ConnectionCount => server.ConnectionCount;

    public void Start() => server.Start();

    public ValueTask DisposeAsync() => server.DisposeAsync();

    private async Task<StorageRpcMessage> AnswerAsync(StorageRpcMessage call, CancellationToken cancellationToken)
    {
        try
        {
            switch (call)
            {
                case GetCall get:
                    return new ValueAnswer(call.RequestId, await node.GetAsync(get.Key, get.At, cancellationToken).ConfigureAwait(false));
                case GetManyCall getMany:
                    return new ValuesAnswer(call.RequestId, await node.GetManyAsync(getMany.Keys, getMany.At, cancellationToken).ConfigureAwait(false));
                case ScanCall scan:
                    return await ScanPageAsync(scan, cancellationToken).ConfigureAwait(false);
                case ProgressCall progress:
                    if (progress.Wait)
                    {
                        await node.WaitForReadPointAsync(progress.At, cancellationToken).ConfigureAwait(false);
                    }
                    return new ProgressAnswer(call.RequestId, node.Partition, node.NextOffset, node.ResolvedTimestamp, node.NextOffsets);
                case DigestCall digest:
                    return new DigestAnswer(call.RequestId, await node.ComputeStateDigestAsync(digest.At, cancellationToken).ConfigureAwait(false));
                case CheckpointCall checkpoint:
                    if (checkpoint.TakeNew)
                    {
                        // Null when none can be taken now (a prepare waits for its decision): the newest one serves as well.
                        await node.CheckpointAsync(cancellationToken).ConfigureAwait(false);
                    }
                    return node.NewestCheckpointForCopy() is { } newest
                        ? new CheckpointAnswer(call.RequestId, newest.Manifest, newest.Files)
                        : new CheckpointAnswer(call.RequestId, null, []);
                case FileChunkCall chunk:
                    var (bytes, fileLength) = node.ReadStorageFileChunk(chunk.Path, chunk.Offset, Math.Min(chunk.LengthMax, options.CheckpointCopyChunkBytes));
                    return new FileChunkAnswer(call.RequestId, bytes, fileLength);
                default:
                    return new StorageErrorAnswer(call.RequestId, StorageRpcErrorCode.BadRequest, "08P01", $"{call.Kind} is not a request.");
            }
        }
        catch (SnapshotTooOldException exception)
        {
            return new StorageErrorAnswer(call.RequestId, StorageRpcErrorCode.SnapshotTooOld, exception.SqlState, exception.Message,
                exception.At, exception.Horizon);
        }
        catch (StorageUnavailableException exception)
        {
            return new StorageErrorAnswer(call.RequestId, StorageRpcErrorCode.Unavailable, exception.SqlState, exception.Message);
        }
        catch (ObjectDisposedException exception)
        {
            return new StorageErrorAnswer(call.RequestId, StorageRpcErrorCode.Unavailable, "57P03", $"the storage node is shutting down: {exception.Message}");
        }
        catch (IOException exception)
        {
            // A checkpoint file being read while the replica replaces it, or a disk error: another attempt, or replica, may do.
            return new StorageErrorAnswer(call.RequestId, StorageRpcErrorCode.Unavailable, "58030", exception.Message);
        }
        catch (ArgumentException exception)
        {
            return new StorageErrorAnswer(call.RequestId, StorageRpcErrorCode.BadRequest, "22023", exception.Message);
        }
        catch (OperationCanceledException)
        {
            return new StorageErrorAnswer(call.RequestId, StorageRpcErrorCode.Cancelled, "57014", "The request's deadline passed or its client cancelled it.");
        }
    }

    /// <summary>One page: forwards through a visitor that packs pairs until the byte budget, backwards (where the node has
    /// no visiting scan) a bounded number of rows.</summary>
    private async Task<StorageRpcMessage> ScanPageAsync(ScanCall scan, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(scan.Limit);
        var packer = new PagePacker(options.ScanPageBytesMax);
        if (!scan.Backward)
        {
            var visited = await node.VisitAsync(scan.Start, scan.End, scan.At, scan.Limit, packer, cancellationToken).ConfigureAwait(false);
            return new PairsAnswer(scan.RequestId, packer.Packed, visited.Count, More: visited.Stopped && visited.Count < scan.Limit);
        }
        var rows = Math.Min(scan.Limit, node.Options.ScanBatchKeyCount);
        var page = await node.ScanBackwardAsync(scan.Start, scan.End, scan.At, rows, cancellationToken).ConfigureAwait(false);
        foreach (var pair in page) packer.Visit(pair.Key, pair.Value);
        return new PairsAnswer(scan.RequestId, packer.Packed, page.Count, More: page.Count == rows && rows < scan.Limit);
    }

    /// <summary>Packs visited pairs (copying them out of the replica's memory) and stops the scan at the byte budget.</summary>
    private sealed class PagePacker(int bytesMax) : IKeyValueVisitor
    {
        private readonly ArrayBufferWriter<byte> output = new(Math.Min(bytesMax, 16 * 1024));

        public ReadOnlyMemory<byte> Packed => output.WrittenMemory;

        public bool Visit(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            PackedPairs.Append(output, key, value);
            return output.WrittenCount < bytesMax;
        }
    }
}
