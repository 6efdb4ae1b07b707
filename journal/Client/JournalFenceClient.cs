using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Log.Journal.Client;

/// <summary>A fence or an append at an expected offset that the journal node refused; <see cref="ErrorCode"/> is the
/// node's Kafka error code (47: fenced, 1: the partition does not end at the expected offset).</summary>
public sealed class JournalFenceRefusedException(short errorCode, string message) : Exception(message)
{
    public short ErrorCode { get; } = errorCode;

    /// <summary>The partition did not end at the offset given: another append came first.</summary>
    public bool IsOffsetMismatch => ErrorCode == 1;
}

/// <summary>
/// Sends the journal node's own failover requests (journal/Node/JournalNode.Fence.cs): raise a partition's writer
/// fence, and append records at an expected offset past it. One short connection per call to the first bootstrap
/// server (a journal node is one broker; a Kafka cluster does not know these requests and closes the connection).
/// </summary>
public static class JournalFenceClient
{
    private const short WriterFenceKey = 32000;
    private const short AppendAtKey = 32001;

    /// <summary>Raises the writer fence of <paramref name="topic"/>/<paramref name="partition"/> to
    /// <paramref name="epoch"/> and returns the partition's end offset then. The node refuses when
    /// <paramref name="requesterTopic"/> is fenced there above <paramref name="requesterEpoch"/>.</summary>
    public static async Task<long> FenceAsync(string bootstrapServers, string topic, int partition, long epoch,
        string? requesterTopic, long requesterEpoch, CancellationToken cancellationToken)
    {
        var body = new List<byte>();
        WriteString(body, topic);
        WriteInt32(body, partition);
        WriteInt64(body, epoch);
        WriteString(body, requesterTopic);
        WriteInt64(body, requesterEpoch);
        return await CallAsync(bootstrapServers, WriterFenceKey, body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends <paramref name="values"/> (encoded journal records) as one batch when the partition ends at
    /// <paramref name="expectedOffset"/>; returns the first one's offset once durable.</summary>
    public static async Task<long> AppendAtAsync(string bootstrapServers, string topic, int partition, long expectedOffset,
        IReadOnlyList<byte[]> values, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(values);
        var body = new List<byte>();
        WriteString(body, topic);
        WriteInt32(body, partition);
        WriteInt64(body, expectedOffset);
        WriteInt32(body, values.Count);
        foreach (var value in values)
        {
            WriteInt32(body, value.Length);
            body.AddRange(value);
        }
        return await CallAsync(bootstrapServers, AppendAtKey, body, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<long> CallAsync(string bootstrapServers, short apiKey, List<byte> body, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bootstrapServers);
        var server = bootstrapServers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)[0];
        var colon = server.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(server[(colon + 1)..], out var port))
        {
            throw new ArgumentException($"'{server}' is not HOST:PORT.", nameof(bootstrapServers));
        }
        var request = new List<byte>();
        WriteInt16(request, apiKey);
        WriteInt16(request, 0);
        WriteInt32(request, 1);
        WriteString(request, "log-failover");
        request.AddRange(body);
        var frame = new byte[4 + request.Count];
        BinaryPrimitives.WriteInt32BigEndian(frame, request.Count);
        request.CopyTo(frame, 4);

        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(server[..colon], port, cancellationToken).ConfigureAwait(false);
        var stream = client.GetStream();
        await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        var sizeBytes = new byte[4];
        await stream.ReadExactlyAsync(sizeBytes, cancellationToken).ConfigureAwait(false);
        var size = BinaryPrimitives.ReadInt32BigEndian(sizeBytes);
        if (size is < 14 or > 1 << 20)
        {
            throw new InvalidDataException($"The journal at {server} answered a failover request with a frame of {size} bytes.");
        }
        var response = new byte[size];
        await stream.ReadExactlyAsync(response, cancellationToken).ConfigureAwait(false);
        var error = BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(4));
        var messageLength = BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(6));
        var at = 8 + Math.Max(0, (int)messageLength);
        if (at + 8 > response.Length)
        {
            throw new InvalidDataException($"The journal at {server} answered a failover request with a short frame.");
        }
        var message = messageLength < 0 ? null : Encoding.UTF8.GetString(response, 8, messageLength);
        var offset = BinaryPrimitives.ReadInt64BigEndian(response.AsSpan(at));
        if (error != 0)
        {
            throw new JournalFenceRefusedException(error, $"The journal at {server} refused: error {error}{(message is null ? "" : ": " + message)}");
        }
        return offset;
    }

    private static void WriteInt16(List<byte> into, short value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteInt16BigEndian(bytes, value);
        into.AddRange(bytes);
    }

    private static void WriteInt32(List<byte> into, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        into.AddRange(bytes);
    }

    private static void WriteInt64(List<byte> into, long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        into.AddRange(bytes);
    }

    private static void WriteString(List<byte> into, string? value)
    {
        if (value is null)
        {
            WriteInt16(into, -1);
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteInt16(into, checked((short)bytes.Length));
        into.AddRange(bytes);
    }
}
