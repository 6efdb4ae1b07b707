using System.Diagnostics;
using System.Net;
using Log.Integration.Tests.Drivers;
using Log.Integration.Tests.Support;
using Log.QueryNode.Auth;
using Log.Wire.Tests;
using Npgsql;

namespace Log.Integration.Tests.Auth;

/// <summary>
/// A server with <c>--auth tokens</c>, reached by AWS's own token signer (@aws-sdk/dsql-signer) and node-postgres
/// connector (@aws/aurora-dsql-node-postgres-connector), installed from npm into Drivers/node by .ci/run, by psql and
/// Npgsql with tokens from the <c>token</c> command, and by tokens that must be refused with the right SQLSTATE.
/// </summary>
[Collection(TokenCollection.Name)]
public sealed class TokenTests(TokenServerFixture fixture) : IClassFixture<TokenServerFixture>
{
    private LogProcess Server => fixture.Server;

    [AwsNodeClientFact]
    public async Task AwsSignerTokenIsAcceptedByPsql()
    {
        string token = await AwsSignerTokenAsync("127.0.0.1", "local", "admin");
        var result = await DriverTools.PsqlAsync(
            $"host=127.0.0.1 port={Server.Port} user=admin dbname=postgres sslmode=require connect_timeout=15 password='{token}'",
            "SELECT current_user;");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("admin", result.Output);
    }

    [AwsNodeClientFact]
    public async Task AwsSignerTokenIsAcceptedByNpgsql()
    {
        string token = await AwsSignerTokenAsync("localhost", "local", "admin");
        await using var connection = await OpenAsync("admin", token);
        await using var command = new NpgsqlCommand("SELECT 40 + 2", connection);
        Assert.Equal(42, await command.ExecuteScalarAsync());
    }

