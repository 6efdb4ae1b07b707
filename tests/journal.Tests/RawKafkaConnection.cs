using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Log.Journal.Node.Storage;

namespace Log.Journal.Tests;

/// <summary>A bare Kafka connection for sending hand-made (and deliberately broken) requests.</summary>
internal sealed class RawKafkaConnection : IAsyncDisposable
{
    private readonly TcpClient client = new();
    private NetworkStream stream = null!;
    private int nextCorrelationId = 1;

    public static async Task<RawKafkaConnection> OpenAsync(int port)
    {
        var connection = new RawKafkaConnection();
        await connection.client.ConnectAsync("127.0.0.1", port);
        connection.stream = connection.client.GetStream();
        return connection;
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await stream.WriteAsync(bytes);
        await stream.FlushAsync();
    }

    /// <summary>Sends a request with header v1 and returns the response body (after the correlation id).</summary>
    public async Task<byte[]> RequestAsync(short apiKey, short apiVersion, byte[] body)
    {
        var correlationId = nextCorrelationId++;
        var header = new List<byte>();
        header.AddRange(BigEndian16(apiKey));
        header.AddRange(BigEndian16(apiVersion));
        header.AddRange(BigEndian32(correlationId));
        header.AddRange(KafkaString("raw-test"));
        var frame = new List<byte>();
        frame.AddRange(BigEndian32(header.Count + body.Length));
        frame.AddRange(header);
        frame.AddRange(body);
        await SendRawAsync([.. frame]);
        var response = await ReadFrameAsync();
        Assert.NotNull(response);
        Assert.Equal(correlationId, BinaryPrimitives.ReadInt32BigEndian(response));
        return response[4..];
    }

    /// <summary>The next response frame, or null when the node closed the connection.</summary>
    public async Task<byte[]?> ReadFrameAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var size = new byte[4];
        if (await stream.ReadAtLeastAsync(size, 4, throwOnEndOfStream: false, timeout.Token) < 4)
        {
            return null;
        }
        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
        await stream.ReadExactlyAsync(frame, timeout.Token);
        return frame;
    }

    public static byte[] BigEndian16(short value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteInt16BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] BigEndian32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] BigEndian64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] KafkaString(string value) => [.. BigEndian16((short)Encoding.UTF8.GetByteCount(value)), .. Encoding.UTF8.GetBytes(value)];

    /// <summary>A Produce v3 request body with one batch for one partition.</summary>
    public static byte[] ProduceBody(string topic, int partition, byte[] batch) =>
    [
        .. BigEndian16(-1), // transactional id: null
        .. BigEndian16(-1), // acks: all
        .. BigEndian32(5000),
        .. BigEndian32(1), .. KafkaString(topic),
        .. BigEndian32(1), .. BigEndian32(partition), .. BigEndian32(batch.Length), .. batch,
    ];

    /// <summary>Reads a Produce v3 response body for one topic and one partition: (error, base offset).</summary>
    public static (short Error, long BaseOffset) ReadProduceResponse(byte[] body)
    {
        var position = 4; // topics count
        var nameLength = BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(position));
        position += 2 + nameLength + 4 + 4; // name, partitions count, partition index
        var error = BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(position));
        var baseOffset = BinaryPrimitives.ReadInt64BigEndian(body.AsSpan(position + 2));
        return (error, baseOffset);
    }

    /// <summary>A RecordBatch v2 holding one record with the given value, CRC filled in.</summary>
    public static byte[] Batch(byte[] value, long producerId = -1, short producerEpoch = -1, int baseSequence = -1)
    {
        var record = new List<byte>();
        record.Add(0); // attributes
        record.AddRange(VarLong(0)); // timestamp delta
        record.AddRange(VarLong(0)); // offset delta
        record.AddRange(VarLong(-1)); // key: null
        record.AddRange(VarLong(value.Length));
        record.AddRange(value);
        record.AddRange(VarLong(0)); // headers
        var records = new List<byte>();
        records.AddRange(VarLong(record.Count));
        records.AddRange(record);

        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var afterCrc = new List<byte>();
        afterCrc.AddRange(BigEndian16(0)); // attributes
        afterCrc.AddRange(BigEndian32(0)); // last offset delta
        afterCrc.AddRange(BigEndian64(timestamp));
        afterCrc.AddRange(BigEndian64(timestamp));
        afterCrc.AddRange(BigEndian64(producerId));
        afterCrc.AddRange(BigEndian16(producerEpoch));
        afterCrc.AddRange(BigEndian32(baseSequence));
        afterCrc.AddRange(BigEndian32(1));
        afterCrc.AddRange(records);
        var crc = RecordBatch.Crc32C([.. afterCrc]);

        var batch = new List<byte>();
        batch.AddRange(BigEndian64(0));
        batch.AddRange(BigEndian32(4 + 1 + 4 + afterCrc.Count));
        batch.AddRange(BigEndian32(0)); // partition leader epoch
        batch.Add(2); // magic
        batch.AddRange(BigEndian32(unchecked((int)crc)));
        batch.AddRange(afterCrc);
        return [.. batch];
    }

    private static byte[] VarLong(long value)
    {
        var zigzag = (ulong)((value << 1) ^ (value >> 63));
        var bytes = new List<byte>();
        while (zigzag >= 0x80)
        {
            bytes.Add((byte)(zigzag | 0x80));
            zigzag >>= 7;
        }
        bytes.Add((byte)zigzag);
        return [.. bytes];
    }

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync();
        client.Dispose();
    }
}
