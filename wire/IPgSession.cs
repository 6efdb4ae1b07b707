namespace Log.Wire;

/// <summary>
/// One client connection's session, owned by the query node. The server calls it from that
/// connection's loop only, one call at a time, and disposes it when the connection ends.
/// </summary>
public interface IPgSession : IAsyncDisposable
{
    /// <summary>
    /// Session-specific ParameterStatus values sent after AuthenticationOk, merged over
    /// <see cref="PgServerOptions.ServerParameters"/> (and over session_authorization and
    /// application_name, which the server fills from the startup packet).
    /// </summary>
    IReadOnlyDictionary<string, string> ParameterStatus { get; }

    /// <summary>
    /// A number that changes whenever <see cref="ParameterStatus"/> may have changed, so the server compares the values
    /// only then (it reads it before every ReadyForQuery); null when the session does not keep one (compare every time).
    /// </summary>
    long? ParameterStatusVersion => null;

    /// <summary>
    /// Runs the text of a simple-protocol Query message, which may hold several statements
    /// (the session splits them) or none (the session then calls EmptyQueryResponse).
    /// Results go through <paramref name="writer"/>; on the first error the session writes
    /// ErrorResponse and stops. The server writes ReadyForQuery afterwards.
    /// A thrown <see cref="PgException"/> is sent as that error; any other exception is a bug and
    /// is sent as XX000.
    /// </summary>
    ValueTask ExecuteSimpleQueryAsync(string queryText, IPgResponseWriter writer, CancellationToken cancellationToken);

    /// <summary>Read after each query for ReadyForQuery.</summary>
    PgTransactionStatus TransactionStatus { get; }
}
