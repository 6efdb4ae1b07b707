namespace Log.Wire;

/// <summary>
/// The fields of an ErrorResponse or NoticeResponse. Severity is "ERROR", "FATAL", "PANIC",
/// "WARNING", "NOTICE", "DEBUG", "INFO" or "LOG"; Position is 1-based, in characters of the query text.
/// </summary>
public sealed record PgError(
    string Severity,
    string SqlState,
    string Message,
    int? Position = null,
    string? Detail = null,
    string? Hint = null)
{
    public static PgError Fatal(string sqlState, string message) => new("FATAL", sqlState, message);

    public static PgError Error(string sqlState, string message) => new("ERROR", sqlState, message);

    internal bool IsFatal => Severity is "FATAL" or "PANIC";
}
