using System.Net;

namespace Log.QueryNode.Auth;

/// <summary>One login: the role named in the startup packet, the password message (a DSQL token when
/// authentication is on) and where the client connects from (null when not over IP).</summary>
public sealed record LoginAttempt(string Role, string? Password, IPAddress? ClientAddress)
{
    // Keeps the token out of logs.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Role = ").Append(Role).Append(", ClientAddress = ").Append(ClientAddress);
        return true;
    }
}

/// <summary>The login decision: accepted with the principal who signed in (null when authentication is off), or
/// refused with the SQLSTATE and message to send as FATAL (28P01 for a credential that does not prove who the client
/// is: bad signature, unknown key, expired; 28000 for one that does but is not good for this login: other endpoint,
/// region or action, role not mapped).</summary>
public sealed record LoginOutcome(bool Accepted, string? Principal, string? SqlState, string? Message)
{
    public static LoginOutcome Accept(string? principal) => new(true, principal, null, null);

    public static LoginOutcome Refuse(string sqlState, string message) => new(false, null, sqlState, message);
}

/// <summary>Decides whether a connection may log in. Called once per connection, before its session exists.</summary>
public interface ILoginAuthenticator
{
    ValueTask<LoginOutcome> AuthenticateAsync(LoginAttempt attempt, CancellationToken cancellationToken);
}

/// <summary>Authentication off (<c>--auth none</c>, loopback only): every login is accepted, as PostgreSQL's trust.</summary>
public sealed class TrustAuthenticator : ILoginAuthenticator
{
    public static readonly TrustAuthenticator Instance = new();

    public ValueTask<LoginOutcome> AuthenticateAsync(LoginAttempt attempt, CancellationToken cancellationToken) =>
        ValueTask.FromResult(LoginOutcome.Accept(null));
}
