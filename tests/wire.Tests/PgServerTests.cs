using System.Text;

namespace Log.Wire.Tests;

/// <summary>Raw-socket conversations with a running server.</summary>
public sealed class PgServerTests : IAsyncLifetime
{
    private readonly FakeSessionFactory factory = new();
    private PgServer server = null!;

    public async Task InitializeAsync() => server = await StartServerAsync(new PgServerOptions { Port = 0 });

    public async Task DisposeAsync() => await server.DisposeAsync();

    private async Task<PgServer> StartServerAsync(PgServerOptions options, IPgSessionFactory? sessions = null)
    {
        var started = new PgServer(options, sessions ?? factory);
        await started.StartAsync(CancellationToken.None);
        Assert.NotEqual(0, started.Port);
        return started;
    }

    private static string Types(IEnumerable<BackendMessage> messages) => new(messages.Select(message => message.Type).ToArray());

    [Fact]
    public async Task StartupExchangeHasTheExactBytes()
    {
        await using RawClient client = await RawClient.ConnectAsync(server.Port);
        await client.SendAsync(Bytes.Startup(("user", "alice"), ("database", "shop"), ("application_name", "bytes")));

        // Read everything up to and including ReadyForQuery, then compare with bytes built by hand.
        var received = new List<byte>();
        while (true)
        {
            BackendMessage message = await client.ReadMessageAsync();
            received.AddRange(Bytes.Message(message.Type, message.Body));
            if (message.Type == 'Z')
            {
                break;
            }
        }

        FakeSession session = Assert.Single(factory.Sessions);
        Assert.Equal(("alice", "shop"), (session.Startup.User, session.Startup.Database));
        var expected = new List<byte>();
        expected.AddRange(Bytes.Message('R', new Bytes().Int32(0)));
        (string, string)[] parameters =
        [
            ("application_name", "bytes"),
            ("client_encoding", "UTF8"),
            ("DateStyle", "ISO, MDY"),
            ("default_transaction_read_only", "off"),
            ("in_hot_standby", "off"),
            ("integer_datetimes", "on"),
            ("IntervalStyle", "postgres"),
            ("is_superuser", "on"),
            ("server_encoding", "UTF8"),
            ("server_version", "15.0"),
            ("server_version_num", "150000"),
            ("session_authorization", "alice"),
            ("standard_conforming_strings", "on"),
            ("TimeZone", "UTC"),
        ];
        foreach ((string name, string value) in parameters)
        {
            expected.AddRange(Bytes.Message('S', new Bytes().CString(name).CString(value)));
        }
        expected.AddRange(Bytes.Message('K', new Bytes().Int32(session.Startup.ProcessId).Int32(session.Startup.SecretKey)));
        expected.AddRange(Bytes.Message('Z', new Bytes().Char('I')));
        Assert.Equal(expected.ToArray(), received.ToArray());
        Assert.True(session.Startup.ProcessId > 0);
    }

    [Fact]
    public async Task SessionParameterStatusOverridesTheDefaults()
    {
        var sessions = new FakeSessionFactory { ParameterStatus = new Dictionary<string, string> { ["TimeZone"] = "Europe/Paris", ["search_path"] = "shop" } };
        await using PgServer custom = await StartServerAsync(new PgServerOptions { Port = 0 }, sessions);
        var (client, startup) = await RawClient.ConnectAndStartAsync(custom.Port);
        await using var _ = client;
        var parameters = startup.Where(message => message.Type == 'S')
            .Select(message => Encoding.UTF8.GetString(message.Body).Split('\0'))
            .ToDictionary(pair => pair[0], pair => pair[1]);
        Assert.Equal("Europe/Paris", parameters["TimeZone"]);
        Assert.Equal("shop", parameters["search_path"]);
        Assert.Equal("", parameters["application_name"]);
        Assert.Equal(1, parameters.Keys.Count(key => key.Equals("timezone", StringComparison.OrdinalIgnoreCase)));
    }

    [Theory]
    [InlineData(80877103)] // SSLRequest
    [InlineData(80877104)] // GSSENCRequest
    public async Task EncryptionRequestIsRefusedThenStartupProceeds(int code)
    {
        await using PgServer plain = await StartServerAsync(new PgServerOptions { Port = 0, EnableTls = false });
        await using RawClient client = await RawClient.ConnectAsync(plain.Port);
        await client.SendAsync(Bytes.Request(code));
        Assert.Equal((byte)'N', (await client.ReadExactlyAsync(1))[0]);
        await client.SendAsync(Bytes.Startup(("user", "test")));
        List<BackendMessage> startup = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal('R', startup[0].Type);
        Assert.Equal('Z', startup[^1].Type);
        Assert.Equal("test", Assert.Single(factory.Sessions).Startup.Database); // database defaults to user
    }