    [AwsNodeClientFact]
    public async Task AwsConnectorConnectsAsAdminAndRunsATransaction()
    {
        var result = await DriverTools.RunAsync("node", [Path.Combine(AwsNodeClientFactAttribute.Folder, "dsql_probe.js"),
            "connector", "127.0.0.1", Server.Port.ToString(), "local", "admin"], environment: fixture.AdminKeyEnvironment);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["user admin", "1 one", "2 two"], result.Lines);
    }

    [AwsNodeClientFact]
    public async Task AwsSignerTokenForAnotherRegionIsRefused()
    {
        string token = await AwsSignerTokenAsync("127.0.0.1", "us-east-1", "admin");
        await AssertRefusedAsync("admin", token, "28000", "another region");
    }

    [DriverFact(Client.Psql)]
    public async Task TokenCommandTokenIsAcceptedByPsql()
    {
        var token = await LogCommandAsync("token", "--admin", "--data", Server.DataDirectory);
        Assert.True(token.ExitCode == 0, token.ToString());
        var result = await DriverTools.PsqlAsync(
            $"host=127.0.0.1 port={Server.Port} user=admin dbname=postgres sslmode=require connect_timeout=15 password='{token.Output.Trim()}'",
            "SELECT 'in';");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("in", result.Output);
    }

    /// <summary>A custom role logs in with a DbConnect token of a key whose principal is mapped to it (AWS IAM GRANT),
    /// is refused without the mapping, and an open connection's next transaction stops once the mapping is revoked.</summary>
    [Fact]
    public async Task MappedRoleLogsInAndARevokedMappingStopsItsNextTransaction()
    {
        string role = $"app_{Environment.ProcessId}_{Environment.TickCount64 % 100_000}";
        var key = new CredentialStore(Server.DataDirectory).Add($"arn:aws:iam::123456789012:role/{role}", admin: false, DateTimeOffset.UtcNow);
        string token = DsqlToken.Create("127.0.0.1", "local", DsqlToken.ConnectAction, key.AccessKeyId, key.SecretAccessKey, DateTime.UtcNow, 900);
        await using (var admin = await OpenAsync("admin", fixture.AdminToken()))
        {
            await new NpgsqlCommand($"CREATE ROLE {role} WITH LOGIN", admin).ExecuteNonQueryAsync();
        }
        await AssertRefusedAsync(role, token, "28000", role);

        await using (var admin = await OpenAsync("admin", fixture.AdminToken()))
        {
            await new NpgsqlCommand($"AWS IAM GRANT {role} TO '{key.Principal}'", admin).ExecuteNonQueryAsync();
        }
        await using var mapped = await OpenAsync(role, token);
        Assert.Equal(role, await new NpgsqlCommand("SELECT current_user", mapped).ExecuteScalarAsync());

        await using (var admin = await OpenAsync("admin", fixture.AdminToken()))
        {
            await new NpgsqlCommand($"AWS IAM REVOKE {role} FROM '{key.Principal}'", admin).ExecuteNonQueryAsync();
        }
        var stopped = await Assert.ThrowsAsync<PostgresException>(() => new NpgsqlCommand("SELECT 1", mapped).ExecuteScalarAsync());
        Assert.Equal(("28000", "FATAL"), (stopped.SqlState, stopped.Severity));
        await AssertRefusedAsync(role, token, "28000", role);
    }

    /// <summary>AWS's connector logs in as a custom role mapped to its key's principal and runs a transaction.</summary>
    [AwsNodeClientFact]
    public async Task AwsConnectorConnectsAsAMappedRole()
    {
        string role = $"conn_{Environment.ProcessId}_{Environment.TickCount64 % 100_000}";
        var key = new CredentialStore(Server.DataDirectory).Add($"arn:aws:iam::123456789012:role/{role}", admin: false, DateTimeOffset.UtcNow);
        await using (var admin = await OpenAsync("admin", fixture.AdminToken()))
        {
            foreach (string statement in new[] { $"CREATE ROLE {role} WITH LOGIN", $"GRANT CREATE ON SCHEMA public TO {role}", $"AWS IAM GRANT {role} TO '{key.Principal}'" })
            {
                await new NpgsqlCommand(statement, admin).ExecuteNonQueryAsync();
            }
        }
        var environment = new Dictionary<string, string?>(fixture.AdminKeyEnvironment)
        {
            ["AWS_ACCESS_KEY_ID"] = key.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = key.SecretAccessKey,
        };
        var result = await DriverTools.RunAsync("node", [Path.Combine(AwsNodeClientFactAttribute.Folder, "dsql_probe.js"),
            "connector", "127.0.0.1", Server.Port.ToString(), "local", role], environment: environment);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([$"user {role}", "1 one", "2 two"], result.Lines);
    }

    [Fact]
    public async Task ConnectionWithoutATokenIsRefused()
    {
        var exception = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync("admin", "postgres"));
        Assert.Equal("28P01", exception.SqlState);
        Assert.DoesNotContain("postgres", exception.MessageText.Replace("\"admin\"", ""));
    }

    [Fact]
    public async Task ListeningBeyondLoopbackTurnsTokensOnByDefault()
    {
        await using var open = await LogProcess.StartAsync(null, "--listen", "0.0.0.0");
        var admin = new CredentialStore(open.DataDirectory).List().Single(key => key.Admin);
        await using (var refused = new NpgsqlConnection($"Host=127.0.0.1;Port={open.Port};Username=admin;Password=postgres;Database=postgres;Pooling=false;SSL Mode=Require;Timeout=15"))
        {
            var exception = await Assert.ThrowsAsync<PostgresException>(() => refused.OpenAsync());
            Assert.Equal("28P01", exception.SqlState);
        }
        string token = DsqlToken.Create("localhost", "local", DsqlToken.ConnectAdminAction, admin.AccessKeyId, admin.SecretAccessKey, DateTime.UtcNow, 60);
        await using var accepted = new NpgsqlConnection(
            $"Host=127.0.0.1;Port={open.Port};Username=admin;Password={token};Database=postgres;Pooling=false;SSL Mode=Require;Timeout=15");
        await accepted.OpenAsync();
    }

    public static TheoryData<string> Rejections => new()
    {
        "forged signature", "other endpoint", "other region", "other action", "expired", "unknown key", "custom role without a mapping",
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task TokenIsRefusedWithItsSqlState(string kind)
    {
        var admin = fixture.AdminKey;
        var now = DateTime.UtcNow;
        string Sign(string host = "127.0.0.1", string region = "local", string action = DsqlToken.ConnectAdminAction,
            string? keyId = null, DateTime? signedAt = null, int expires = 900) =>
            DsqlToken.Create(host, region, action, keyId ?? admin.AccessKeyId, admin.SecretAccessKey, signedAt ?? now, expires);
        var (role, token, sqlState, words) = kind switch
        {
            "forged signature" => ("admin", Forge(Sign()), "28P01", "signature"),
            "other endpoint" => ("admin", Sign(host: "db.example.com"), "28000", "another endpoint"),
            "other region" => ("admin", Sign(region: "eu-west-1"), "28000", "another region"),
            "other action" => ("admin", Sign(action: DsqlToken.ConnectAction), "28000", "DbConnectAdmin"),
            "expired" => ("admin", Sign(signedAt: now.AddHours(-2), expires: 3600), "28P01", "expired"),
            "unknown key" => ("admin", Sign(keyId: "LOGNOSUCHKEY00000000"), "28P01", "unknown"),
            "custom role without a mapping" => ("app", Sign(action: DsqlToken.ConnectAction), "28000", "not mapped"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        await AssertRefusedAsync(role, token, sqlState, words);
        // A good login clears this address's failures, so that the cases do not slow each other down.
        await using var connection = await OpenAsync("admin", Sign());
    }

    [Fact]
    public async Task KeysAddedByConcurrentCommandsAreAllKept()
    {
        // Each command is its own process reading, changing and writing credentials.json beside the running server.
        string[] principals = Enumerable.Range(0, 4).Select(index => $"arn:aws:iam::123456789012:user/concurrent{index}").ToArray();
        ProcessResult[] added = await Task.WhenAll(principals.Select(principal =>
            LogCommandAsync("keys", "add", "--principal", principal, "--data", Server.DataDirectory)));
        Assert.All(added, result => Assert.True(result.ExitCode == 0, result.ToString()));
        var listed = await LogCommandAsync("keys", "list", "--data", Server.DataDirectory);
        foreach (ProcessResult result in added)
        {
            string keyId = result.Lines.Single(line => line.StartsWith("AWS_ACCESS_KEY_ID=", StringComparison.Ordinal))["AWS_ACCESS_KEY_ID=".Length..];
            Assert.Contains(keyId, listed.Output);
            Assert.True((await LogCommandAsync("keys", "remove", keyId, "--data", Server.DataDirectory)).ExitCode == 0);
        }
    }

    [Fact]
    public async Task RemovedKeyIsRefused()
    {
        var added = await LogCommandAsync("keys", "add", "--admin", "--principal", "arn:aws:iam::123456789012:user/removed", "--data", Server.DataDirectory);
        Assert.True(added.ExitCode == 0, added.ToString());
        string keyId = added.Lines.Single(line => line.StartsWith("AWS_ACCESS_KEY_ID=", StringComparison.Ordinal))["AWS_ACCESS_KEY_ID=".Length..];
        Assert.Contains(added.Lines, line => line.StartsWith("AWS_SECRET_ACCESS_KEY=", StringComparison.Ordinal));
        var listed = await LogCommandAsync("keys", "list", "--data", Server.DataDirectory);
        Assert.Contains(keyId, listed.Output);
        Assert.DoesNotContain("AWS_SECRET_ACCESS_KEY", listed.Output);

        var token = await LogCommandAsync("token", "--key", keyId, "--data", Server.DataDirectory);
        Assert.True(token.ExitCode == 0, token.ToString());
        await using (await OpenAsync("admin", token.Output.Trim()))
        {
        }
        var removed = await LogCommandAsync("keys", "remove", keyId, "--data", Server.DataDirectory);
        Assert.True(removed.ExitCode == 0, removed.ToString());
        await AssertRefusedAsync("admin", token.Output.Trim(), "28P01", "removed");
        await using (await OpenAsync("admin", fixture.AdminToken()))
        {
        }
    }

    /// <summary>
    /// A client guessing from 127.0.0.2 waits longer after each wrong token, while a client from 127.0.0.1 logs in at
    /// once. The delays are the defaults of <see cref="AuthenticationOptions"/>: 100 ms doubling per failure.
    /// </summary>
    [Fact]
    public async Task BruteForceSlowsDownTheGuesserOnly()
    {
        var options = new AuthenticationOptions();
        var throttle = new FailedLoginThrottle(options, TimeProvider.System);
        const int attempts = 6;
        var elapsed = new List<TimeSpan>();
        for (int attempt = 0; attempt < attempts; attempt++)
        {
            elapsed.Add(await WrongTokenFromAsync(IPAddress.Parse("127.0.0.2")));
            if (attempt == attempts - 2)
            {
                // The guesser now waits throttle.Delay(attempts - 1) before its next answer; this client does not wait.
                var watch = Stopwatch.StartNew();
                await using (await OpenAsync("admin", fixture.AdminToken()))
                {
                }
                Assert.True(watch.Elapsed < throttle.Delay(attempts - 1),
                    $"a client from another address took {watch.Elapsed} to log in while the guesser waits {throttle.Delay(attempts - 1)}");
            }
        }
        for (int attempt = 1; attempt < attempts; attempt++)
        {
            Assert.True(elapsed[attempt] >= throttle.Delay(attempt) * 0.9,
                $"attempt {attempt + 1} was answered after {elapsed[attempt]}, before the delay {throttle.Delay(attempt)}: {string.Join(", ", elapsed)}");
        }
        Assert.True(options.FailedLoginMaxDelay >= throttle.Delay(attempts - 1));
    }

    /// <summary>One login with a wrong token over a raw socket from <paramref name="from"/>; returns the time from
    /// the password message to the refusal.</summary>
    private async Task<TimeSpan> WrongTokenFromAsync(IPAddress from)
    {
        await using var client = await RawClient.ConnectFromAsync(from, Server.Port);
        await client.SendAsync(Bytes.Startup(("user", "admin"), ("database", "postgres")));
        var request = await client.ReadMessageAsync();
        Assert.Equal(('R', 3), (request.Type, request.Int32At(0)));
        string forged = Forge(fixture.AdminToken());
        var watch = Stopwatch.StartNew();
        await client.SendAsync(Bytes.Message('p', new Bytes().CString(forged)));
        var refusal = await client.ReadMessageAsync();
        watch.Stop();
        Assert.Equal('E', refusal.Type);
        Assert.Equal(("FATAL", "28P01"), (refusal.Severity, refusal.SqlState));
        Assert.DoesNotContain(forged, refusal.Fields()['M']);
        return watch.Elapsed;
    }

    private static string Forge(string token)
    {
        int at = token.IndexOf("X-Amz-Signature=", StringComparison.Ordinal) + "X-Amz-Signature=".Length;
        return token[..at] + (token[at] == '0' ? '1' : '0') + token[(at + 1)..];
    }

    private async Task AssertRefusedAsync(string role, string token, string sqlState, string words)
    {
        var exception = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(role, token));
        Assert.Equal((sqlState, "FATAL"), (exception.SqlState, exception.Severity));
        Assert.Contains(words, exception.MessageText);
        Assert.DoesNotContain(token, exception.MessageText);
        Assert.DoesNotContain(fixture.AdminKey.SecretAccessKey, exception.MessageText);
    }

    private async Task<NpgsqlConnection> OpenAsync(string role, string password)
    {
        var connection = new NpgsqlConnection(
            $"Host=127.0.0.1;Port={Server.Port};Username={role};Password={password};Database=postgres;Pooling=false;SSL Mode=Require;Timeout=15");
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task<string> AwsSignerTokenAsync(string host, string region, string role)
    {
        var result = await DriverTools.RunAsync("node", [Path.Combine(AwsNodeClientFactAttribute.Folder, "dsql_probe.js"),
            "token", host, region, role, "900"], environment: fixture.AdminKeyEnvironment);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Output.Trim();
    }

    /// <summary>Runs the query node's command line (log.dll keys|token ...).</summary>
    private static Task<ProcessResult> LogCommandAsync(params string[] arguments) =>
        DriverTools.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "log.dll"), .. arguments],
            environment: new Dictionary<string, string?> { ["AWS_ACCESS_KEY_ID"] = null, ["AWS_SECRET_ACCESS_KEY"] = null });
}

