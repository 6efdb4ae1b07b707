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

    /// <summary>
    /// After a connection has answered its client, how long its worker waits in poll() for the client's next message
    /// before it goes back to an asynchronous read; zero turns it off. A client that sends its next statement as soon as
    /// it has the answer (pgbench, a busy pool's connection) then wakes that worker directly, instead of the socket
    /// engine's thread handing the read to a thread-pool work item, whose worker spins for more work once it is done
    /// (see <see cref="InputPollingConnectionsMax"/> and the wire README's "Waiting for the next message").
    /// </summary>
    public TimeSpan InputPollWindow { get; set; } = TimeSpan.FromMicroseconds(500);

    /// <summary>Connections that may wait for their next message in poll() at the same time, over every server of the
    /// process: each holds a worker of the one thread pool while it waits, so the rest read asynchronously.</summary>
    public int InputPollingConnectionsMax { get; set; } = Math.Max(2, Environment.ProcessorCount * 2);

    /// <summary>Waits in a row that saw nothing within <see cref="InputPollWindow"/> after which a connection waits again
    /// only at one read in <see cref="InputPollProbeReads"/> (a slow client, or a loaded machine, where the wait only adds
    /// a wake-up), until a wait sees the next message in time.</summary>
    public int InputPollMissesMax { get; set; } = 4;

    /// <summary>See <see cref="InputPollMissesMax"/>.</summary>
    public int InputPollProbeReads { get; set; } = 32;

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

    /// <summary>
    /// A plain connection whose local address is not a loopback one gets FATAL 28000 after its startup packet: off
    /// loopback, tokens and data only travel encrypted. On loopback TLS stays optional.
    /// </summary>
    public bool RequireTlsBeyondLoopback { get; set; } = true;

    /// <summary>A PEM certificate (its chain may follow) that TLS presents, with <see cref="TlsKeyFile"/>; read at start
    /// and again at each <see cref="PgServer.ReloadCertificate"/>. Null: see <see cref="TlsFolder"/>.</summary>
    public string? TlsCertificateFile { get; set; }

    /// <summary>The PEM private key of <see cref="TlsCertificateFile"/>.</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>
    /// With no certificate configured, a folder where a local certificate authority and a server certificate signed by
    /// it are generated at first start and kept (<see cref="PgCertificates"/> names the files); clients verify the
    /// server with its <c>ca.crt</c> (sslmode=verify-full). Null: <see cref="SelfSignedCertificatePath"/> applies.
    /// </summary>
    public string? TlsFolder { get; set; }

    /// <summary>Names the generated server certificate covers besides the host name, localhost, 127.0.0.1 and ::1:
    /// DNS names or IP addresses by which clients reach this server.</summary>
    public IReadOnlyList<string> TlsHostNames { get; set; } = [];

    /// <summary>New connections accepted per second on average (a token bucket refilled at this rate); beyond it and
    /// its burst a connection gets FATAL 53400 after its startup packet. 0 turns the limit off.</summary>
    public int NewConnectionsPerSecond { get; set; } = 100;

    /// <summary>The token bucket's size: new connections accepted at once after a quiet time.</summary>
    public int NewConnectionsBurst { get; set; } = 1_000;

    /// <summary>
    /// How long a connection may live (DSQL: 60 minutes). Once it is over, the connection is closed with FATAL 57P05 at
    /// the next statement boundary outside a transaction: an open transaction may finish first, as DSQL lets it (it is
    /// bounded by the transaction time limit). Zero turns it off.
    /// </summary>
    public TimeSpan ConnectionLifetime { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>The clock of the connection rate limit and the connection lifetime.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

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
        // The PostgreSQL major version whose protocol and behaviour this server follows (the query node's sessions
        // report theirs, from its ServerVersion, over these).
        ["server_version"] = "15.0",
        ["server_version_num"] = "150000",
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
        ArgumentNullException.ThrowIfNull(TlsHostNames);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        if ((TlsCertificateFile is null) != (TlsKeyFile is null))
        {
            throw new ArgumentException("a TLS certificate file needs its key file, and the other way round");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(NewConnectionsPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(NewConnectionsBurst);
        ArgumentOutOfRangeException.ThrowIfLessThan(ConnectionLifetime, TimeSpan.Zero);
    }
}
