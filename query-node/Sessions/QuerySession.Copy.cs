using System.Globalization;
using System.Text;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql;
using Log.QueryNode.Sql.Parser.Ast;
using Log.Wire;
using Log.Wire.Types;

namespace Log.QueryNode.Sessions;

public sealed partial class QuerySession
{
    /// <summary>COPY FROM STDIN / TO STDOUT in text, CSV or binary format. Rows go in through INSERT's path (types, constraints,
    /// the transaction's 3,000-row and 10 MiB limits), inside the current transaction, unless log.copy_batch_rows is
    /// set: then the rows are committed in batches (see <see cref="CopyBatch"/>). Rows come out with the same output
    /// functions as a query's text results.</summary>
    private async ValueTask<StatementResult> RunCopyAsync(ParsedStatement statement, CopyStmt copy, IPgResponseWriter writer,
        CancellationToken cancellationToken)
    {
        var format = CopyFormat.From(copy.Options);
        var store = transaction!;
        if (!copy.IsFrom)
        {
            var result = await engine.ExecuteCopyQueryAsync(statement, store, settings.DateTimeSettings, cancellationToken, Environment);
            var columns = result.Columns!;
            if (format.IsBinary) return CopyOutBinary(result, writer);
            var output = writer.CopyOut(PgCopyFormat.Text, columns.Count);
            var line = new StringBuilder();
            if (format.Header)
            {
                format.WriteRow(line, columns.Select(column => (string?)column.Name).ToArray());
                output.CopyData(Encoding.UTF8.GetBytes(line.ToString()));
            }
            var texts = new string?[columns.Count];
            foreach (var row in result.Rows)
            {
                for (var index = 0; index < texts.Length; index++)
                {
                    texts[index] = PgTypes.EncodeText(row[index], columns[index].TypeOid, settings.TypeSettings);
                }
                line.Clear();
                format.WriteRow(line, texts);
                output.CopyData(Encoding.UTF8.GetBytes(line.ToString()));
            }
            output.Done();
            return new StatementResult(null, null, "COPY " + result.Rows.Count.ToString(CultureInfo.InvariantCulture));
        }

        var target = await engine.BindCopyTargetAsync(statement, store, cancellationToken, Environment);
        var input = await writer.CopyInAsync(format.IsBinary ? PgCopyFormat.Binary : PgCopyFormat.Text, target.ColumnNames.Count, cancellationToken);
        ICopyRowReader reader = format.IsBinary ? new CopyBinary.Reader(target.ColumnTypeOids, settings.TypeSettings) : new CopyRowReader(format);
        var batch = new CopyBatch(settings.CopyBatchRows, limits);
        long count = 0;
        var clientDone = false;
        try
        {
            while (!reader.Ended)
            {
                ReadOnlyMemory<byte>? next;
                try
                {
                    next = await input.ReadAsync(cancellationToken);
                }
                catch (PgException exception)
                {
                    // CopyFail (57014) or a protocol error ends the stream; it becomes the statement's error, so the
                    // transaction is rolled back as after any failed statement.
                    clientDone = true;
                    throw new SqlException(exception.Error.SqlState, exception.Error.Message, null, exception.Error.Detail, exception.Error.Hint);
                }
                if (next is not { } data)
                {
                    clientDone = true;
                    break;
                }
                // One CopyData may be as large as a message may be: hand it over in slices, taking the rows out after
                // each, so the reader never holds more than one unfinished row and a slice.
                while (!data.IsEmpty && !reader.Ended)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var take = Math.Min(data.Length, CopyLimits.AppendChunkBytes);
                    reader.Append(data.Span[..take]);
                    data = data[take..];
                    count += await InsertRowsAsync(reader, target, batch, cancellationToken);
                }
            }
            reader.Finish();
            count += await InsertRowsAsync(reader, target, batch, cancellationToken);
        }
        catch (SqlException) when (!clientDone)
        {
            // PostgreSQL ignores the rest of the client's data after an error, up to CopyDone or CopyFail.
            await DrainAsync(input, cancellationToken);
            throw;
        }
        if (!clientDone)
        {
            // After the end marker (\.) the client still sends CopyDone.
            await DrainAsync(input, cancellationToken);
        }
        return new StatementResult(null, null, "COPY " + count.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>COPY ... TO STDOUT (FORMAT binary): the header, one CopyData per row in the types' send formats, the trailer.</summary>
    private static StatementResult CopyOutBinary(StatementResult result, IPgResponseWriter writer)
    {
        var columns = result.Columns!;
        var typeOids = columns.Select(column => column.TypeOid).ToArray();
        var output = writer.CopyOut(PgCopyFormat.Binary, columns.Count);
        output.CopyData(CopyBinary.Header());
        var row = new System.Buffers.ArrayBufferWriter<byte>();
        foreach (var values in result.Rows)
        {
            row.Clear();
            CopyBinary.WriteRow(row, values, typeOids);
            output.CopyData(row.WrittenSpan);
        }
        output.CopyData(CopyBinary.Trailer());
        output.Done();
        return new StatementResult(null, null, "COPY " + result.Rows.Count.ToString(CultureInfo.InvariantCulture));
    }

    private async ValueTask<long> InsertRowsAsync(ICopyRowReader reader, CopyTarget target, CopyBatch batch,
        CancellationToken cancellationToken)
    {
        long count = 0;
        try
        {
            while (reader.TryReadRow(out var fields))
            {
                if (batch.IsFull(transaction!))
                {
                    await CommitCopyBatchAsync(cancellationToken);
                    batch.Committed();
                }
                var store = transaction!;
                int keysBefore = store.ModifiedKeyCount;
                long bytesBefore = store.ModifiedBytes;
                await engine.InsertCopyRowAsync(target, fields, store, settings.DateTimeSettings, cancellationToken);
                batch.Added(store.ModifiedKeyCount - keysBefore, store.ModifiedBytes - bytesBefore);
                count++;
            }
        }
        catch (SqlException exception)
        {
            throw new SqlException(exception.SqlState, exception.Message, null,
                exception.Detail ?? $"COPY line {reader.LineNumber.ToString(CultureInfo.InvariantCulture)}", exception.Hint);
        }
        return count;
    }

    /// <summary>Commits the rows so far (with whatever the transaction wrote before the COPY) and goes on in a new
    /// transaction with a fresh snapshot, inside the same transaction block if there is one: its COMMIT or ROLLBACK then
    /// covers only what follows.</summary>
    private async ValueTask CommitCopyBatchAsync(CancellationToken cancellationToken)
    {
        var committing = transaction!;
        transaction = null;
        await CommitAsync(committing, cancellationToken);
        transaction = await BeginAsync(cancellationToken);
    }

    /// <summary>
    /// log.copy_batch_rows: a bulk load larger than one transaction may hold (DSQL's 3,000 rows and 10 MiB) is committed
    /// in batches of at most that many rows, each a transaction of its own. A batch also ends before a row would take
    /// the transaction past its limits, judged by what the previous row wrote (the row and its index entries), so a
    /// setting above the limits still loads. Off (0) by default, because it gives up COPY's atomicity: after an error,
    /// the batches before it stay committed.
    /// </summary>
    private sealed class CopyBatch(int rowsMax, TransactionLimits limits)
    {
        private int rows;
        private int lastRowKeys;
        private long lastRowBytes;

        public bool IsFull(Transaction store) =>
            rowsMax > 0 && rows > 0
            && (rows >= rowsMax
                || store.ModifiedKeyCount + lastRowKeys > limits.MaxModifiedKeys
                || store.ModifiedBytes + lastRowBytes > limits.MaxModifiedBytes);

        public void Added(int keys, long bytes)
        {
            rows++;
            lastRowKeys = keys;
            lastRowBytes = bytes;
        }

        public void Committed() => rows = 0;
    }

    private static async ValueTask DrainAsync(IPgCopyIn input, CancellationToken cancellationToken)
    {
        try
        {
            while (await input.ReadAsync(cancellationToken) is not null)
            {
            }
        }
        catch (PgException)
        {
            // CopyFail after our error: the error already reported wins.
        }
    }
}