/// <summary>A Log process with token authentication, and its admin key.</summary>
public sealed class TokenServerFixture : IAsyncLifetime
{
    private LogProcess? server;

    public LogProcess Server => server ?? throw new InvalidOperationException("server not started");

    public Credential AdminKey { get; private set; } = null!;

    /// <summary>The admin key as AWS's SDKs read it, and nothing from a real AWS configuration.</summary>
    public IReadOnlyDictionary<string, string?> AdminKeyEnvironment => new Dictionary<string, string?>
    {
        ["AWS_ACCESS_KEY_ID"] = AdminKey.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = AdminKey.SecretAccessKey,
        ["AWS_SESSION_TOKEN"] = null,
        ["AWS_PROFILE"] = null,
        ["AWS_CONFIG_FILE"] = "/dev/null",
        ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    public string AdminToken() => DsqlToken.Create("127.0.0.1", "local", DsqlToken.ConnectAdminAction, AdminKey.AccessKeyId,
        AdminKey.SecretAccessKey, DateTime.UtcNow, 900);

    public async Task InitializeAsync()
    {
        server = await LogProcess.StartAsync(null, "--auth", "tokens");
        AdminKey = new CredentialStore(server.DataDirectory).List().Single(key => key.Admin);
        Assert.Contains(new CredentialStore(server.DataDirectory).FilePath, server.Output);
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}

/// <summary>Token tests measure login delays: they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TokenCollection
{
    public const string Name = "tokens";
}

/// <summary>A Fact that needs node and the npm packages in Drivers/node (installed by .ci/run with npm ci): skipped,
/// with the reason printed, when they are missing.</summary>
public sealed class AwsNodeClientFactAttribute : FactAttribute
{
    public static string Folder => Path.Combine(DriverTools.SourceDirectory, "node");

    private static readonly Lazy<string?> MissingReason = new(() =>
    {
        var version = DriverTools.RunAsync("node", ["--version"]).ContinueWith(task => task.IsCompletedSuccessfully ? task.Result : null).GetAwaiter().GetResult();
        if (version is null || version.ExitCode != 0)
        {
            return "node is not installed (Debian package nodejs)";
        }
        if (!int.TryParse(version.Output.TrimStart('v').Split('.')[0], out int major) || major < 20)
        {
            return $"node {version.Output.Trim()} is older than 20, which AWS's connector needs";
        }
        foreach (var package in new[] { "@aws-sdk/dsql-signer", "@aws/aurora-dsql-node-postgres-connector", "pg" })
        {
            if (!Directory.Exists(Path.Combine(Folder, "node_modules", package)))
            {
                return $"npm package {package} is not installed in {Folder} (run: npm ci --prefix {Folder})";
            }
        }
        return null;
    });

    public AwsNodeClientFactAttribute()
    {
        Timeout = DriverFactAttribute.TimeoutMilliseconds;
        Skip = MissingReason.Value;
    }
}
