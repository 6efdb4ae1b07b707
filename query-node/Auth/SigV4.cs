using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Log.QueryNode.Auth;

/// <summary>
/// The parts of AWS Signature Version 4 that a presigned URL needs (AWS's "Create a signed request" and
/// "Authenticating requests: using query parameters"): the canonical request, the string to sign, the signing key
/// and the signature. I/O-free and independent of DSQL, so that it can be checked against AWS's published examples.
/// </summary>
public static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string TerminationString = "aws4_request";

    /// <summary>X-Amz-Date's format (ISO 8601 basic, UTC).</summary>
    public const string LongDateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>The date in the credential scope.</summary>
    public const string ShortDateFormat = "yyyyMMdd";

    /// <summary>What a presigned GET without a body signs as its payload: the SHA-256 of nothing. AWS's SDK signers
    /// use it for every presigned URL but S3's, which signs UNSIGNED-PAYLOAD instead.</summary>
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";

    /// <summary>
    /// The canonical query string: every parameter but the signature, names and values URI-encoded as SigV4 wants
    /// (RFC 3986 unreserved characters kept, every other byte of the UTF-8 as %XX in upper case), sorted by encoded
    /// name, then by encoded value.
    /// </summary>
    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var encoded = parameters
            .Where(parameter => !string.Equals(parameter.Key, DsqlToken.SignatureParameter, StringComparison.OrdinalIgnoreCase))
            .Select(parameter => (Name: UriEncode(parameter.Key), Value: UriEncode(parameter.Value)))
            .OrderBy(parameter => parameter.Name, StringComparer.Ordinal)
            .ThenBy(parameter => parameter.Value, StringComparer.Ordinal);
        return string.Join('&', encoded.Select(parameter => $"{parameter.Name}={parameter.Value}"));
    }

    /// <summary>The canonical request of a GET whose only signed header is host.</summary>
    public static string CanonicalRequest(string path, string canonicalQuery, string host, string payloadHash) =>
        $"GET\n{path}\n{canonicalQuery}\nhost:{host.Trim()}\n\nhost\n{payloadHash}";

    public static string LongDate(DateTime signedAt) => signedAt.ToString(LongDateFormat, CultureInfo.InvariantCulture);

    public static string ShortDate(DateTime signedAt) => signedAt.ToString(ShortDateFormat, CultureInfo.InvariantCulture);

    /// <summary><c>&lt;yyyymmdd&gt;/&lt;region&gt;/&lt;service&gt;/aws4_request</c>.</summary>
    public static string CredentialScope(string shortDate, string region, string service) =>
        $"{shortDate}/{region}/{service}/{TerminationString}";

    public static string StringToSign(string longDate, string credentialScope, string canonicalRequest) =>
        $"{Algorithm}\n{longDate}\n{credentialScope}\n" +
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)));

    /// <summary>HMAC chain from the secret over the scope's date, region, service and the termination string.</summary>
    public static byte[] SigningKey(string secretAccessKey, string shortDate, string region, string service)
    {
        byte[] key = Encoding.UTF8.GetBytes("AWS4" + secretAccessKey);
        foreach (var part in new[] { shortDate, region, service, TerminationString })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }
        return key;
    }

    /// <summary>The signature, as the 32 bytes (their lower-case hex is X-Amz-Signature).</summary>
    public static byte[] Signature(byte[] signingKey, string stringToSign) =>
        HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign));

    /// <summary>SigV4's URI encoding of one query name or value.</summary>
    public static string UriEncode(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (byte octet in Encoding.UTF8.GetBytes(text))
        {
            if (octet is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9'
                or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                builder.Append((char)octet);
            }
            else
            {
                builder.Append('%').Append(octet.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }
}
