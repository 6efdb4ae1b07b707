using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Log.Wire.Protocol;
using Log.Wire.Protocol.Backend;
using Microsoft.Extensions.Logging;

namespace Log.Wire;

internal sealed partial class PgConnection
{
    private enum Next
    {
        Continue,
        /// <summary>Terminate, or the client left: close without ceremony.</summary>
        Close,
        /// <summary>A FATAL error was sent: close, letting the client read it.</summary>
        CloseAfterFatal,
    }

    /// <summary>After an error in an extended-query message, PostgreSQL drops everything until Sync.</summary>
    private bool skipUntilSync;

    /// <summary>The unread part of the input buffer while messages are handled from it.</summary>
    private ReadOnlySequence<byte> unread;

    /// <summary>True while <see cref="unread"/> belongs to us (between ReadAsync and AdvanceTo).</summary>
    private bool inputHeld;

    /// <summary>True when a handler gave the buffer back during the current read (see <see cref="ReleaseInput"/>).</summary>
    private bool inputReleasedDuringRead;

    /// <summary>Bytes of an over-long message still to drop (its header included), see <see cref="DiscardOversized"/>.</summary>
    private long oversizedBytesToDrop;

    /// <summary>The type and length of the over-long message being dropped, for the error sent once it is gone.</summary>
    private (byte Type, int Length) oversizedMessage;

    /// <summary>Returns true when the connection ends after a FATAL error.</summary>
    private async ValueTask<bool> RunMessageLoopAsync(CancellationToken serverStopping)
    {
        StartLifetime(serverStopping);
        while (true)
        {
            CancellationToken? readCancellation = NextReadCancellation(serverStopping);
            if (readCancellation is null)
            {
                await SendFatalAsync(LifetimeOverError(), serverStopping);
                return true;
            }
            ReadResult result;
            if (answeredSinceRead)
            {
                answeredSinceRead = false;
                WaitBrieflyForInput();
            }
            try
            {
                result = await input.ReadAsync(readCancellation.Value);
            }
            catch (OperationCanceledException) when (LifetimeOver && !serverStopping.IsCancellationRequested)
            {
                await SendFatalAsync(LifetimeOverError(), serverStopping);
                return true;
            }
            ReadOnlySequence<byte> buffer = result.Buffer;
            unread = buffer;
            inputHeld = true;
            Next next = Next.Continue;
            try
            {
                while (next == Next.Continue && inputHeld)
                {
                    if (oversizedBytesToDrop > 0)
                    {
                        if (!DiscardOversized())
                        {
                            break;
                        }
                        next = await AnswerOversizedAsync(serverStopping);
                        continue;
                    }
                    OperationStatus status = FrontendMessageFraming.TryReadMessage(ref unread, options.MaxMessageBytes, out FrontendMessage message, out string? error);
                    if (status == OperationStatus.NeedMoreData)
                    {
                        break;
                    }
                    if (status == OperationStatus.InvalidData
                        && FrontendMessageFraming.IsDiscardable(unread, options.MaxMessageBytes, options.DiscardableMessageBytesMax, out byte type, out int length))
                    {
                        oversizedMessage = (type, length);
                        oversizedBytesToDrop = 1L + length;
                        continue;
                    }
                    if (status == OperationStatus.InvalidData)
                    {
                        await SendFatalAsync(PgError.Fatal(PgSqlState.ProtocolViolation, error!), serverStopping);
                        next = Next.CloseAfterFatal;
                        break;
                    }
                    // The message body points into the input buffer, which stays ours until AdvanceTo
                    // below, unless a handler releases it (ReleaseInput) once it has copied what it needs.
                    next = await HandleMessageAsync(message, serverStopping);
                }
            }
            finally
            {
                if (inputHeld)
                {
                    inputHeld = false;
                    input.AdvanceTo(unread.Start, buffer.End);
                }
            }
            if (next != Next.Continue)
            {
                return next == Next.CloseAfterFatal;
            }
            if (inputReleasedDuringRead)
            {
                // A handler gave the buffer back (and may have read more): read again, the rest may hold pipelined messages.
                inputReleasedDuringRead = false;
                answeredSinceRead = true;
                continue;
            }
            if (result.IsCompleted)
            {
                if (!unread.IsEmpty)
                {
                    logger.LogDebug("Connection {ProcessId} closed in the middle of a message", ProcessId);
                }
                return false;
            }
            // Everything read is handled (or is the start of a message): the next read needs the client's next bytes.
            answeredSinceRead = true;
        }
    }

    /// <summary>Waits in a row that saw nothing within the window (see <see cref="PgServerOptions.InputPollMissesMax"/>).</summary>
    private int pollMissesInARow;

    /// <summary>Reads since the connection stopped waiting before each, for the one in InputPollProbeReads that waits.</summary>
    private int readsWithoutPoll;