    [Fact]
    public async Task SimpleQueryAnswersAndReportsTransactionStatus()
    {
        var (client, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = client;

        await client.SendAsync(Bytes.Query("select 1"));
        List<BackendMessage> messages = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("TDCZ", Types(messages));
        Assert.Equal(new Bytes().Int16(1).Int32(1).Raw((byte)'1').ToArray(), messages[1].Body);
        Assert.Equal("SELECT 1\0", Encoding.UTF8.GetString(messages[2].Body));
        Assert.Equal((byte)'I', messages[3].Body[0]);

        await client.SendAsync(Bytes.Query("begin"));
        messages = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("CZ", Types(messages));
        Assert.Equal((byte)'T', messages[^1].Body[0]);

        await client.SendAsync(Bytes.Query("fail"));
        messages = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("EZ", Types(messages));
        Assert.Equal("42601", messages[0].SqlState);
        Assert.Equal("1", messages[0].Fields()['P']);
        Assert.Equal((byte)'E', messages[^1].Body[0]);

        await client.SendAsync(Bytes.Query("rollback"));
        messages = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal((byte)'I', messages[^1].Body[0]);
    }

    [Fact]
    public async Task EmptyQueryAndPipelinedQueries()
    {
        var (client, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = client;
        // Three Query messages in one send: three answers, in order.
        await client.SendAsync([.. Bytes.Query("  "), .. Bytes.Query("select 1"), .. Bytes.Query("count")]);
        Assert.Equal("IZ", Types(await client.ReadUntilReadyForQueryAsync()));
        Assert.Equal("TDCZ", Types(await client.ReadUntilReadyForQueryAsync()));
        List<BackendMessage> count = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("TDCZ", Types(count));
        Assert.Equal("2", Encoding.UTF8.GetString(count[1].Body, 6, count[1].Body.Length - 6));
    }

    [Fact]
    public async Task GarbageAfterStartupGetsFatalAndCloseWhileAnotherConnectionAnswers()
    {
        var (bad, _) = await RawClient.ConnectAndStartAsync(server.Port);
        var (good, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = bad;
        await using var _2 = good;

        await bad.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        BackendMessage error = await bad.ReadMessageAsync();
        Assert.Equal('E', error.Type);
        Assert.Equal("FATAL", error.Severity);
        Assert.Equal("08P01", error.SqlState);
        Assert.True(await bad.IsClosedByServerAsync());

        await good.SendAsync(Bytes.Query("select 1"));
        Assert.Equal("TDCZ", Types(await good.ReadUntilReadyForQueryAsync()));
    }

    [Theory]
    [InlineData(new byte[] { (byte)'Q', 0, 0, 0, 3 })]                       // length below 4
    [InlineData(new byte[] { (byte)'Q', 0x7f, 0xff, 0xff, 0xff })]           // beyond MaxMessageBytes
    [InlineData(new byte[] { (byte)'p', 0, 0, 0, 5, 0 })]                    // a password message out of place
    public async Task MalformedMessageGetsFatalProtocolViolation(byte[] message)
    {
        var (client, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = client;
        await client.SendAsync(message);
        BackendMessage error = await client.ReadMessageAsync();
        Assert.Equal(("FATAL", "08P01"), (error.Severity, error.SqlState));
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Theory]
    [InlineData(new byte[] { (byte)'a', (byte)'b', (byte)'c' }, "invalid string in message")]   // no NUL terminator
    [InlineData(new byte[] { (byte)'a', 0, (byte)'b', 0 }, "invalid message format")]           // bytes after the string
    public async Task MalformedQueryBodyIsAnErrorAndTheConnectionGoesOn(byte[] body, string message)
    {
        // As PostgreSQL does: the framing is intact, so it is an ERROR, not a FATAL.
        var (client, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = client;
        await client.SendAsync(Bytes.Message('Q', body));
        List<BackendMessage> messages = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("EZ", Types(messages));
        Assert.Equal(("ERROR", "08P01", message), (messages[0].Severity, messages[0].SqlState, messages[0].Fields()['M']));
        await client.SendAsync(Bytes.Query("select 1"));
        Assert.Equal("TDCZ", Types(await client.ReadUntilReadyForQueryAsync()));
    }

    [Fact]
    public async Task ExtendedQueryIsRefusedOnceThenSkippedUntilSyncWhenTheSessionHasNoExtendedProtocol()
    {
        await using PgServer simpleOnly = await StartServerAsync(new PgServerOptions { Port = 0 }, new SimpleOnlySessionFactory(factory));
        var (client, _) = await RawClient.ConnectAndStartAsync(simpleOnly.Port);
        await using var _1 = client;
        byte[] parse = Bytes.Message('P', new Bytes().CString("").CString("select 1").Int16(0));
        byte[] bind = Bytes.Message('B', new Bytes().CString("").CString("").Int16(0).Int16(0).Int16(0));
        byte[] execute = Bytes.Message('E', new Bytes().CString("").Int32(0));
        byte[] sync = Bytes.Message('S', []);
        await client.SendAsync([.. parse, .. bind, .. execute, .. Bytes.Query("select 1"), .. sync]);
        List<BackendMessage> messages = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("EZ", Types(messages));
        Assert.Equal(("ERROR", "0A000"), (messages[0].Severity, messages[0].SqlState));

        // After Sync the connection works again.
        await client.SendAsync(Bytes.Query("select 1"));
        Assert.Equal("TDCZ", Types(await client.ReadUntilReadyForQueryAsync()));
        Assert.Equal(1, factory.Sessions.Single().StatementCount);
    }

    [Fact]
    public async Task SessionExceptionBecomesInternalErrorAndTheConnectionSurvives()
    {
        var (client, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = client;
        await client.SendAsync(Bytes.Query("select 1; throw"));
        List<BackendMessage> messages = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("TDCEZ", Types(messages));
        Assert.Equal(("ERROR", "XX000"), (messages[3].Severity, messages[3].SqlState));
        await client.SendAsync(Bytes.Query("select 1"));
        Assert.Equal("TDCZ", Types(await client.ReadUntilReadyForQueryAsync()));
    }

    [Fact]
    public async Task FatalFromTheSessionClosesTheConnection()
    {
        var (client, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = client;
        await client.SendAsync(Bytes.Query("fatal"));
        BackendMessage error = await client.ReadMessageAsync();
        Assert.Equal(("FATAL", "57P01"), (error.Severity, error.SqlState));
        Assert.True(await client.IsClosedByServerAsync());
        Assert.True(factory.Sessions.Single().Disposed);
    }

    [Fact]
    public async Task InvalidUtf8IsAnErrorNotAFatal()
    {
        var (client, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = client;
        await client.SendAsync(Bytes.Message('Q', [0xff, 0xfe, 0]));
        List<BackendMessage> messages = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("EZ", Types(messages));
        Assert.Equal("22021", messages[0].SqlState);
        Assert.Equal("invalid byte sequence for encoding \"UTF8\": 0xff", messages[0].Fields()['M']);
    }

    [Fact]
    public async Task TerminateClosesAndDisposesTheSession()
    {
        var (client, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = client;
        await client.SendAsync(Bytes.Terminate());
        Assert.True(await client.IsClosedByServerAsync());
        FakeSession session = factory.Sessions.Single();
        for (int i = 0; i < 100 && (!session.Disposed || server.ConnectionCount != 0); i++)
        {
            await Task.Delay(20);
        }
        Assert.True(session.Disposed);
        Assert.Equal(0, server.ConnectionCount);
    }

    [Theory]
    [InlineData(2, 0, "0A000")]   // protocol 2.0
    [InlineData(3, 0, "28000")]   // no user
    public async Task BadStartupGetsFatal(int major, int minor, string sqlState)
    {
        await using RawClient client = await RawClient.ConnectAsync(server.Port);
        await client.SendAsync(Bytes.Startup(major, minor, ("database", "test")));
        BackendMessage error = await client.ReadMessageAsync();
        Assert.Equal(('E', "FATAL", sqlState), (error.Type, error.Severity, error.SqlState));
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task NewerMinorVersionAndUnknownOptionsAreNegotiated()
    {
        await using RawClient client = await RawClient.ConnectAsync(server.Port);
        await client.SendAsync(Bytes.Startup(3, 2, ("user", "test"), ("_pq_.wish", "1")));
        List<BackendMessage> messages = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal('v', messages[0].Type);
        // The newest version as a full code (3.0), as PostgreSQL sends it.
        Assert.Equal(new Bytes().Int32(3 << 16).Int32(1).CString("_pq_.wish").ToArray(), messages[0].Body);
        Assert.Equal('R', messages[1].Type);
        Assert.False(factory.Sessions.Single().Startup.Parameters.ContainsKey("_pq_.wish"));
    }

    [Fact]
    public async Task TooManyConnectionsAreRefused()
    {
        await using PgServer small = await StartServerAsync(new PgServerOptions { Port = 0, MaxConnections = 1 });
        var (first, _) = await RawClient.ConnectAndStartAsync(small.Port);
        await using var _1 = first;
        var (second, messages) = await RawClient.ConnectAndStartAsync(small.Port);
        await using var _2 = second;
        BackendMessage error = Assert.Single(messages);
        Assert.Equal(("FATAL", "53300"), (error.Severity, error.SqlState));
        Assert.Equal("sorry, too many clients already", error.Fields()['M']);
        Assert.True(await second.IsClosedByServerAsync());

        await first.SendAsync(Bytes.Query("select 1"));
        Assert.Equal("TDCZ", Types(await first.ReadUntilReadyForQueryAsync()));
    }

    [Theory]
    [InlineData("secret", true)]
    [InlineData("wrong", false)]
    public async Task CleartextPassword(string password, bool accepted)
    {
        await using PgServer guarded = await StartServerAsync(new PgServerOptions { Port = 0, RequirePassword = true });
        await using RawClient client = await RawClient.ConnectAsync(guarded.Port);
        await client.SendAsync(Bytes.Startup(("user", "test")));
        BackendMessage request = await client.ReadMessageAsync();
        Assert.Equal('R', request.Type);
        Assert.Equal(3, request.Int32At(0));
        await client.SendAsync(Bytes.Message('p', new Bytes().CString(password)));
        List<BackendMessage> messages = await client.ReadUntilReadyForQueryAsync();
        if (accepted)
        {
            Assert.Equal('R', messages[0].Type);
            Assert.Equal(0, messages[0].Int32At(0));
            Assert.Equal('Z', messages[^1].Type);
        }
        else
        {
            Assert.Equal(("FATAL", "28P01"), (messages[0].Severity, messages[0].SqlState));
        }
    }

    [Fact]
    public async Task CancelRequestCancelsTheRunningQuery()
    {
        var (client, startup) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = client;
        BackendMessage keyData = startup.Single(message => message.Type == 'K');
        await client.SendAsync(Bytes.Query("sleep"));
        await factory.Sessions.Single().SleepStarted.Task.WaitAsync(TimeSpan.FromSeconds(5));

        // A wrong key does nothing.
        await using (RawClient wrong = await RawClient.ConnectAsync(server.Port))
        {
            await wrong.SendAsync(new Bytes().Int32(16).Int32(80877102).Int32(keyData.Int32At(0)).Int32(keyData.Int32At(4) ^ 1).ToArray());
            Assert.True(await wrong.IsClosedByServerAsync());
        }
        await using (RawClient canceller = await RawClient.ConnectAsync(server.Port))
        {
            await canceller.SendAsync(new Bytes().Int32(16).Int32(80877102).Int32(keyData.Int32At(0)).Int32(keyData.Int32At(4)).ToArray());
            Assert.True(await canceller.IsClosedByServerAsync());
        }
        List<BackendMessage> messages = await client.ReadUntilReadyForQueryAsync();
        Assert.Equal("EZ", Types(messages));
        Assert.Equal("57014", messages[0].SqlState);

        // The next query is not cancelled.
        await client.SendAsync(Bytes.Query("select 1"));
        Assert.Equal("TDCZ", Types(await client.ReadUntilReadyForQueryAsync()));
    }

    [Fact]
    public async Task DisposeTellsConnectionsAndClosesThem()
    {
        PgServer stopping = await StartServerAsync(new PgServerOptions { Port = 0 });
        var (idle, _) = await RawClient.ConnectAndStartAsync(stopping.Port);
        var (busy, _) = await RawClient.ConnectAndStartAsync(stopping.Port);
        await using var _1 = idle;
        await using var _2 = busy;
        await busy.SendAsync(Bytes.Query("sleep"));
        await factory.Sessions.Last().SleepStarted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await stopping.DisposeAsync();
        foreach (RawClient client in new[] { idle, busy })
        {
            BackendMessage error = await client.ReadMessageAsync();
            Assert.Equal(("FATAL", "57P01"), (error.Severity, error.SqlState));
            Assert.True(await client.IsClosedByServerAsync());
        }
        Assert.Equal(0, stopping.ConnectionCount);
    }

    [Fact]
    public async Task StartupTimeoutClosesASilentClient()
    {
        await using PgServer impatient = await StartServerAsync(new PgServerOptions { Port = 0, StartupTimeout = TimeSpan.FromMilliseconds(200) });
        await using RawClient silent = await RawClient.ConnectAsync(impatient.Port);
        BackendMessage error = await silent.ReadMessageAsync();
        Assert.Equal(("FATAL", "08P01"), (error.Severity, error.SqlState));
        Assert.True(await silent.IsClosedByServerAsync());
    }
}
