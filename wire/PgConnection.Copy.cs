using System.Buffers;
using System.IO.Pipelines;
using Log.Wire.Protocol;
using Log.Wire.Protocol.Backend;

namespace Log.Wire;

/// <summary>COPY FROM STDIN: CopyInResponse, then the client's CopyData until CopyDone or CopyFail.</summary>
internal sealed partial class PgConnection
{
    /// <summary>
    /// Set when a COPY FROM STDIN met a message it cannot place: PostgreSQL reports the ERROR,
    /// then ends the connection with FATAL 08P01, and so do we.
    /// </summary>
    private bool protocolSynchronizationLost;

    private async ValueTask<IPgCopyIn> BeginCopyInAsync(PgCopyFormat format, int columnCount, CancellationToken cancellationToken)
    {
        if (inputHeld)
        {
            throw new InvalidOperationException("COPY FROM STDIN can only run from a Query or an Execute");
        }
        BackendMessages.WriteCopyResponse(output, (byte)'G', format, columnCount);
        await responseWriter.FlushAsync(cancellationToken);
        return new CopyInReader(this);
    }

    private sealed class CopyInReader(PgConnection connection) : IPgCopyIn
    {
        private byte[] data = [];
        private bool done;

        public async ValueTask<ReadOnlyMemory<byte>?> ReadAsync(CancellationToken cancellationToken)
        {
            if (done)
            {
                return null;
            }
            PipeReader input = connection.input;
            while (true)
            {
                ReadResult result = await input.ReadAsync(cancellationToken);
                ReadOnlySequence<byte> buffer = result.Buffer;
                ReadOnlySequence<byte> unread = buffer;
                OperationStatus status = FrontendMessageFraming.TryReadMessage(ref unread, connection.options.MaxMessageBytes, out FrontendMessage message, out string? error);
                if (status == OperationStatus.InvalidData)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    done = true;
                    throw new PgException(PgError.Fatal(PgSqlState.ProtocolViolation, error!));
                }
                if (status == OperationStatus.NeedMoreData)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted)
                    {
                        done = true;
                        throw new IOException("the client closed the connection during COPY FROM STDIN");
                    }
                    continue;
                }
                try
                {
                    switch (message.Type)
                    {
                        case FrontendMessageType.CopyData:
                            int length = (int)message.Body.Length;
                            if (data.Length < length)
                            {
                                data = new byte[Math.Max(length, Math.Min(data.Length * 2, connection.options.MaxMessageBytes))];
                            }
                            message.Body.CopyTo(data);
                            return data.AsMemory(0, length);
                        case FrontendMessageType.CopyDone:
                            done = true;
                            return null;
                        case FrontendMessageType.CopyFail:
                            done = true;
                            string reason = QueryMessage.TryGetQueryText(message.Body, out ReadOnlySequence<byte> text, out _) ? PgText.DecodeLenient(text) : "";
                            throw new PgException(PgError.Error(PgSqlState.QueryCanceled, $"COPY from stdin failed: {reason}"));
                        case FrontendMessageType.Flush:
                        case FrontendMessageType.Sync:
                            continue;
                        default:
                            done = true;
                            connection.protocolSynchronizationLost = true;
                            throw new PgException(PgError.Error(PgSqlState.ProtocolViolation, $"unexpected message type 0x{message.Type:X2} during COPY from stdin"));
                    }
                }
                finally
                {
                    input.AdvanceTo(unread.Start);
                }
            }
        }
    }
}
