using System.Text;

namespace Log.Wire;

/// <summary>
/// What the client sent in its StartupMessage. Database defaults to User, as in PostgreSQL.
/// ProcessId and SecretKey are what the server sends in BackendKeyData (and what a
/// CancelRequest must present).
/// </summary>
public sealed record PgStartup(
    string User,
    string Database,
    IReadOnlyDictionary<string, string> Parameters,
    int ProcessId,
    int SecretKey)
{
    /// <summary>The PasswordMessage, when the server asked for one; otherwise null.</summary>
    public string? Password { get; init; }

    /// <summary>The server's end of the connection (inet_server_addr, inet_server_port); null for a connection that is
    /// not over IP.</summary>
    public System.Net.IPEndPoint? ServerEndPoint { get; init; }

    /// <summary>The client's end of the connection (inet_client_addr; what failed logins are counted by); null for a
    /// connection that is not over IP.</summary>
    public System.Net.IPEndPoint? ClientEndPoint { get; init; }

    // Keeps the password and the secret key out of logs.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("User = ").Append(User)
            .Append(", Database = ").Append(Database)
            .Append(", ProcessId = ").Append(ProcessId)
            .Append(", Parameters = ").Append(Parameters.Count);
        return true;
    }
}
