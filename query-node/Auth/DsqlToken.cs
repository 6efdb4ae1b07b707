using System.Globalization;

namespace Log.QueryNode.Auth;

/// <summary>
/// An Aurora DSQL authentication token: a SigV4 presigned URL without its scheme,
/// <c>&lt;host&gt;/?Action=DbConnect|DbConnectAdmin&amp;X-Amz-Algorithm=...&amp;X-Amz-Credential=&lt;key&gt;/&lt;yyyymmdd&gt;/&lt;region&gt;/dsql/aws4_request&amp;X-Amz-Date=...&amp;X-Amz-Expires=...&amp;X-Amz-SignedHeaders=host&amp;X-Amz-Signature=...</c>,
/// sent as the PostgreSQL password. <see cref="TryParse"/> reads one without judging it (that is
/// <see cref="DsqlTokenVerifier"/>'s work); <see cref="Create"/> signs one exactly as AWS's <c>@aws-sdk/dsql-signer</c>
/// does (GET, path "/", the host header only, the SHA-256 of an empty payload).
/// </summary>
public sealed record DsqlToken(
    string Host,
    string Action,
    string AccessKeyId,
    string CredentialDate,
    string Region,
    string Service,
    DateTime SignedAt,
    int ExpiresSeconds,
    string SignedHeaders,
    byte[] Signature,
    bool HasSecurityToken,
    IReadOnlyList<KeyValuePair<string, string>> Parameters)
{
    public const string DsqlService = "dsql";
    public const string ConnectAction = "DbConnect";
    public const string ConnectAdminAction = "DbConnectAdmin";
    public const string AdminRole = "admin";
    public const string Path = "/";

    public const string ActionParameter = "Action";
    public const string AlgorithmParameter = "X-Amz-Algorithm";
    public const string CredentialParameter = "X-Amz-Credential";
    public const string DateParameter = "X-Amz-Date";
    public const string ExpiresParameter = "X-Amz-Expires";
    public const string SignedHeadersParameter = "X-Amz-SignedHeaders";
    public const string SignatureParameter = "X-Amz-Signature";
    public const string SecurityTokenParameter = "X-Amz-Security-Token";

    /// <summary>SigV4's longest presigned lifetime, one week, which DSQL keeps.</summary>
    public const int MaxExpiresSeconds = 7 * 24 * 60 * 60;

    /// <summary>The action a role connects with: DbConnectAdmin for admin, DbConnect for any other role.</summary>
    public static string ActionFor(string role) => role == AdminRole ? ConnectAdminAction : ConnectAction;

    /// <summary>Reads a token; null and what is wrong with it (never quoting it) when it is not one.</summary>
    public static DsqlToken? TryParse(string text, out string? problem)
    {
        problem = null;
        int separator = text.IndexOf("/?", StringComparison.Ordinal);
        if (separator <= 0)
        {
            problem = "it is not a host followed by /? and signed parameters";
            return null;
        }
        string host = text[..separator];
        if (host.Contains("://", StringComparison.Ordinal) || host.Contains('/'))
        {
            problem = "the host part holds a scheme or a path";
            return null;
        }
        var parameters = new List<KeyValuePair<string, string>>();
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in text[(separator + 2)..].Split('&'))
        {
            int equals = pair.IndexOf('=');
            if (equals <= 0)
            {
                problem = "a query parameter has no name or no value";
                return null;
            }
            string name, value;
            try
            {
                name = Uri.UnescapeDataString(pair[..equals]);
                value = Uri.UnescapeDataString(pair[(equals + 1)..]);
            }
            catch (UriFormatException)
            {
                problem = "a query parameter is not valid percent-encoding";
                return null;
            }
            if (!byName.TryAdd(name, value))
            {
                problem = $"parameter {Printable(name)} appears twice";
                return null;
            }
            parameters.Add(new(name, value));
        }
        foreach (string required in new[] { ActionParameter, AlgorithmParameter, CredentialParameter, DateParameter, ExpiresParameter, SignedHeadersParameter, SignatureParameter })
        {
            if (!byName.ContainsKey(required))
            {
                problem = $"parameter {required} is missing";
                return null;
            }
        }
        if (byName[AlgorithmParameter] != SigV4.Algorithm)
        {
            problem = $"{AlgorithmParameter} must be {SigV4.Algorithm}";
            return null;
        }
        string[] credential = byName[CredentialParameter].Split('/');
        if (credential.Length != 5 || credential[0].Length == 0 || credential[4] != SigV4.TerminationString)
        {
            problem = $"{CredentialParameter} is not <access key id>/<date>/<region>/<service>/{SigV4.TerminationString}";
            return null;
        }
        if (!DateTime.TryParseExact(byName[DateParameter], SigV4.LongDateFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime signedAt))
        {
            problem = $"{DateParameter} is not yyyyMMddTHHmmssZ";
            return null;
        }
        if (!int.TryParse(byName[ExpiresParameter], NumberStyles.None, CultureInfo.InvariantCulture, out int expires))
        {
            problem = $"{ExpiresParameter} is not a number of seconds";
            return null;
        }
        byte[] signature;
        try
        {
            signature = Convert.FromHexString(byName[SignatureParameter]);
        }
        catch (FormatException)
        {
            problem = $"{SignatureParameter} is not hexadecimal";
            return null;
        }
        return new DsqlToken(host, byName[ActionParameter], credential[0], credential[1], credential[2], credential[3], signedAt, expires,
            byName[SignedHeadersParameter], signature, byName.ContainsKey(SecurityTokenParameter), parameters);
    }

    /// <summary>The signature this token must carry if it was signed with <paramref name="secretAccessKey"/>. The scope's
    /// date, region and service are the token's own: a token signed for another region still verifies here, and the
    /// verifier refuses it for that reason rather than as a bad signature.</summary>
    public byte[] ExpectedSignature(string secretAccessKey)
    {
        string canonicalRequest = SigV4.CanonicalRequest(Path, SigV4.CanonicalQuery(Parameters), Host, SigV4.EmptyPayloadHash);
        return SigV4.Signature(
            SigV4.SigningKey(secretAccessKey, CredentialDate, Region, Service),
            SigV4.StringToSign(Parameters.First(parameter => parameter.Key == DateParameter).Value,
                SigV4.CredentialScope(CredentialDate, Region, Service), canonicalRequest));
    }

    /// <summary>Signs a token as AWS's DsqlSigner does; the parameters come out in its order (sorted by name).</summary>
    public static string Create(string host, string region, string action, string accessKeyId, string secretAccessKey,
        DateTime signedAt, int expiresSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(expiresSeconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(expiresSeconds, MaxExpiresSeconds);
        signedAt = DateTime.SpecifyKind(signedAt.ToUniversalTime(), DateTimeKind.Utc);
        signedAt = signedAt.AddTicks(-(signedAt.Ticks % TimeSpan.TicksPerSecond));
        string scope = SigV4.CredentialScope(SigV4.ShortDate(signedAt), region, DsqlService);
        var parameters = new List<KeyValuePair<string, string>>
        {
            new(ActionParameter, action),
            new(AlgorithmParameter, SigV4.Algorithm),
            new(CredentialParameter, $"{accessKeyId}/{scope}"),
            new(DateParameter, SigV4.LongDate(signedAt)),
            new(ExpiresParameter, expiresSeconds.ToString(CultureInfo.InvariantCulture)),
            new(SignedHeadersParameter, "host"),
        };
        string canonicalRequest = SigV4.CanonicalRequest(Path, SigV4.CanonicalQuery(parameters), host, SigV4.EmptyPayloadHash);
        byte[] signature = SigV4.Signature(SigV4.SigningKey(secretAccessKey, SigV4.ShortDate(signedAt), region, DsqlService),
            SigV4.StringToSign(SigV4.LongDate(signedAt), scope, canonicalRequest));
        parameters.Add(new(SignatureParameter, Convert.ToHexStringLower(signature)));
        return $"{host}{Path}?" + string.Join('&', parameters
            .OrderBy(parameter => parameter.Key, StringComparer.Ordinal)
            .Select(parameter => $"{SigV4.UriEncode(parameter.Key)}={SigV4.UriEncode(parameter.Value)}"));
    }

    /// <summary>A parameter name for a message: short and printable, so that a message never carries a token's bulk.</summary>
    private static string Printable(string name) =>
        name.Length <= 40 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? name : "(unprintable)";
}