    /// <summary>Set after a read whose messages were handled (or whose handler gave the buffer back): the client may be
    /// about to send its next one.</summary>
    private bool answeredSinceRead;

    /// <summary>
    /// Waits up to <see cref="PgServerOptions.InputPollWindow"/> in poll() for the client's next bytes, on this worker,
    /// so that a client that answers at once is read by the thread it wakes (the read that follows completes without
    /// waiting) rather than by a thread-pool work item the socket engine queues. Only on a plain socket (TLS may hold
    /// decrypted bytes the socket no longer shows) and only for a few connections at a time; any doubt (a socket error,
    /// nothing within the window) leaves it to the asynchronous read, which reports what there is to report.
    /// </summary>
    private void WaitBrieflyForInput()
    {
        if (options.InputPollWindow <= TimeSpan.Zero || !ReferenceEquals(stream, networkStream))
        {
            return;
        }
        if (input.TryRead(out ReadResult buffered))
        {
            // Bytes not yet looked at (pipelined behind a message whose handler gave the buffer back): no wait.
            input.AdvanceTo(buffered.Buffer.Start);
            return;
        }
        if (pollMissesInARow >= options.InputPollMissesMax && ++readsWithoutPoll % Math.Max(1, options.InputPollProbeReads) != 0)
        {
            // This client has not answered within the window lately (a slow client, or a loaded machine where the wait
            // only adds a wake-up): read asynchronously, and try the wait again now and then.
            return;
        }
        if (Interlocked.Increment(ref PgServer.pollingConnections) <= options.InputPollingConnectionsMax)
        {
            try
            {
                bool arrived = socket.Poll(options.InputPollWindow, System.Net.Sockets.SelectMode.SelectRead);
                pollMissesInARow = arrived ? 0 : pollMissesInARow + 1;
                PgServerMetrics.InputPolls.Add(1, new KeyValuePair<string, object?>("outcome", arrived ? "arrived" : "missed"));
            }
            catch (Exception exception) when (IsConnectionBroken(exception))
            {
                // The read reports it.
            }
        }
        Interlocked.Decrement(ref PgServer.pollingConnections);
    }

    /// <summary>Drops what has arrived of an over-long message; true once all of it is gone.</summary>
    private bool DiscardOversized()
    {
        long dropped = Math.Min(oversizedBytesToDrop, unread.Length);
        unread = unread.Slice(dropped);
        oversizedBytesToDrop -= dropped;
        return oversizedBytesToDrop == 0;
    }

    /// <summary>
    /// The over-long message is gone and the stream is in step again: PostgreSQL would close the connection without a
    /// word (it only logs "invalid message length"), which leaves the client guessing; we say why and go on, as after
    /// any failed message of its kind.
    /// </summary>
    private async ValueTask<Next> AnswerOversizedAsync(CancellationToken serverStopping)
    {
        (byte type, int length) = oversizedMessage;
        if (skipUntilSync || type is FrontendMessageType.CopyData or FrontendMessageType.CopyDone or FrontendMessageType.CopyFail)
        {
            // Dropped anyway: after an extended-query error until Sync, and copy messages outside COPY.
            return Next.Continue;
        }
        BackendMessages.WriteErrorResponse(output, PgError.Error(ProgramLimitExceeded, "invalid message length") with
        {
            Detail = $"The message of type {FrontendMessageType.Display(type)} is {length} bytes long; the server accepts at most {options.MaxMessageBytes} bytes.",
        });
        if (type is FrontendMessageType.Query or FrontendMessageType.FunctionCall)
        {
            return await ReadyForQueryAsync(serverStopping);
        }
        skipUntilSync = true;
        return Next.Continue;
    }

