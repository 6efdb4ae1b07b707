using System.Net;

namespace Log.Wire;

/// <summary>Every limit and default of the wire server, in one place.</summary>
public sealed class PgServerOptions
{
    public IPAddress ListenAddress { get; set; } = IPAddress.Loopback;

    /// <summary>0 picks an ephemeral port; read <see cref="PgServer.Port"/> after start.</summary>
    public int Port { get; set; } = 5432;

    public int ListenBacklog { get; set; } = 512;

    /// <summary>Connections beyond this get FATAL 53300 after their startup packet.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>
    /// Connections beyond MaxConnections that are still allowed to receive their 53300 answer;
    /// beyond this, accepted sockets are closed at once so that a flood cannot pile up tasks.
    /// </summary>
    public int MaxRefusedConnectionsInFlight { get; set; } = 1_000;

    /// <summary>The largest frontend message, counting its length word (PostgreSQL allows 1 GiB for Query).</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// A message longer than <see cref="MaxMessageBytes"/> but not longer than this is read and dropped as it arrives,
    /// then answered with ERROR 54000, and the connection goes on (PostgreSQL's 1 GiB limit for a Query: so a client
    /// that sends one finishes writing it and reads why it failed). Longer ones end the connection (FATAL 08P01).
    /// </summary>
    public int DiscardableMessageBytesMax { get; set; } = 1024 * 1024 * 1024;

    /// <summary>Named prepared statements per connection (Parse beyond it gets 54000).</summary>
    public int MaxPreparedStatements { get; set; } = 10_000;

    /// <summary>Named portals per connection (Bind beyond it gets 54000).</summary>
    public int MaxPortals { get; set; } = 1_000;

    /// <summary>PostgreSQL's MAX_STARTUP_PACKET_LENGTH.</summary>
    public int MaxStartupPacketBytes { get; set; } = 10_000;

    /// <summary>Time from accept to a ready session (PostgreSQL's authentication_timeout).</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long DisposeAsync waits for connections to say goodbye before it cuts them.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// When closing after an error, how long to keep reading (and dropping) what the client
    /// still sends, so that our last message is not lost to a TCP reset.
    /// </summary>
    public TimeSpan CloseDrainTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The most bytes dropped while draining a closing connection.</summary>
    public long CloseDrainMaxBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Accept TLS (SSLRequest answered 'S', and PostgreSQL 17's direct SSL). With no
    /// <see cref="ServerCertificate"/>, a self-signed one is generated at start (and kept at
    /// <see cref="SelfSignedCertificatePath"/> when set, so that it survives restarts).
    /// </summary>
    public bool EnableTls { get; set; } = true;

    /// <summary>The certificate (with its private key) that TLS presents; null: self-signed.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ServerCertificate { get; set; }

    /// <summary>A PKCS#12 file for the self-signed certificate: loaded if it exists, else generated and written there. Null: generated in memory at each start.</summary>
    public string? SelfSignedCertificatePath { get; set; }

    /// <summary>The host name in the self-signed certificate (its subject and first DNS name).</summary>
    public string SelfSignedCertificateHostName { get; set; } = "localhost";

    /// <summary>Ask for a cleartext password (AuthenticationCleartextPassword) before creating the session.</summary>
    public bool RequirePassword { get; set; }

    /// <summary>The smallest read from a socket into the input pipe.</summary>
    public int ReceiveBufferBytes { get; set; } = 8 * 1024;

    /// <summary>The smallest buffer segment of the output pipe.</summary>
    public int SendBufferBytes { get; set; } = 8 * 1024;

    /// <summary>ParameterStatus values sent to every client; a session may override them.</summary>
    public IReadOnlyDictionary<string, string> ServerParameters { get; set; } = DefaultServerParameters;

    public static IReadOnlyDictionary<string, string> DefaultServerParameters { get; } = new Dictionary<string, string>
    {
        ["server_version"] = "16.6",
        ["server_version_num"] = "160006",
        ["server_encoding"] = "UTF8",
        ["client_encoding"] = "UTF8",
        ["DateStyle"] = "ISO, MDY",
        ["integer_datetimes"] = "on",
        ["standard_conforming_strings"] = "on",
        ["TimeZone"] = "UTC",
        ["IntervalStyle"] = "postgres",
        ["is_superuser"] = "on",
        ["default_transaction_read_only"] = "off",
        ["in_hot_standby"] = "off",
    };

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(ListenAddress);
        ArgumentNullException.ThrowIfNull(ServerParameters);
        ArgumentOutOfRangeException.ThrowIfNegative(Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ListenBacklog);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxConnections);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRefusedConnectionsInFlight);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfNegative(DiscardableMessageBytesMax);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxStartupPacketBytes, 8);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxPreparedStatements);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxPortals);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StartupTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(ShutdownTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(CloseDrainTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(CloseDrainMaxBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReceiveBufferBytes, 256);
        ArgumentOutOfRangeException.ThrowIfLessThan(SendBufferBytes, 256);
    }
}
