using System.Text;
using Log.QueryNode.Auth;

namespace Log.QueryNode.Tests.Auth;

/// <summary>The SigV4 steps against AWS's published example of a presigned URL (S3 user guide, "Authenticating
/// Requests: Using Query Parameters": GET /test.txt from examplebucket, signed 2013-05-24 for 86400 s), and the DSQL
/// token against tokens that AWS's own @aws-sdk/dsql-signer 3.1142.0 made with a fixed clock.</summary>
public sealed class SigV4Tests
{
    private const string ExampleKeyId = "AKIAIOSFODNN7EXAMPLE";
    private const string ExampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    [Fact]
    public void CanonicalRequestStringToSignAndSignatureMatchAwsPublishedExample()
    {
        var parameters = new Dictionary<string, string>
        {
            ["X-Amz-Algorithm"] = "AWS4-HMAC-SHA256",
            ["X-Amz-Credential"] = $"{ExampleKeyId}/20130524/us-east-1/s3/aws4_request",
            ["X-Amz-Date"] = "20130524T000000Z",
            ["X-Amz-Expires"] = "86400",
            ["X-Amz-SignedHeaders"] = "host",
        };
        string canonicalQuery = SigV4.CanonicalQuery(parameters);
        string canonicalRequest = SigV4.CanonicalRequest("/test.txt", canonicalQuery, "examplebucket.s3.amazonaws.com", SigV4.UnsignedPayload);
        Assert.Equal(
            "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\nhost:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD",
            canonicalRequest);
        string stringToSign = SigV4.StringToSign("20130524T000000Z", SigV4.CredentialScope("20130524", "us-east-1", "s3"), canonicalRequest);
        Assert.Equal("AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04",
            stringToSign);
        byte[] signature = SigV4.Signature(SigV4.SigningKey(ExampleSecret, "20130524", "us-east-1", "s3"), stringToSign);
        Assert.Equal("aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404", Convert.ToHexStringLower(signature));
    }

    [Theory]
    [InlineData("abc", "abc")]
    [InlineData("A-Z_a.z~09", "A-Z_a.z~09")]
    [InlineData("a/b c+d=e&f", "a%2Fb%20c%2Bd%3De%26f")]
    [InlineData("é", "%C3%A9")]
    public void UriEncodingKeepsUnreservedCharactersOnly(string text, string expected) =>
        Assert.Equal(expected, SigV4.UriEncode(text));

    [Fact]
    public void CanonicalQuerySortsByEncodedNameAndLeavesOutTheSignature()
    {
        var parameters = new[] { new KeyValuePair<string, string>("b", "2"), new("X-Amz-Signature", "ff"), new("a", "x y"), new("B", "1") };
        Assert.Equal("B=1&a=x%20y&b=2", SigV4.CanonicalQuery(parameters));
    }

    internal const string SignerKeyId = "AKIDEXAMPLE";
    internal const string SignerSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    internal static readonly DateTime SignerClock = new(2026, 12, 5, 4, 30, 0, DateTimeKind.Utc);

    /// <summary>Made by <c>new DsqlSigner({hostname, region, expiresIn, credentials}).getDbConnect[Admin]AuthToken()</c>
    /// with Date fixed at <see cref="SignerClock"/>.</summary>
    public static TheoryData<string, string, string, int, string> AwsSignerTokens => new()
    {
        { "localhost", "local", DsqlToken.ConnectAdminAction, 900,
            "localhost/?Action=DbConnectAdmin&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261205%2Flocal%2Fdsql%2Faws4_request&X-Amz-Date=20261205T043000Z&X-Amz-Expires=900&X-Amz-Signature=5325c492f684876093e66e2a794d657fa3a1de3fceca31af756471d390a226a6&X-Amz-SignedHeaders=host" },
        { "127.0.0.1", "local", DsqlToken.ConnectAction, 3600,
            "127.0.0.1/?Action=DbConnect&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261205%2Flocal%2Fdsql%2Faws4_request&X-Amz-Date=20261205T043000Z&X-Amz-Expires=3600&X-Amz-Signature=2076131a89c0690375b96175e13aaa1b170b702047f70b37443a9f0a724bcd77&X-Amz-SignedHeaders=host" },
        { "abc.dsql.us-east-1.on.aws", "us-east-1", DsqlToken.ConnectAdminAction, 604800,
            "abc.dsql.us-east-1.on.aws/?Action=DbConnectAdmin&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261205%2Fus-east-1%2Fdsql%2Faws4_request&X-Amz-Date=20261205T043000Z&X-Amz-Expires=604800&X-Amz-Signature=6291a550d507d5ab36e13ecbddd606eff61bb6b4c9ef3a9c49955e503afdf9d0&X-Amz-SignedHeaders=host" },
    };

