using System.Security.Cryptography;
using Log.QueryNode.Execution;

namespace Log.QueryNode.Auth;

/// <summary>
/// Checks a DSQL token against the access keys, the server's endpoint names and region, and the clock. I/O-free but
/// for the key lookup. The signature is checked before anything the token only claims (endpoint, region, dates,
/// action), so that whoever does not hold the secret learns nothing but "signature"; the refusals never quote the
/// token or the secret.
/// </summary>
public sealed class DsqlTokenVerifier(AuthenticationOptions options, ICredentialLookup credentials, TimeProvider time)
{
    /// <summary>Signs for a key that does not exist, so that an unknown key costs as much time as a known one.</summary>
    private const string UnknownKeySecret = "unknown-key-unknown-key-unknown-key-0000";

    /// <summary>Accepted: the key that signed it; refused: the outcome to send.</summary>
    public (Credential? Key, LoginOutcome? Refusal) Verify(string role, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            return Refused(SqlState.InvalidPassword, $"token authentication failed for user \"{role}\": no token was sent as the password");
        }
        // A token pasted from a terminal may carry the line's end.
        var token = DsqlToken.TryParse(password.Trim(), out string? problem);
        if (token is null)
        {
            return Refused(SqlState.InvalidPassword, $"token authentication failed for user \"{role}\": the password is not a DSQL token ({problem})");
        }
        if (token.Service != DsqlToken.DsqlService)
        {
            return Refused(SqlState.InvalidPassword, $"token authentication failed for user \"{role}\": the token is signed for service {Printable(token.Service)}, not {DsqlToken.DsqlService}");
        }
        if (token.SignedHeaders != "host")
        {
            return Refused(SqlState.InvalidPassword, $"token authentication failed for user \"{role}\": the token must sign the host header only ({DsqlToken.SignedHeadersParameter}=host)");
        }
        if (token.HasSecurityToken)
        {
            // Temporary credentials come from AWS STS, which this server cannot ask; a key of its own has no session token.
            return Refused(SqlState.InvalidAuthorizationSpecification, $"token not accepted for user \"{role}\": temporary credentials ({DsqlToken.SecurityTokenParameter}) are not supported; sign with a key made by 'keys add'");
        }
        var key = credentials.Find(token.AccessKeyId);
        byte[] expected = token.ExpectedSignature(key?.SecretAccessKey ?? UnknownKeySecret);
        if (key is null)
        {
            return Refused(SqlState.InvalidPassword, $"token authentication failed for user \"{role}\": the access key is unknown or was removed");
        }
        if (!CryptographicOperations.FixedTimeEquals(expected, token.Signature))
        {
            return Refused(SqlState.InvalidPassword, $"token authentication failed for user \"{role}\": the signature does not match");
        }
        if (token.CredentialDate != SigV4.ShortDate(token.SignedAt))
        {
            return Refused(SqlState.InvalidPassword, $"token authentication failed for user \"{role}\": the credential date is not the date of {DsqlToken.DateParameter}");
        }
        if (token.ExpiresSeconds is <= 0 or > DsqlToken.MaxExpiresSeconds)
        {
            return Refused(SqlState.InvalidPassword, $"token authentication failed for user \"{role}\": {DsqlToken.ExpiresParameter} must be 1 to {DsqlToken.MaxExpiresSeconds} seconds (one week)");
        }
        DateTime now = time.GetUtcNow().UtcDateTime;
        if (token.SignedAt - options.ClockSkewAllowance > now)
        {
            return Refused(SqlState.InvalidPassword, $"token authentication failed for user \"{role}\": the token is signed in the future (check the client's clock)");
        }
        if (token.SignedAt.AddSeconds(token.ExpiresSeconds) <= now)
        {
            return Refused(SqlState.InvalidPassword, $"token authentication failed for user \"{role}\": the token has expired");
        }
        if (!options.IsEndpoint(token.Host))
        {
            return Refused(SqlState.InvalidAuthorizationSpecification, $"token not accepted for user \"{role}\": it is signed for another endpoint than this server's ({string.Join(", ", options.Endpoints)})");
        }
        if (token.Region != options.Region)
        {
            return Refused(SqlState.InvalidAuthorizationSpecification, $"token not accepted for user \"{role}\": it is signed for another region than this server's ({options.Region})");
        }
        string action = DsqlToken.ActionFor(role);
        if (token.Action != action)
        {
            return Refused(SqlState.InvalidAuthorizationSpecification, token.Action is DsqlToken.ConnectAction or DsqlToken.ConnectAdminAction
                ? $"token not accepted for user \"{role}\": role {role} connects with action {action}, the token is for {token.Action}"
                : $"token not accepted for user \"{role}\": the action must be {action}");
        }
        if (role == DsqlToken.AdminRole && !key.Admin)
        {
            return Refused(SqlState.InvalidAuthorizationSpecification, $"token not accepted for user \"{role}\": the access key is not allowed to connect as admin");
        }
        return (key, null);
    }

    private static (Credential?, LoginOutcome?) Refused(string sqlState, string message) => (null, LoginOutcome.Refuse(sqlState, message));

    private static string Printable(string text) =>
        text.Length <= 20 && text.All(char.IsAsciiLetterOrDigit) ? text : "(other)";
}
