using System.Buffers;
using System.IO.Pipelines;
using Log.Wire.Protocol;
using Log.Wire.Protocol.Backend;
using Microsoft.Extensions.Logging;

namespace Log.Wire;

internal sealed partial class PgConnection
{
    private const byte EncryptionRefused = (byte)'N';

    /// <summary>Bytes that arrived after the last startup packet in the same read (after an SSLRequest, there must be none).</summary>
    private long bytesAfterStartupPacket;

    /// <summary>The ParameterStatus values the client was last told, to report changes.</summary>
    private readonly Dictionary<string, string> reportedParameters = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>The session's <see cref="IPgSession.ParameterStatusVersion"/> when <see cref="reportedParameters"/> was last compared.</summary>
    private long? reportedParametersVersion;

    /// <summary>
    /// Startup phase: encryption requests (refused), the StartupMessage, the password if
    /// required, the session, then AuthenticationOk .. ReadyForQuery. Returns null when the
    /// connection must close (a FATAL was sent, the client left, or it was a CancelRequest).
    /// </summary>
    private async ValueTask<IPgSession?> StartupAsync(CancellationToken cancellationToken)
    {
        bool sslRequested = false;
        bool gssEncryptionRequested = false;
        if (await IsDirectTlsAsync(cancellationToken))
        {
            sslRequested = true;
            if (!await StartTlsAsync(requireAlpn: true, cancellationToken))
            {
                return null;
            }
        }
        StartupPacket? packet;
        while (true)
        {
            packet = await ReadStartupPacketAsync(cancellationToken);
            if (packet is null)
            {
                return null;
            }
            if (packet.Kind == StartupPacketKind.CancelRequest)
            {
                server.OnCancelRequest(packet.ProcessId, packet.SecretKey);
                return null;
            }
            if (packet.Kind == StartupPacketKind.StartupMessage)
            {
                break;
            }
            // SSLRequest or GSSENCRequest: the client may ask for each once. GSS encryption is
            // refused; TLS is accepted when the server has a certificate. Either way the
            // StartupMessage follows on the same connection (encrypted or not).
            bool isSsl = packet.Kind == StartupPacketKind.SslRequest;
            if (isSsl ? sslRequested : gssEncryptionRequested)
            {
                await SendFatalAsync(PgError.Fatal(PgSqlState.ProtocolViolation, "unexpected second encryption request"), cancellationToken);
                return null;
            }
            sslRequested |= isSsl;
            gssEncryptionRequested |= !isSsl;
            if (isSsl && server.CertificateContext is not null && ReferenceEquals(stream, networkStream))
            {
                if (!await StartTlsAfterSslRequestAsync(cancellationToken))
                {
                    return null;
                }
                continue;
            }
            output.GetSpan(1)[0] = EncryptionRefused;
            output.Advance(1);
            await responseWriter.FlushAsync(cancellationToken);
        }

        if (packet.ProtocolMajorVersion != StartupPacket.SupportedProtocolMajorVersion)
        {
            await SendFatalAsync(PgError.Fatal(
                PgSqlState.FeatureNotSupported,
                $"unsupported frontend protocol {packet.ProtocolMajorVersion}.{packet.ProtocolMinorVersion}: server supports 3.0 to 3.{StartupPacket.LatestProtocolMinorVersion}"),
                cancellationToken);
            return null;
        }
        if (!packet.Parameters.TryGetValue("user", out string? user) || user.Length == 0)
        {
            await SendFatalAsync(PgError.Fatal(PgSqlState.InvalidAuthorizationSpecification, "no PostgreSQL user name specified in startup packet"), cancellationToken);
            return null;
        }
        if (!packet.Parameters.TryGetValue("database", out string? database) || database.Length == 0)
        {
            database = user;
        }
        if (refusal is not null)
        {
            PgServerMetrics.CountRefusal(refusal.SqlState == PgSqlState.TooManyConnections ? "too_many" : "rate");
            await SendFatalAsync(refusal, cancellationToken);
            return null;
        }
        if (PlainTextRefusal() is { } tlsRequired)
        {
            PgServerMetrics.CountRefusal("tls_required");
            await SendFatalAsync(tlsRequired, cancellationToken);
            return null;
        }
        if (packet.ProtocolMinorVersion > StartupPacket.LatestProtocolMinorVersion || packet.UnrecognizedProtocolOptions.Count > 0)
        {
            BackendMessages.WriteNegotiateProtocolVersion(
                output,
                (StartupPacket.SupportedProtocolMajorVersion << 16) | StartupPacket.LatestProtocolMinorVersion,
                packet.UnrecognizedProtocolOptions);
        }

        string? password = null;
        if (options.RequirePassword)
        {
            BackendMessages.WriteAuthenticationCleartextPassword(output);
            await responseWriter.FlushAsync(cancellationToken);
            password = await ReadPasswordAsync(cancellationToken);
            if (password is null)
            {
                return null;
            }
        }

        var startup = new PgStartup(user, database, packet.Parameters, ProcessId, SecretKey)
        {
            Password = password,
            ServerEndPoint = socket.LocalEndPoint as System.Net.IPEndPoint,
            ClientEndPoint = socket.RemoteEndPoint as System.Net.IPEndPoint,
        };
        IPgSession newSession;
        try
        {
            newSession = await server.Sessions.CreateSessionAsync(startup, cancellationToken);
        }
        catch (PgException exception)
        {
            await SendFatalAsync(exception.Error, cancellationToken);
            return null;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogError(exception, "Creating the session of connection {ProcessId} failed", ProcessId);
            await SendFatalAsync(PgError.Fatal(PgSqlState.InternalError, "internal error while creating the session"), cancellationToken);
            return null;
        }

        session = newSession; // from here on, CloseAsync disposes it whatever happens
        PgServerMetrics.Sessions.Add(1);
        BackendMessages.WriteAuthenticationOk(output);
        foreach ((string name, string value) in GetParameterStatus(startup, newSession))
        {
            BackendMessages.WriteParameterStatus(output, name, value);
            reportedParameters[name] = value;
        }
        BackendMessages.WriteBackendKeyData(output, ProcessId, SecretKey);
        BackendMessages.WriteReadyForQuery(output, newSession.TransactionStatus);
        await responseWriter.FlushAsync(cancellationToken);
        return newSession;
    }

