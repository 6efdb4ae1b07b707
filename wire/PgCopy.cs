namespace Log.Wire;

/// <summary>The overall format of a COPY (CopyInResponse / CopyOutResponse): text (COPY's text and CSV formats) or binary.</summary>
public enum PgCopyFormat : byte
{
    Text = 0,
    Binary = 1,
}

/// <summary>The client's side of COPY FROM STDIN, read message by message.</summary>
public interface IPgCopyIn
{
    /// <summary>
    /// The payload of the next CopyData (valid until the next call), or null once the client
    /// sent CopyDone. A CopyFail throws <see cref="PgException"/> 57014 "COPY from stdin failed: ...";
    /// any other message throws 08P01. Flush and Sync are ignored, as in PostgreSQL.
    /// CopyData rows may be split across messages in any way: the payloads are a byte stream.
    /// </summary>
    ValueTask<ReadOnlyMemory<byte>?> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>The server's side of COPY TO STDOUT.</summary>
public interface IPgCopyOut
{
    /// <summary>One CopyData message (by convention one row, with its line end).</summary>
    void CopyData(ReadOnlySpan<byte> data);

    /// <summary>CopyDone; then write CommandComplete.</summary>
    void Done();
}
