namespace Log.Wire;

/// <summary>
/// Writes backend messages into the connection's output buffer. The calls are synchronous and
/// only buffer; nothing reaches the client until <see cref="FlushAsync"/> or until the server
/// writes ReadyForQuery. Not thread-safe: one session call at a time. Implemented by the server only.
/// </summary>
public interface IPgResponseWriter
{
    /// <summary>RowDescription (simple Query only: in the extended protocol Describe sends it). Its fields' types and FormatCodes are what <see cref="DataRow(IReadOnlyList{object})"/> encodes with.</summary>
    void RowDescription(IReadOnlyList<PgField> fields);

    /// <summary>
    /// A row in text; a null value is SQL NULL. When the client asked for binary for a column
    /// (Bind's result formats), the server converts that column's text with the type's codec.
    /// </summary>
    void DataRow(IReadOnlyList<string?> textValues);

    /// <summary>
    /// A row of CLR values (see <see cref="Types.PgTypes"/>; null or DBNull is SQL NULL), each
    /// encoded in the format the client asked for (text in a simple Query unless the field's
    /// FormatCode says otherwise; Bind's result formats in a portal), by the type OID of the
    /// current result's fields. Text uses the session's <see cref="Types.PgTypeSettings"/>.
    /// </summary>
    void DataRow(IReadOnlyList<object?> values);

    /// <summary>The command tag, for example "SELECT 3", "INSERT 0 1", "UPDATE 2", "BEGIN".</summary>
    void CommandComplete(string tag);

    void EmptyQueryResponse();

    /// <summary>ErrorResponse. In the extended protocol the server then skips to Sync.</summary>
    void Error(PgError error);

    /// <summary>NoticeResponse.</summary>
    void Notice(PgError notice);

    /// <summary>
    /// DISCARD ALL: the server owns the protocol's tables, so the session asks it to drop every
    /// named prepared statement and every portal but the one running, as PostgreSQL's DISCARD ALL
    /// does (the unnamed statement stays). Done when the current session call returns, so the
    /// running portal is not disposed under it; a driver may then Parse the same names again.
    /// The default does nothing, for writers that own no such tables (test doubles).
    /// </summary>
    void DiscardPreparedStatementsAndPortals()
    {
    }

    /// <summary>Sends what is buffered; sessions call it during big results.</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>
    /// COPY ... FROM STDIN: sends CopyInResponse and flushes, then returns the reader of the
    /// client's CopyData. Read it to the end (or until it throws) before writing anything else;
    /// then write CommandComplete ("COPY n") or an error as usual.
    /// </summary>
    ValueTask<IPgCopyIn> CopyInAsync(PgCopyFormat format, int columnCount, CancellationToken cancellationToken);

    /// <summary>
    /// COPY ... TO STDOUT: sends CopyOutResponse; write the rows with the returned writer and
    /// call its Done (CopyDone), then CommandComplete ("COPY n").
    /// </summary>
    IPgCopyOut CopyOut(PgCopyFormat format, int columnCount);
}
