using System.Buffers;

namespace Log.Wire.Protocol;

internal enum StartupPacketKind
{
    StartupMessage,
    SslRequest,
    GssEncryptionRequest,
    CancelRequest,
}

/// <summary>
/// The first packet of a connection: an Int32 length that counts itself, an Int32 code
/// (a protocol version or one of the request codes below), then a body.
/// </summary>
internal sealed class StartupPacket
{
    public const int CancelRequestCode = (1234 << 16) | 5678;          // 80877102
    public const int SslRequestCode = (1234 << 16) | 5679;             // 80877103
    public const int GssEncryptionRequestCode = (1234 << 16) | 5680;   // 80877104
    public const int SupportedProtocolMajorVersion = 3;
    public const int LatestProtocolMinorVersion = 0;
    /// <summary>Startup parameters with this prefix are protocol options, not run-time parameters.</summary>
    public const string ProtocolOptionPrefix = "_pq_.";

    public required StartupPacketKind Kind { get; init; }
    public int ProtocolMajorVersion { get; init; }
    public int ProtocolMinorVersion { get; init; }
    /// <summary>Run-time parameters of a version 3 StartupMessage (user, database, application_name, ...).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = EmptyParameters;
    /// <summary>Protocol options ("_pq_." names) that this server does not know, for NegotiateProtocolVersion.</summary>
    public IReadOnlyList<string> UnrecognizedProtocolOptions { get; init; } = [];
    public int ProcessId { get; init; }
    public int SecretKey { get; init; }

    private static readonly Dictionary<string, string> EmptyParameters = [];

    /// <summary>
    /// Done: <paramref name="packet"/> is set and the reader is past it.
    /// NeedMoreData: the reader has not moved.
    /// InvalidData: <paramref name="error"/> says why; the reader has not moved.
    /// </summary>
    public static OperationStatus TryRead(
        ref SequenceReader<byte> reader,
        int maxStartupPacketBytes,
        out StartupPacket? packet,
        out string? error)
    {
        packet = null;
        error = null;
        if (!reader.TryPeekBigEndian(out int length))
        {
            return OperationStatus.NeedMoreData;
        }
        if (length < 8 || length > maxStartupPacketBytes)
        {
            error = $"invalid length of startup packet: {length}";
            return OperationStatus.InvalidData;
        }
        if (reader.Remaining < length)
        {
            return OperationStatus.NeedMoreData;
        }

        OperationStatus status = ReadBody(reader.UnreadSequence.Slice(4, length - 4), out packet, out error);
        if (status == OperationStatus.Done)
        {
            reader.Advance(length);
        }
        return status;
    }

    private static OperationStatus ReadBody(ReadOnlySequence<byte> bodyBytes, out StartupPacket? packet, out string? error)
    {
        packet = null;
        error = null;
        int length = (int)bodyBytes.Length + 4;
        var body = new SequenceReader<byte>(bodyBytes);
        body.TryReadBigEndian(out int code);
        switch (code)
        {
            case SslRequestCode or GssEncryptionRequestCode:
                if (length != 8)
                {
                    error = "invalid length of encryption request packet";
                    return OperationStatus.InvalidData;
                }
                packet = new StartupPacket
                {
                    Kind = code == SslRequestCode ? StartupPacketKind.SslRequest : StartupPacketKind.GssEncryptionRequest,
                };
                return OperationStatus.Done;

            case CancelRequestCode:
                if (length != 16)
                {
                    error = "invalid length of cancel request packet";
                    return OperationStatus.InvalidData;
                }
                body.TryReadBigEndian(out int processId);
                body.TryReadBigEndian(out int secretKey);
                packet = new StartupPacket { Kind = StartupPacketKind.CancelRequest, ProcessId = processId, SecretKey = secretKey };
                return OperationStatus.Done;
        }

        int major = (int)((uint)code >> 16);
        int minor = code & 0xFFFF;
        if (major != SupportedProtocolMajorVersion)
        {
            // The body's layout belongs to another protocol version: leave it unread.
            packet = new StartupPacket { Kind = StartupPacketKind.StartupMessage, ProtocolMajorVersion = major, ProtocolMinorVersion = minor };
            return OperationStatus.Done;
        }

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        List<string>? unrecognizedOptions = null;
        while (true)
        {
            if (!PgText.TryReadCString(ref body, out ReadOnlySequence<byte> nameBytes))
            {
                error = "invalid startup packet layout: expected terminator as last byte";
                return OperationStatus.InvalidData;
            }
            if (nameBytes.IsEmpty)
            {
                if (!body.End)
                {
                    error = "invalid startup packet layout: expected terminator as last byte";
                    return OperationStatus.InvalidData;
                }
                break;
            }
            if (!PgText.TryReadCString(ref body, out ReadOnlySequence<byte> valueBytes))
            {
                error = "invalid startup packet layout: expected terminator as last byte";
                return OperationStatus.InvalidData;
            }
            string name = PgText.DecodeLenient(nameBytes);
            if (name.StartsWith(ProtocolOptionPrefix, StringComparison.Ordinal))
            {
                (unrecognizedOptions ??= []).Add(name);
                continue;
            }
            parameters[name] = PgText.DecodeLenient(valueBytes);
        }

        packet = new StartupPacket
        {
            Kind = StartupPacketKind.StartupMessage,
            ProtocolMajorVersion = major,
            ProtocolMinorVersion = minor,
            Parameters = parameters,
            UnrecognizedProtocolOptions = (IReadOnlyList<string>?)unrecognizedOptions ?? [],
        };
        return OperationStatus.Done;
    }
}
