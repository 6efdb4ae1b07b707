using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Log.Wire.Protocol;
using Log.Wire.Protocol.Backend;
using Log.Wire.Types;

namespace Log.Wire;

/// <summary>
/// The connection's <see cref="IPgResponseWriter"/>: backend messages encoded straight into the
/// output pipe's memory, sent on flush. One per connection, reused for every query. It knows the
/// current result's fields and formats, so that rows are encoded the way the client asked.
/// </summary>
internal sealed class PgResponseWriter(PipeWriter output) : IPgResponseWriter
{
    private const short BinaryFormat = 1;

    private readonly ArrayBufferWriter<byte> rowBytes = new(256);
    private int[] columnLengths = new int[16];
    private IReadOnlyList<PgField>? resultFields;
    private short[]? resultFormats;
    private bool anyBinaryColumn;

    /// <summary>True once sending failed: the client is gone, and an exception seen after it is not the session's fault.</summary>
    public bool OutputBroken { get; private set; }

    /// <summary>True once a FATAL error was written: the connection must close after it.</summary>
    public bool FatalErrorWritten { get; private set; }

    /// <summary>ErrorResponses written so far: the extended protocol compares it around a session call.</summary>
    public int ErrorCount { get; private set; }

    /// <summary>DataRows written since the last <see cref="BeginResult"/>: Execute checks the row limit with it.</summary>
    public int RowCount { get; private set; }

    public PgTypeSettings TypeSettings { get; set; } = PgTypeSettings.Default;

    /// <summary>The session ran DISCARD ALL during the current call: the connection drops its statements and portals after it.</summary>
    public bool DiscardRequested { get; set; }

    /// <summary>Set by the connection: where COPY FROM STDIN reads the client's data.</summary>
    public Func<PgCopyFormat, int, CancellationToken, ValueTask<IPgCopyIn>>? CopyInSource { get; set; }

    public PipeWriter Output { get; set; } = output;

    /// <summary>Sets the fields and formats that the next rows are encoded with (formats null: each field's FormatCode).</summary>
    public void BeginResult(IReadOnlyList<PgField>? fields, short[]? formats)
    {
        resultFields = fields;
        resultFormats = formats;
        RowCount = 0;
        anyBinaryColumn = false;
        if (fields is not null)
        {
            for (int i = 0; i < fields.Count; i++)
            {
                anyBinaryColumn |= FormatOf(i) == BinaryFormat;
            }
        }
    }

    private short FormatOf(int column) =>
        resultFormats is not null ? BindMessage.FormatOf(resultFormats, column)
        : resultFields is not null && column < resultFields.Count ? resultFields[column].FormatCode
        : (short)0;

    private int TypeOidOf(int column) =>
        resultFields is not null && column < resultFields.Count ? resultFields[column].TypeOid : PgTypeOid.Unknown;

    public void RowDescription(IReadOnlyList<PgField> fields)
    {
        BackendMessages.WriteRowDescription(Output, fields);
        BeginResult(fields, null);
    }

    public void DataRow(IReadOnlyList<string?> textValues)
    {
        RowCount++;
        if (!anyBinaryColumn)
        {
            BackendMessages.WriteDataRow(Output, textValues);
            return;
        }
        // The client wants binary for some columns: read the session's text back with the type's codec.
        BeginRow(textValues.Count);
        for (int i = 0; i < textValues.Count; i++)
        {
            string? text = textValues[i];
            if (text is null)
            {
                columnLengths[i] = -1;
            }
            else if (FormatOf(i) == BinaryFormat)
            {
                columnLengths[i] = EncodeBinary(PgTypes.DecodeText(text, TypeOidOf(i), TypeSettings), TypeOidOf(i));
            }
            else
            {
                columnLengths[i] = EncodeText(text);
            }
        }
        BackendMessages.WriteDataRow(Output, rowBytes.WrittenSpan, columnLengths.AsSpan(0, textValues.Count));
    }

    public void DataRow(IReadOnlyList<object?> values)
    {
        RowCount++;
        BeginRow(values.Count);
        for (int i = 0; i < values.Count; i++)
        {
            object? value = values[i];
            if (value is null or DBNull)
            {
                columnLengths[i] = -1;
            }
            else if (FormatOf(i) == BinaryFormat)
            {
                columnLengths[i] = EncodeBinary(value, TypeOidOf(i));
            }
            else
            {
                columnLengths[i] = EncodeText(PgTypes.EncodeText(value, TypeOidOf(i), TypeSettings)!);
            }
        }
        BackendMessages.WriteDataRow(Output, rowBytes.WrittenSpan, columnLengths.AsSpan(0, values.Count));
    }

    private void BeginRow(int columnCount)
    {
        rowBytes.ResetWrittenCount();
        if (columnLengths.Length < columnCount)
        {
            columnLengths = new int[Math.Max(columnCount, columnLengths.Length * 2)];
        }
    }

    private int EncodeBinary(object value, int typeOid)
    {
        int before = rowBytes.WrittenCount;
        PgTypes.EncodeBinary(value, typeOid, rowBytes);
        return rowBytes.WrittenCount - before;
    }

    private int EncodeText(string text)
    {
        int count = Encoding.UTF8.GetByteCount(text);
        Encoding.UTF8.GetBytes(text, rowBytes.GetSpan(count));
        rowBytes.Advance(count);
        return count;
    }

    public void CommandComplete(string tag) => BackendMessages.WriteCommandComplete(Output, tag);

    public void EmptyQueryResponse() => BackendMessages.WriteEmptyQueryResponse(Output);

    public void Error(PgError error)
    {
        BackendMessages.WriteErrorResponse(Output, error);
        ErrorCount++;
        FatalErrorWritten |= error.IsFatal;
    }

    public void Notice(PgError notice) => BackendMessages.WriteNoticeResponse(Output, notice);

    public void DiscardPreparedStatementsAndPortals() => DiscardRequested = true;

    public ValueTask<IPgCopyIn> CopyInAsync(PgCopyFormat format, int columnCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(columnCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(columnCount, short.MaxValue);
        if (CopyInSource is null)
        {
            throw new InvalidOperationException("COPY FROM STDIN is not available here");
        }
        return CopyInSource(format, columnCount, cancellationToken);
    }

    public IPgCopyOut CopyOut(PgCopyFormat format, int columnCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(columnCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(columnCount, short.MaxValue);
        BackendMessages.WriteCopyResponse(Output, (byte)'H', format, columnCount);
        return new CopyOutWriter(this);
    }

    private sealed class CopyOutWriter(PgResponseWriter writer) : IPgCopyOut
    {
        private bool done;

        public void CopyData(ReadOnlySpan<byte> data)
        {
            ObjectDisposedException.ThrowIf(done, this);
            BackendMessages.WriteCopyData(writer.Output, data);
        }

        public void Done()
        {
            ObjectDisposedException.ThrowIf(done, this);
            done = true;
            BackendMessages.WriteCopyDone(writer.Output);
        }
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        ValueTask<FlushResult> flush;
        try
        {
            flush = Output.FlushAsync(cancellationToken);
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
