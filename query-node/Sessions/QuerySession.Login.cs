namespace Log.QueryNode.Sessions;

/// <summary>Who logged in: what the login decision (<see cref="Auth.ILoginAuthenticator"/>) accepted.</summary>
public sealed partial class QuerySession
{
    /// <summary>The principal of the access key that signed the login token (an ARN-like name); null when
    /// authentication is off. Role mappings are re-checked against it as they change.</summary>
    public string? Principal { get; internal set; }
}
