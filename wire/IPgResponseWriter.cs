namespace Log.Wire;

/// <summary>
/// Writes backend messages into the connection's output buffer. The calls are synchronous and
/// only buffer; nothing reaches the client until <see cref="FlushAsync"/> or until the server
/// writes ReadyForQuery. Not thread-safe: one session call at a time.
/// </summary>
public interface IPgResponseWriter
{
    void RowDescription(IReadOnlyList<PgField> fields);

    /// <summary>A row in text format; a null value is SQL NULL.</summary>
    void DataRow(IReadOnlyList<string?> textValues);

    /// <summary>The command tag, for example "SELECT 3", "INSERT 0 1", "UPDATE 2", "BEGIN".</summary>
    void CommandComplete(string tag);

    void EmptyQueryResponse();

    /// <summary>ErrorResponse.</summary>
    void Error(PgError error);

    /// <summary>NoticeResponse.</summary>
    void Notice(PgError notice);

    /// <summary>Sends what is buffered; sessions call it during big results.</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);
}