    /// <summary>
    /// Gives the input buffer back before a session call that may read more input (COPY FROM
    /// STDIN). The current message's body must not be used afterwards.
    /// </summary>
    private void ReleaseInput()
    {
        if (inputHeld)
        {
            inputHeld = false;
            inputReleasedDuringRead = true;
            input.AdvanceTo(unread.Start);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Next> HandleMessageAsync(FrontendMessage message, CancellationToken serverStopping)
    {
        switch (message.Type)
        {
            case FrontendMessageType.Terminate:
                return Next.Close;

            case FrontendMessageType.Sync:
                return await HandleSyncAsync(serverStopping);

            case FrontendMessageType.Flush:
                await responseWriter.FlushAsync(serverStopping);
                return Next.Continue;
        }
        if (skipUntilSync)
        {
            return Next.Continue;
        }
        switch (message.Type)
        {
            case FrontendMessageType.Query:
                return await HandleQueryAsync(message.Body, serverStopping);

            case FrontendMessageType.Parse:
            case FrontendMessageType.Bind:
            case FrontendMessageType.Describe:
            case FrontendMessageType.Execute:
            case FrontendMessageType.Close:
                if (session is not IPgExtendedQuerySession extendedSession)
                {
                    BackendMessages.WriteErrorResponse(output, PgError.Error(PgSqlState.FeatureNotSupported, "extended query protocol is not supported yet"));
                    skipUntilSync = true;
                    return Next.Continue;
                }
                return await HandleExtendedMessageAsync(extendedSession, message, serverStopping);

            case FrontendMessageType.FunctionCall:
                BackendMessages.WriteErrorResponse(output, PgError.Error(PgSqlState.FeatureNotSupported, "function call protocol is not supported"));
                return await ReadyForQueryAsync(serverStopping);

            case FrontendMessageType.CopyData:
            case FrontendMessageType.CopyDone:
            case FrontendMessageType.CopyFail:
                // Outside COPY these are ignored, as the protocol says (they may trail a failed COPY).
                return Next.Continue;

            default:
                await SendFatalAsync(PgError.Fatal(PgSqlState.ProtocolViolation, $"unexpected message type {FrontendMessageType.Display(message.Type)} after startup"), serverStopping);
                return Next.CloseAfterFatal;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Next> HandleQueryAsync(ReadOnlySequence<byte> body, CancellationToken serverStopping)
    {
        // A bad body inside a well-framed message is an ERROR, not a FATAL, as in PostgreSQL:
        // the next message can still be found.
        if (!QueryMessage.TryGetQueryText(body, out ReadOnlySequence<byte> textBytes, out string? layoutError))
        {
            responseWriter.Error(PgError.Error(PgSqlState.ProtocolViolation, layoutError!));
            return await ReadyForQueryAsync(serverStopping);
        }
        if (!PgText.TryDecode(textBytes, out string queryText))
        {
            responseWriter.Error(PgError.Error(PgSqlState.CharacterNotInRepertoire, PgText.DescribeInvalidUtf8(textBytes)));
            return await ReadyForQueryAsync(serverStopping);
        }

        // As PostgreSQL's exec_simple_query: the unnamed statement and portal do not survive a Query.
        await DropUnnamedAsync();
        if (session is IPgExtendedQuerySession extended)
        {
            responseWriter.TypeSettings = extended.TypeSettings;
        }
        responseWriter.BeginResult(null, null);
        // The text is decoded: give the buffer back, the session may run COPY FROM STDIN.
        ReleaseInput();
        CancellationToken queryCancellationToken = BeginQuery();
        try
        {
            await session!.ExecuteSimpleQueryAsync(queryText, responseWriter, queryCancellationToken);
        }
        catch (PgException exception) when (!responseWriter.OutputBroken)
        {
            responseWriter.Error(exception.Error);
        }
        catch (OperationCanceledException) when (queryCancellationToken.IsCancellationRequested && !serverStopping.IsCancellationRequested)
        {
            responseWriter.Error(PgError.Error(PgSqlState.QueryCanceled, "canceling statement due to user request"));
        }
        catch (Exception exception) when (!responseWriter.OutputBroken && !serverStopping.IsCancellationRequested)
        {
            // A bug in the session: tell this client, keep the connection (the protocol state is
            // intact: whatever the session wrote is followed by an error, which clients accept).
            logger.LogError(exception, "Query failed with an exception on connection {ProcessId}", ProcessId);
            responseWriter.Error(PgError.Error(PgSqlState.InternalError, $"internal error: {exception.Message}"));
        }
        finally
        {
            EndQuery(serverStopping);
        }
        await DiscardIfRequestedAsync(keptPortalName: null);

        if (protocolSynchronizationLost && !responseWriter.FatalErrorWritten)
        {
            responseWriter.Error(PgError.Fatal(PgSqlState.ProtocolViolation, "terminating connection because protocol synchronization was lost"));
        }
        if (responseWriter.FatalErrorWritten)
        {
            await responseWriter.FlushAsync(serverStopping);
            return Next.CloseAfterFatal;
        }
        return await ReadyForQueryAsync(serverStopping);
    }

    private async ValueTask<Next> ReadyForQueryAsync(CancellationToken serverStopping)
    {
        PgTransactionStatus status;
        try
        {
            status = session!.TransactionStatus;
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Reading the transaction status failed on connection {ProcessId}", ProcessId);
            status = PgTransactionStatus.Failed;
        }
        if (status == PgTransactionStatus.Idle && portals.Count > 0)
        {
            // Portals live until the end of their transaction; none is open now.
            await DropPortalsAsync();
        }
        ReportChangedParameters();
        BackendMessages.WriteReadyForQuery(output, status);
        await responseWriter.FlushAsync(serverStopping);
        return Next.Continue;
    }
}