    /// <summary>A token with temporary credentials (AWS_SESSION_TOKEN), which the signer puts in the signed query.</summary>
    internal const string AwsSignerTokenWithSessionToken =
        "localhost/?Action=DbConnect&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261205%2Flocal%2Fdsql%2Faws4_request&X-Amz-Date=20261205T043000Z&X-Amz-Expires=900&X-Amz-Security-Token=session%2Ftoken%2Bx%3D&X-Amz-Signature=75224e9939adc05a7e9fad8c6c1f04545ba9e8ede1dd44540762abc630f53ccf&X-Amz-SignedHeaders=host";

    [Theory]
    [MemberData(nameof(AwsSignerTokens))]
    public void CreateMakesTheSameTokenAsAwsSigner(string host, string region, string action, int expires, string awsToken) =>
        Assert.Equal(awsToken, DsqlToken.Create(host, region, action, SignerKeyId, SignerSecret, SignerClock, expires));

    [Theory]
    [MemberData(nameof(AwsSignerTokens))]
    public void ParsedAwsSignerTokenCarriesItsSignatureAndClaims(string host, string region, string action, int expires, string awsToken)
    {
        var token = DsqlToken.TryParse(awsToken, out var problem);
        Assert.Null(problem);
        Assert.NotNull(token);
        Assert.Equal((host, region, action, expires, SignerKeyId, "dsql", "host"),
            (token.Host, token.Region, token.Action, token.ExpiresSeconds, token.AccessKeyId, token.Service, token.SignedHeaders));
        Assert.Equal(SignerClock, token.SignedAt);
        Assert.Equal(token.Signature, token.ExpectedSignature(SignerSecret));
        Assert.NotEqual(token.Signature, token.ExpectedSignature(SignerSecret + "x"));
    }

    [Fact]
    public void SessionTokenIsPartOfTheSignedQuery()
    {
        var token = DsqlToken.TryParse(AwsSignerTokenWithSessionToken, out _)!;
        Assert.True(token.HasSecurityToken);
        Assert.Equal(token.Signature, token.ExpectedSignature(SignerSecret));
    }

    [Theory]
    [InlineData("", "not a host")]
    [InlineData("secret-password", "not a host")]
    [InlineData("https://localhost/?Action=DbConnect", "scheme")]
    [InlineData("localhost/?Action=DbConnect&Action=DbConnect", "twice")]
    [InlineData("localhost/?Action=DbConnect", "missing")]
    [InlineData("localhost/?Action", "no name or no value")]
    public void MalformedTokensAreRefusedWithoutQuotingThem(string text, string expectedProblem)
    {
        Assert.Null(DsqlToken.TryParse(text, out var problem));
        Assert.Contains(expectedProblem, problem);
        Assert.DoesNotContain("DbConnect", problem);
    }

    [Fact]
    public void WrongHexSignatureOrDateIsMalformed()
    {
        string token = DsqlToken.Create("localhost", "local", DsqlToken.ConnectAction, SignerKeyId, SignerSecret, SignerClock, 60);
        Assert.Null(DsqlToken.TryParse(token.Replace("X-Amz-Signature=", "X-Amz-Signature=zz"), out var problem));
        Assert.Contains("hexadecimal", problem);
        Assert.Null(DsqlToken.TryParse(token.Replace("20261205T043000Z", "2026-12-05"), out problem));
        Assert.Contains("X-Amz-Date", problem);
        Assert.Equal(Encoding.ASCII.GetByteCount(token), token.Length);
    }
}
