namespace Log.Wire;

/// <summary>Carries a PostgreSQL error to the client (a refused connection, a failed statement).</summary>
public sealed class PgException(PgError error) : Exception(error.Message)
{
    public PgError Error { get; } = error;
}
