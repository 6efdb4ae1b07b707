using System.IO.Pipelines;
using Log.Wire.Protocol.Backend;

namespace Log.Wire;

/// <summary>
/// The connection's <see cref="IPgResponseWriter"/>: backend messages encoded straight into the
/// output pipe's memory, sent on flush. One per connection, reused for every query.
/// </summary>
internal sealed class PgResponseWriter(PipeWriter output) : IPgResponseWriter
{
    /// <summary>True once sending failed: the client is gone, and an exception seen after it is not the session's fault.</summary>
    public bool OutputBroken { get; private set; }

    /// <summary>True once a FATAL error was written: the connection must close after it.</summary>
    public bool FatalErrorWritten { get; private set; }

    public PipeWriter Output => output;

    public void RowDescription(IReadOnlyList<PgField> fields) => BackendMessages.WriteRowDescription(output, fields);

    public void DataRow(IReadOnlyList<string?> textValues) => BackendMessages.WriteDataRow(output, textValues);

    public void CommandComplete(string tag) => BackendMessages.WriteCommandComplete(output, tag);

    public void EmptyQueryResponse() => BackendMessages.WriteEmptyQueryResponse(output);

    public void Error(PgError error)
    {
        BackendMessages.WriteErrorResponse(output, error);
        FatalErrorWritten |= error.IsFatal;
    }

    public void Notice(PgError notice) => BackendMessages.WriteNoticeResponse(output, notice);

    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        ValueTask<FlushResult> flush;
        try
        {
            flush = output.FlushAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            OutputBroken = true;
            throw;
        }
        if (flush.IsCompletedSuccessfully)
        {
            _ = flush.Result;
            return default;
        }
        return AwaitFlushAsync(flush);
    }

    private async ValueTask AwaitFlushAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            await flush;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            OutputBroken = true;
            throw;
        }
    }
}
