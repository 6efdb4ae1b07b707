using System.Net;
using Log.QueryNode.Auth;

namespace Log.QueryNode.Tests.Auth;

/// <summary>The login decision without a server: tokens judged against keys held in memory and a manual clock.</summary>
public sealed class LoginDecisionTests
{
    private const string AdminKeyId = "LOGADMINKEY000000000";
    private const string AdminSecret = "admin-secret-admin-secret-admin-secret-0";
    private const string AppKeyId = "LOGAPPKEY00000000000";
    private const string AppSecret = "app-secret-app-secret-app-secret-app-sec";
    private const string AppPrincipal = "arn:aws:iam::123456789012:role/app";

    private static readonly DateTimeOffset Now = new(2026, 12, 5, 5, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class Keys : ICredentialLookup
    {
        public readonly Dictionary<string, Credential> ById = new()
        {
            [AdminKeyId] = new(AdminKeyId, AdminSecret, CredentialStore.AdminPrincipal, Admin: true, Now.AddDays(-1)),
            [AppKeyId] = new(AppKeyId, AppSecret, AppPrincipal, Admin: false, Now.AddDays(-1)),
        };

        public Credential? Find(string accessKeyId) => ById.GetValueOrDefault(accessKeyId);
    }

    /// <summary>Mappings as <c>AWS IAM GRANT role TO 'principal'</c> will keep them.</summary>
    private sealed class Mappings(params (string Role, string Principal)[] pairs) : IRoleMappings
    {
        public ValueTask<bool> IsMappedAsync(string role, string principal, CancellationToken cancellationToken) =>
            ValueTask.FromResult(pairs.Contains((role, principal)));
    }

    private static readonly AuthenticationOptions Options = new();

    private static TokenAuthenticator Authenticator(IRoleMappings? mappings = null, Keys? keys = null, ManualClock? clock = null)
    {
        clock ??= new ManualClock(Now);
        // No delays here: the throttle's own tests cover them.
        var options = new AuthenticationOptions { FailedLoginInitialDelay = TimeSpan.Zero, FailedLoginMaxDelay = TimeSpan.Zero };
        return new TokenAuthenticator(new DsqlTokenVerifier(options, keys ?? new Keys(), clock), mappings ?? AdminOnlyRoleMappings.Instance,
            new FailedLoginThrottle(options, clock), clock);
    }

    private static string Token(string action = DsqlToken.ConnectAdminAction, string keyId = AdminKeyId, string secret = AdminSecret,
        string host = "localhost", string region = "local", DateTimeOffset? signedAt = null, int expires = 900) =>
        DsqlToken.Create(host, region, action, keyId, secret, (signedAt ?? Now).UtcDateTime, expires);

    private static async Task<LoginOutcome> LoginAsync(string role, string? password, TokenAuthenticator? authenticator = null) =>
        await (authenticator ?? Authenticator()).AuthenticateAsync(new LoginAttempt(role, password, Client), CancellationToken.None);

    private static async Task AssertRefusedAsync(string sqlState, string words, string role, string? password, TokenAuthenticator? authenticator = null)
    {
        var outcome = await LoginAsync(role, password, authenticator);
        Assert.False(outcome.Accepted);
        Assert.Equal(sqlState, outcome.SqlState);
        Assert.Contains(words, outcome.Message);
        if (password is { Length: > 0 })
        {
            Assert.DoesNotContain(password, outcome.Message);
            Assert.DoesNotContain("X-Amz-Signature", outcome.Message);
        }
        Assert.DoesNotContain(AdminSecret, outcome.Message);
        Assert.DoesNotContain(AppSecret, outcome.Message);
    }

    [Fact]
    public async Task AdminTokenFromAnAdminKeyIsAcceptedWithItsPrincipal()
    {
        var outcome = await LoginAsync("admin", Token());
        Assert.True(outcome.Accepted, outcome.Message);
        Assert.Equal(CredentialStore.AdminPrincipal, outcome.Principal);
    }

    [Fact]
    public async Task TokenPastedWithItsLineEndIsAccepted() =>
        Assert.True((await LoginAsync("admin", Token() + "\n")).Accepted);

    [Fact]
    public async Task EveryConfiguredEndpointNameIsAccepted()
    {
        Assert.True((await LoginAsync("admin", Token(host: "127.0.0.1"))).Accepted);
        Assert.True((await LoginAsync("admin", Token(host: "LOCALHOST"))).Accepted);
    }

    [Fact]
    public Task ForgedSignatureIsInvalidPassword()
    {
        string token = Token();
        int at = token.IndexOf("X-Amz-Signature=", StringComparison.Ordinal) + "X-Amz-Signature=".Length;
        string forged = token[..at] + (token[at] == '0' ? '1' : '0') + token[(at + 1)..];
        return AssertRefusedAsync("28P01", "signature does not match", "admin", forged);
    }

    [Fact]
    public Task TokenSignedWithAnotherSecretIsInvalidPassword() =>
        AssertRefusedAsync("28P01", "signature does not match", "admin", Token(secret: AppSecret));

    [Fact]
    public Task ChangedClaimBreaksTheSignature() =>
        AssertRefusedAsync("28P01", "signature does not match", "admin", Token(expires: 60).Replace("X-Amz-Expires=60", "X-Amz-Expires=600"));

    [Fact]
    public Task UnknownKeyIsInvalidPassword() =>
        AssertRefusedAsync("28P01", "unknown or was removed", "admin", Token(keyId: "LOGNOSUCHKEY00000000"));

    [Fact]
    public async Task RemovedKeyIsInvalidPassword()
    {
        var keys = new Keys();
        var authenticator = Authenticator(keys: keys);
        string token = Token();
        Assert.True((await LoginAsync("admin", token, authenticator)).Accepted);
        keys.ById.Remove(AdminKeyId);
        await AssertRefusedAsync("28P01", "unknown or was removed", "admin", token, authenticator);
    }

    [Fact]
    public async Task ExpiredTokenIsInvalidPassword()
    {
        var clock = new ManualClock(Now);
        var authenticator = Authenticator(clock: clock);
        string token = Token(expires: 60);
        clock.Now = Now.AddSeconds(59);
        Assert.True((await LoginAsync("admin", token, authenticator)).Accepted);
        clock.Now = Now.AddSeconds(60);
        await AssertRefusedAsync("28P01", "expired", "admin", token, authenticator);
    }

    [Fact]
    public async Task TokenFromTheFutureIsAcceptedWithinTheSkewOnly()
    {
        Assert.True((await LoginAsync("admin", Token(signedAt: Now + Options.ClockSkewAllowance))).Accepted);
        await AssertRefusedAsync("28P01", "future", "admin", Token(signedAt: Now + Options.ClockSkewAllowance + TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public Task ExpiryBeyondOneWeekIsRefused()
    {
        string token = DsqlToken.Create("localhost", "local", DsqlToken.ConnectAdminAction, AdminKeyId, AdminSecret, Now.UtcDateTime, DsqlToken.MaxExpiresSeconds);
        // Re-signed with a longer expiry than any signer makes: the signature is right, the lifetime is not.
        var parsed = DsqlToken.TryParse(token.Replace("X-Amz-Expires=604800", "X-Amz-Expires=604801"), out _)!;
        string resigned = ReplaceSignature(token.Replace("X-Amz-Expires=604800", "X-Amz-Expires=604801"), parsed.ExpectedSignature(AdminSecret));
        return AssertRefusedAsync("28P01", "one week", "admin", resigned);
    }

    private static string ReplaceSignature(string token, byte[] signature)
    {
        int at = token.IndexOf("X-Amz-Signature=", StringComparison.Ordinal) + "X-Amz-Signature=".Length;
        return token[..at] + Convert.ToHexStringLower(signature) + token[(at + 64)..];
    }

    [Fact]
    public Task OtherEndpointIsNotAuthorised() =>
        AssertRefusedAsync("28000", "another endpoint", "admin", Token(host: "db.example.com"));

    [Fact]
    public Task OtherRegionIsNotAuthorised() =>
        AssertRefusedAsync("28000", "another region", "admin", Token(region: "us-east-1"));

    [Fact]
    public Task AdminWithDbConnectIsNotAuthorised() =>
        AssertRefusedAsync("28000", "DbConnectAdmin", "admin", Token(action: DsqlToken.ConnectAction));

    [Fact]
    public Task RoleWithDbConnectAdminIsNotAuthorised() =>
        AssertRefusedAsync("28000", "DbConnect", "app", Token(action: DsqlToken.ConnectAdminAction, keyId: AppKeyId, secret: AppSecret),
            Authenticator(new Mappings(("app", AppPrincipal))));

    [Fact]
    public Task NonAdminKeyCannotConnectAsAdmin() =>
        AssertRefusedAsync("28000", "not allowed to connect as admin", "admin", Token(keyId: AppKeyId, secret: AppSecret));

    [Fact]
    public Task CustomRoleWithoutAMappingIsNotAuthorised() =>
        AssertRefusedAsync("28000", "not mapped", "app", Token(action: DsqlToken.ConnectAction, keyId: AppKeyId, secret: AppSecret));

    [Fact]
    public async Task CustomRoleMappedToTheKeysPrincipalIsAccepted()
    {
        var authenticator = Authenticator(new Mappings(("app", AppPrincipal)));
        var outcome = await LoginAsync("app", Token(action: DsqlToken.ConnectAction, keyId: AppKeyId, secret: AppSecret), authenticator);
        Assert.True(outcome.Accepted, outcome.Message);
        Assert.Equal(AppPrincipal, outcome.Principal);
        // Mapped to another principal: refused.
        await AssertRefusedAsync("28000", "not mapped", "other", Token(action: DsqlToken.ConnectAction, keyId: AppKeyId, secret: AppSecret), authenticator);
    }

    [Fact]
    public Task TemporaryCredentialsAreRefused()
    {
        var keys = new Keys();
        keys.ById[SigV4Tests.SignerKeyId] = new(SigV4Tests.SignerKeyId, SigV4Tests.SignerSecret, "p", Admin: true, Now);
        return AssertRefusedAsync("28000", "temporary credentials", "app", SigV4Tests.AwsSignerTokenWithSessionToken, Authenticator(keys: keys));
    }

    [Theory]
    [InlineData(null, "no token")]
    [InlineData("", "no token")]
    [InlineData("hunter2", "not a DSQL token")]
    public Task PasswordThatIsNotATokenIsInvalidPassword(string? password, string words) =>
        AssertRefusedAsync("28P01", words, "admin", password);

    [Fact]
    public async Task AwsSignerTokenIsAcceptedAtItsTime()
    {
        var keys = new Keys();
        keys.ById[SigV4Tests.SignerKeyId] = new(SigV4Tests.SignerKeyId, SigV4Tests.SignerSecret, "p", Admin: true, Now);
        var authenticator = Authenticator(keys: keys, clock: new ManualClock(SigV4Tests.SignerClock));
        string token = (string)SigV4Tests.AwsSignerTokens.First()[4];
        Assert.True((await LoginAsync("admin", token, authenticator)).Accepted);
    }

    [Fact]
    public async Task TrustAcceptsAnyone()
    {
        var outcome = await TrustAuthenticator.Instance.AuthenticateAsync(new LoginAttempt("anyone", null, null), CancellationToken.None);
        Assert.True(outcome.Accepted);
        Assert.Null(outcome.Principal);
    }
}
