using System.Net;
using System.Runtime.InteropServices;
using Log.QueryNode.Auth;
using Log.Wire;
using Microsoft.Extensions.Logging;

namespace Log.QueryNode.Hosting;

/// <summary>The PostgreSQL listener's transport: TLS, its certificate, and the connection limits.</summary>
public sealed partial class LogServer
{
    /// <summary>Where the generated certificate authority and server certificate are kept.</summary>
    internal static string TlsFolder(string dataDirectory) => Path.Combine(dataDirectory, "tls");

    private PgServerOptions ConnectionOptions(IPAddress listenAddress, string dataDirectory, ILoginAuthenticator authenticator)
    {
        bool configured = !string.IsNullOrWhiteSpace(options.TlsCert);
        return new PgServerOptions
        {
            // The token comes as a cleartext password: TLS protects it (and is required beyond loopback).
            RequirePassword = authenticator is not TrustAuthenticator,
            ListenAddress = listenAddress,
            Port = options.Port,
            MaxConnections = options.MaxConnections,
            NewConnectionsPerSecond = options.ConnectionsPerSecond,
            NewConnectionsBurst = options.ConnectionBurst,
            ConnectionLifetime = TimeSpan.FromSeconds(options.ConnectionLifetimeSeconds),
            InputPollWindow = TimeSpan.FromMicroseconds(options.InputPollMicroseconds),
            InputPollingConnectionsMax = options.InputPollingConnectionsMax,
            TlsCertificateFile = configured ? Path.GetFullPath(options.TlsCert) : null,
            TlsKeyFile = configured ? Path.GetFullPath(options.TlsKey) : null,
            // Kept in the data folder, so that clients that trust its authority keep trusting the server after a restart.
            TlsFolder = configured ? null : TlsFolder(dataDirectory),
            // The names tokens are signed for are the names clients verify the certificate against.
            TlsHostNames = options.Endpoints,
        };
    }

    /// <summary>SIGHUP reads the TLS certificate again, as it makes PostgreSQL reload its SSL configuration: the next
    /// connection gets the new one. Disposing stops listening for the signal.</summary>
    private sealed class CertificateReloadOnHangup : IAsyncDisposable
    {
        private readonly PosixSignalRegistration? registration;

        public CertificateReloadOnHangup(PgServer server, ILogger logger)
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }
            registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                // Handled: the default action of SIGHUP would end the process.
                context.Cancel = true;
                logger.LogInformation("SIGHUP: reloading the TLS certificate");
                server.ReloadCertificate();
            });
        }

        public ValueTask DisposeAsync()
        {
            registration?.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