    /// <summary>
    /// Server defaults, then what the server knows from the startup packet, then the
    /// session's own values; sorted by lower-cased name, as PostgreSQL sends them.
    /// </summary>
    private List<KeyValuePair<string, string>> GetParameterStatus(PgStartup startup, IPgSession newSession)
    {
        var merged = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, string value) in options.ServerParameters)
        {
            merged[name] = value;
        }
        merged["session_authorization"] = startup.User;
        merged["application_name"] = startup.Parameters.GetValueOrDefault("application_name", "");
        foreach ((string name, string value) in newSession.ParameterStatus)
        {
            merged[name] = value;
        }
        var sorted = merged.ToList();
        // PostgreSQL's guc_name_compare folds to lower case ('_' sorts before letters).
        sorted.Sort((left, right) => string.CompareOrdinal(left.Key.ToLowerInvariant(), right.Key.ToLowerInvariant()));
        return sorted;
    }

    /// <summary>Null when the connection must close (a FATAL was sent, or the client left).</summary>
    private async ValueTask<StartupPacket?> ReadStartupPacketAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await input.ReadAsync(cancellationToken);
            ReadOnlySequence<byte> buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            OperationStatus status = StartupPacket.TryRead(ref reader, options.MaxStartupPacketBytes, out StartupPacket? packet, out string? error);
            bytesAfterStartupPacket = status == OperationStatus.Done ? reader.Remaining : 0;
            input.AdvanceTo(reader.Position, buffer.End);
            switch (status)
            {
                case OperationStatus.Done:
                    return packet;
                case OperationStatus.InvalidData:
                    await SendFatalAsync(PgError.Fatal(PgSqlState.ProtocolViolation, error!), cancellationToken);
                    return null;
            }
            if (result.IsCompleted)
            {
                if (!buffer.IsEmpty)
                {
                    logger.LogDebug("Connection {ProcessId} closed in the middle of its startup packet", ProcessId);
                }
                return null;
            }
        }
    }

    /// <summary>Reads the PasswordMessage; null when the connection must close.</summary>
    private async ValueTask<string?> ReadPasswordAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await input.ReadAsync(cancellationToken);
            ReadOnlySequence<byte> buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            OperationStatus status = FrontendMessageFraming.TryReadMessage(ref reader, options.MaxStartupPacketBytes, out FrontendMessage message, out string? error);
            PgError? fatal = null;
            string? password = null;
            if (status == OperationStatus.InvalidData)
            {
                fatal = PgError.Fatal(PgSqlState.ProtocolViolation, error!);
            }
            else if (status == OperationStatus.Done)
            {
                if (message.Type != FrontendMessageType.PasswordMessage)
                {
                    fatal = PgError.Fatal(PgSqlState.ProtocolViolation, $"expected password response, got message type {message.Type}");
                }
                else if (!PasswordMessage.TryGetPassword(message.Body, out ReadOnlySequence<byte> passwordBytes))
                {
                    fatal = PgError.Fatal(PgSqlState.ProtocolViolation, "invalid password packet");
                }
                else
                {
                    password = PgText.DecodeLenient(passwordBytes);
                }
            }
            input.AdvanceTo(reader.Position, buffer.End);
            if (fatal is not null)
            {
                await SendFatalAsync(fatal, cancellationToken);
                return null;
            }
            if (password is not null)
            {
                return password;
            }
            if (result.IsCompleted)
            {
                // psql does this: it learns that a password is needed, closes, asks the user, reconnects.
                return null;
            }
        }
    }
}
