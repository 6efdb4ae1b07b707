using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;

namespace Log.Wire;

/// <summary>
/// TLS, both ways PostgreSQL starts it: SSLRequest answered 'S' then the handshake, or
/// PostgreSQL 17's direct SSL (the client starts with a TLS ClientHello and must negotiate
/// the ALPN protocol "postgresql").
/// </summary>
internal sealed partial class PgConnection
{
    private const byte EncryptionAccepted = (byte)'S';
    /// <summary>The first byte of a TLS record carrying a handshake: a ClientHello, for direct SSL.</summary>
    private const byte TlsHandshakeRecord = 0x16;
    private static readonly SslApplicationProtocol PostgresqlProtocol = new("postgresql");

    private (PipeReader Input, PipeWriter Output) CreatePipes(Stream over) => (
        PipeReader.Create(over, new StreamPipeReaderOptions(bufferSize: options.ReceiveBufferBytes, minimumReadSize: Math.Min(1024, options.ReceiveBufferBytes), leaveOpen: true)),
        PipeWriter.Create(over, new StreamPipeWriterOptions(minimumBufferSize: options.SendBufferBytes, leaveOpen: true)));

    /// <summary>
    /// FATAL 28000 for a plain connection that arrived on an address other than a loopback one (when TLS is required
    /// there); null when the connection may go on. Asked after the startup packet, as PostgreSQL's pg_hba "hostssl" is.
    /// </summary>
    private PgError? PlainTextRefusal()
    {
        if (!options.RequireTlsBeyondLoopback || stream is SslStream || IsLoopback(socket.LocalEndPoint))
        {
            return null;
        }
        return PgError.Fatal(PgSqlState.InvalidAuthorizationSpecification, "TLS required") with
        {
            Detail = "This server accepts unencrypted connections on loopback addresses only.",
            Hint = "Connect with sslmode=require, or with sslmode=verify-full and sslrootcert naming the server's CA file.",
        };
    }

    private static bool IsLoopback(System.Net.EndPoint? endPoint) =>
        endPoint is System.Net.IPEndPoint { Address: var address }
        && System.Net.IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>True when the client opened with a TLS handshake (direct SSL); looks without consuming.</summary>
    private async ValueTask<bool> IsDirectTlsAsync(CancellationToken cancellationToken)
    {
        if (server.CertificateContext is null)
        {
            return false;
        }
        byte[] first = new byte[1];
        int received = await socket.ReceiveAsync(first, SocketFlags.Peek, cancellationToken);
        return received == 1 && first[0] == TlsHandshakeRecord;
    }

    /// <summary>Answers 'S' and runs the handshake; false when the connection must close.</summary>
    private async ValueTask<bool> StartTlsAfterSslRequestAsync(CancellationToken cancellationToken)
    {
        // The client must wait for our answer before it starts TLS: bytes already here would be
        // plaintext injected before the handshake (CVE-2021-23214 in PostgreSQL).
        if (bytesAfterStartupPacket > 0)
        {
            await SendFatalAsync(PgError.Fatal(PgSqlState.ProtocolViolation, "received unencrypted data after SSL request"), cancellationToken);
            return false;
        }
        output.GetSpan(1)[0] = EncryptionAccepted;
        output.Advance(1);
        await responseWriter.FlushAsync(cancellationToken);
        return await StartTlsAsync(requireAlpn: false, cancellationToken);
    }

    /// <summary>Runs the server handshake, then puts the pipes over the TLS stream.</summary>
    private async ValueTask<bool> StartTlsAsync(bool requireAlpn, CancellationToken cancellationToken)
    {
        // The plaintext pipes are done with: nothing was buffered past the request (checked above,
        // or nothing was read at all for direct SSL).
        await input.CompleteAsync();
        await output.CompleteAsync();
        var tls = new SslStream(networkStream, leaveInnerStreamOpen: true);
        stream = tls;
        (input, output) = CreatePipes(tls);
        responseWriter.Output = output;
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = server.CertificateContext,
                ApplicationProtocols = [PostgresqlProtocol],
                ClientCertificateRequired = false,
                EnabledSslProtocols = SslProtocols.None, // the operating system's choice: TLS 1.2 and 1.3
            }, cancellationToken);
        }
        catch (Exception exception) when (exception is AuthenticationException or IOException)
        {
            logger.LogDebug(exception, "TLS handshake failed on connection {ProcessId}", ProcessId);
            return false;
        }
        if (requireAlpn && tls.NegotiatedApplicationProtocol != PostgresqlProtocol)
        {
            // As PostgreSQL 17: direct SSL without ALPN could be a cross-protocol attack.
            await SendFatalAsync(PgError.Fatal(PgSqlState.ProtocolViolation, "received direct SSL connection request without ALPN protocol negotiation extension"), cancellationToken);
            return false;
        }
        return true;
    }
}
