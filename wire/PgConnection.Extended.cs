using System.Buffers;
using System.Runtime.CompilerServices;
using Log.Wire.Protocol;
using Log.Wire.Protocol.Backend;
using Log.Wire.Types;
using Microsoft.Extensions.Logging;

namespace Log.Wire;

/// <summary>
/// The extended query protocol: the tables of prepared statements and portals (by name, the
/// unnamed ones under ""), Parse/Bind/Describe/Execute/Close answered as PostgreSQL's
/// postgres.c does, and the skip to Sync after an error.
/// </summary>
internal sealed partial class PgConnection
{
    private const short TextFormat = 0;
    private const short BinaryFormat = 1;
    private const string InvalidSqlStatementName = "26000";
    private const string InvalidCursorName = "34000";
    private const string DuplicatePreparedStatement = "42P05";
    private const string DuplicateCursor = "42P03";
    private const string InvalidParameterValue = "22023";
    private const string InvalidBinaryRepresentation = "22P03";
    private const string ProgramLimitExceeded = "54000";

    private readonly Dictionary<string, IPgPreparedStatement> connectionPreparedStatements = new(StringComparer.Ordinal);
    /// <summary>The prepared statements by name: the session's own table when it keeps one, so that its SQL PREPARE,
    /// EXECUTE and DEALLOCATE share one namespace with Parse, Bind and Close, as in PostgreSQL.</summary>
    private IDictionary<string, IPgPreparedStatement> PreparedStatements =>
        (session as IPgExtendedQuerySession)?.PreparedStatements ?? connectionPreparedStatements;

    private readonly Dictionary<string, PortalEntry> portals = new(StringComparer.Ordinal);

    /// <summary>An error was reported since the last Sync: the session rolls the implicit transaction back.</summary>
    private bool errorSinceSync;

    /// <summary>A portal and the result formats Bind asked for, one per column (null: no rows).</summary>
    private sealed record PortalEntry(IPgPortal Portal, short[]? ResultFormats);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Next> HandleExtendedMessageAsync(IPgExtendedQuerySession extended, FrontendMessage message, CancellationToken serverStopping)
    {
        int errorsBefore = responseWriter.ErrorCount;
        PgError? error;
        switch (message.Type)
        {
            case FrontendMessageType.Parse:
                error = await ParseAsync(extended, message.Body, serverStopping);
                break;
            case FrontendMessageType.Bind:
                error = await BindAsync(extended, message.Body, serverStopping);
                break;
            case FrontendMessageType.Describe:
                error = Describe(message.Body);
                break;
            case FrontendMessageType.Execute:
                error = await ExecuteAsync(extended, message.Body, serverStopping);
                break;
            default:
                error = await CloseAsync(message.Body);
                break;
        }
        await DiscardIfRequestedAsync(keptPortalName: null);
        if (error is not null)
        {
            responseWriter.Error(error);
        }
        if (protocolSynchronizationLost && !responseWriter.FatalErrorWritten)
        {
            responseWriter.Error(PgError.Fatal(PgSqlState.ProtocolViolation, "terminating connection because protocol synchronization was lost"));
        }
        if (responseWriter.ErrorCount != errorsBefore)
        {
            skipUntilSync = true;
            errorSinceSync = true;
        }
        if (responseWriter.FatalErrorWritten)
        {
            await responseWriter.FlushAsync(serverStopping);
            return Next.CloseAfterFatal;
        }
        return Next.Continue;
    }

    private async ValueTask<PgError?> ParseAsync(IPgExtendedQuerySession extended, ReadOnlySequence<byte> body, CancellationToken serverStopping)
    {
        ParseMessage? parse = ParseMessage.TryRead(body, out PgError? error);
        if (parse is null)
        {
            return error;
        }
        if (parse.StatementName.Length == 0)
        {
            PreparedStatements.Remove("");
        }
        else if (PreparedStatements.ContainsKey(parse.StatementName))
        {
            return PgError.Error(DuplicatePreparedStatement, $"prepared statement \"{parse.StatementName}\" already exists");
        }
        else if (PreparedStatements.Count >= options.MaxPreparedStatements)
        {
            return PgError.Error(ProgramLimitExceeded, $"too many prepared statements on this connection (the limit is {options.MaxPreparedStatements})");
        }

        IPgPreparedStatement statement;
        CancellationToken token = BeginQuery();
        try
        {
            statement = await extended.PrepareAsync(parse.QueryText, parse.ParameterTypeOids, token);
        }
        catch (Exception exception)
        {
            return SessionFailure(exception, token, serverStopping) ?? Rethrow(exception);
        }
        finally
        {
            EndQuery(serverStopping);
        }
        IReadOnlyList<int> types = statement.ParameterTypeOids;
        if (types.Count < parse.ParameterTypeOids.Length || types.Count > ushort.MaxValue || types.Contains(PgTypeOid.Unspecified))
        {
            logger.LogError("The session prepared {Count} parameter types for {Given} given, or left one unspecified, on connection {ProcessId}", types.Count, parse.ParameterTypeOids.Length, ProcessId);
            return PgError.Error(PgSqlState.InternalError, "internal error: could not determine the data types of the parameters");
        }
        PreparedStatements[parse.StatementName] = statement;
        foreach (PgError notice in statement.Notices)
        {
            BackendMessages.WriteNoticeResponse(output, notice);
        }
        BackendMessages.WriteParseComplete(output);
        return null;
    }

    private async ValueTask<PgError?> BindAsync(IPgExtendedQuerySession extended, ReadOnlySequence<byte> body, CancellationToken serverStopping)
    {
        BindMessage? bind = BindMessage.TryRead(body, out PgError? error, out string? statementName);
        if (statementName is not null && !PreparedStatements.ContainsKey(statementName))
        {
            // PostgreSQL looks the statement up before it reads the rest of the message.
            return StatementDoesNotExist(statementName);
        }
        if (bind is null)
        {
            return error;
        }
        if (!PreparedStatements.TryGetValue(bind.StatementName, out IPgPreparedStatement? statement))
        {
            return StatementDoesNotExist(bind.StatementName);
        }
        int parameterCount = bind.ParameterValues.Length;
        if (bind.ParameterFormats.Length > 1 && bind.ParameterFormats.Length != parameterCount)
        {
            return PgError.Error(PgSqlState.ProtocolViolation, $"bind message has {bind.ParameterFormats.Length} parameter formats but {parameterCount} parameters");
        }
        IReadOnlyList<int> parameterTypes = statement.ParameterTypeOids;
        if (parameterCount != parameterTypes.Count)
        {
            return PgError.Error(PgSqlState.ProtocolViolation, $"bind message supplies {parameterCount} parameters, but prepared statement \"{bind.StatementName}\" requires {parameterTypes.Count}");
        }
        IReadOnlyList<PgField>? resultFields = statement.ResultFields;
        int columnCount = resultFields?.Count ?? 0;
        if (bind.ResultFormats.Length > 1 && bind.ResultFormats.Length != columnCount)
        {
            return PgError.Error(PgSqlState.ProtocolViolation, $"bind message has {bind.ResultFormats.Length} result formats but query has {columnCount} columns");
        }
        foreach (short format in bind.ParameterFormats)
        {
            if (format is not (TextFormat or BinaryFormat))
            {
                return PgError.Error(InvalidParameterValue, $"unsupported format code: {format}");
            }
        }
        if (bind.PortalName.Length > 0 && portals.ContainsKey(bind.PortalName))
        {
            return PgError.Error(DuplicateCursor, $"cursor \"{bind.PortalName}\" already exists");
        }
        if (bind.PortalName.Length > 0 && portals.Count >= options.MaxPortals)
        {
            return PgError.Error(ProgramLimitExceeded, $"too many portals on this connection (the limit is {options.MaxPortals})");
        }

        PgTypeSettings settings = extended.TypeSettings;
        object?[] values = parameterCount == 0 ? [] : new object?[parameterCount];
        for (int i = 0; i < parameterCount; i++)
        {
            if (bind.ParameterValues[i] is not { } bytes)
            {
                continue;
            }
            if (bytes.Length > options.MaxMessageBytes)
            {
                return PgError.Error(PgSqlState.ProtocolViolation, "insufficient data left in message");
            }
            try
            {
                values[i] = DecodeParameter(bytes, BindMessage.FormatOf(bind.ParameterFormats, i), parameterTypes[i], settings);
            }
            catch (PgException exception)
            {
                return exception.Error.SqlState == InvalidBinaryRepresentation
                    ? PgError.Error(InvalidBinaryRepresentation, $"incorrect binary data format in bind parameter {i + 1}")
                    : exception.Error;
            }
        }
        // Values are decoded (copied): the buffer may go, as the session may take its time.
        if (bind.PortalName.Length == 0)
        {
            await DropPortalAsync("");
        }

        IPgPortal portal;
        CancellationToken token = BeginQuery();
        try
        {
            portal = await extended.BindAsync(statement, values, token);
        }
        catch (Exception exception)
        {
            return SessionFailure(exception, token, serverStopping) ?? Rethrow(exception);
        }
        finally
        {
            EndQuery(serverStopping);
        }
        short[]? formats = null;
        if (portal.ResultFields is { } portalFields)
        {
            formats = new short[portalFields.Count];
            for (int i = 0; i < formats.Length; i++)
            {
                formats[i] = bind.ResultFormats.Length == 0 ? TextFormat
                    : bind.ResultFormats.Length == 1 ? bind.ResultFormats[0]
                    : i < bind.ResultFormats.Length ? bind.ResultFormats[i] : TextFormat;
            }
        }
        portals[bind.PortalName] = new PortalEntry(portal, formats);
        BackendMessages.WriteBindComplete(output);
        return null;
    }

    private static object? DecodeParameter(ReadOnlySequence<byte> bytes, short format, int typeOid, PgTypeSettings settings)
    {
        if (format == BinaryFormat)
        {
            return bytes.IsSingleSegment ? PgTypes.DecodeBinary(bytes.FirstSpan, typeOid) : PgTypes.DecodeBinary(bytes.ToArray(), typeOid);
        }
        if (!PgText.TryDecode(bytes, out string text))
        {
            throw new PgException(PgError.Error(PgSqlState.CharacterNotInRepertoire, PgText.DescribeInvalidUtf8(bytes)));
        }
        return PgTypes.HasCodec(typeOid) ? PgTypes.DecodeText(text, typeOid, settings) : text;
    }

    private PgError? Describe(ReadOnlySequence<byte> body)
    {
        DescribeMessage? describe = DescribeMessage.TryRead(body, "DESCRIBE", out PgError? error);
        if (describe is null)
        {
            return error;
        }
        if (describe.Kind == DescribeMessage.Statement)
        {
            if (!PreparedStatements.TryGetValue(describe.Name, out IPgPreparedStatement? statement))
            {
                return StatementDoesNotExist(describe.Name);
            }
            BackendMessages.WriteParameterDescription(output, statement.ParameterTypeOids);
            WriteRowDescriptionOrNoData(statement.ResultFields, null);
            return null;
        }
        if (!portals.TryGetValue(describe.Name, out PortalEntry? entry))
        {
            return PortalDoesNotExist(describe.Name);
        }
        WriteRowDescriptionOrNoData(entry.Portal.ResultFields, entry.ResultFormats);
        return null;
    }

    /// <summary>PostgreSQL takes any result format code at Bind (and Describe shows it) and refuses unknown ones when it sends the rows.</summary>
    private static PgError? UnsupportedFormat(PortalEntry entry)
    {
        foreach (short format in entry.ResultFormats ?? [])
        {
            if (format is not (TextFormat or BinaryFormat))
            {
                return PgError.Error(InvalidParameterValue, $"unsupported format code: {format}");
            }
        }
        return null;
    }

    private void WriteRowDescriptionOrNoData(IReadOnlyList<PgField>? fields, short[]? formats)
    {
        if (fields is null)
        {
            BackendMessages.WriteNoData(output);
            return;
        }
        // A statement's description has no formats yet: PostgreSQL sends zeros.
        BackendMessages.WriteRowDescription(output, fields, formats ?? new short[fields.Count]);
    }

    private async ValueTask<PgError?> ExecuteAsync(IPgExtendedQuerySession extended, ReadOnlySequence<byte> body, CancellationToken serverStopping)
    {
        ExecuteMessage? execute = ExecuteMessage.TryRead(body, out PgError? error);
        if (execute is null)
        {
            return error;
        }
        if (!portals.TryGetValue(execute.PortalName, out PortalEntry? entry))
        {
            return PortalDoesNotExist(execute.PortalName);
        }
        if (UnsupportedFormat(entry) is { } unsupported)
        {
            return unsupported;
        }
        responseWriter.TypeSettings = extended.TypeSettings;
        responseWriter.BeginResult(entry.Portal.ResultFields, entry.ResultFormats);
        int errorsBefore = responseWriter.ErrorCount;
        // The body is parsed: give the buffer back if the portal may run COPY FROM STDIN. Otherwise the Sync behind it
        // is handled from this read, and answered with the rows in one send.
        if (entry.Portal.MayReadInput)
        {
            ReleaseInput();
        }
        PgExecuteResult result;
        CancellationToken token = BeginQuery();
        try
        {
            result = await entry.Portal.ExecuteAsync(execute.MaxRows, responseWriter, token);
        }
        catch (Exception exception)
        {
            return SessionFailure(exception, token, serverStopping) ?? Rethrow(exception);
        }
        finally
        {
            EndQuery(serverStopping);
        }
        // PostgreSQL's DISCARD ALL keeps the active portal: the one that ran it.
        await DiscardIfRequestedAsync(execute.PortalName);
        if (responseWriter.ErrorCount != errorsBefore)
        {
            return null;
        }
        if (execute.MaxRows > 0 && responseWriter.RowCount > execute.MaxRows)
        {
            logger.LogError("A portal wrote {Rows} rows for a limit of {Limit} on connection {ProcessId}", responseWriter.RowCount, execute.MaxRows, ProcessId);
            return PgError.Error(PgSqlState.InternalError, "internal error: the portal returned more rows than asked");
        }
        switch (result.Outcome)
        {
            case PgExecuteOutcome.Suspended:
                BackendMessages.WritePortalSuspended(output);
                break;
            case PgExecuteOutcome.EmptyQuery:
                BackendMessages.WriteEmptyQueryResponse(output);
                break;
            default:
                BackendMessages.WriteCommandComplete(output, result.CommandTag ?? "");
                break;
        }
        return null;
    }

    private async ValueTask<PgError?> CloseAsync(ReadOnlySequence<byte> body)
    {
        DescribeMessage? close = DescribeMessage.TryRead(body, "CLOSE", out PgError? error);
        if (close is null)
        {
            return error;
        }
        // Closing something that does not exist is not an error.
        if (close.Kind == DescribeMessage.Statement)
        {
            PreparedStatements.Remove(close.Name);
        }
        else
        {
            await DropPortalAsync(close.Name);
        }
        BackendMessages.WriteCloseComplete(output);
        return null;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Next> HandleSyncAsync(CancellationToken serverStopping)
    {
        skipUntilSync = false;
        bool failed = errorSinceSync;
        errorSinceSync = false;
        if (session is IPgExtendedQuerySession extended)
        {
            CancellationToken token = BeginQuery();
            try
            {
                await extended.SyncAsync(failed, responseWriter, token);
            }
            catch (Exception exception)
            {
                responseWriter.Error(SessionFailure(exception, token, serverStopping) ?? Rethrow(exception));
            }
            finally
            {
                EndQuery(serverStopping);
            }
            await DiscardIfRequestedAsync(keptPortalName: null);
            if (responseWriter.FatalErrorWritten)
            {
                await responseWriter.FlushAsync(serverStopping);
                return Next.CloseAfterFatal;
            }
        }
        return await ReadyForQueryAsync(serverStopping);
    }

    /// <summary>
    /// What to tell the client about a session call that threw, or null when the exception must
    /// end the connection (the client is gone, or the server is stopping).
    /// </summary>
    private PgError? SessionFailure(Exception exception, CancellationToken queryToken, CancellationToken serverStopping)
    {
        if (responseWriter.OutputBroken || serverStopping.IsCancellationRequested)
        {
            return null;
        }
        if (exception is PgException pgException)
        {
            return pgException.Error;
        }
        if (exception is OperationCanceledException && queryToken.IsCancellationRequested)
        {
            return PgError.Error(PgSqlState.QueryCanceled, "canceling statement due to user request");
        }
        if (IsConnectionBroken(exception))
        {
            return null;
        }
        logger.LogError(exception, "A session call failed with an exception on connection {ProcessId}", ProcessId);
        return PgError.Error(PgSqlState.InternalError, $"internal error: {exception.Message}");
    }

    private static PgError StatementDoesNotExist(string name) => name.Length == 0
        ? PgError.Error(InvalidSqlStatementName, "unnamed prepared statement does not exist")
        : PgError.Error(InvalidSqlStatementName, $"prepared statement \"{name}\" does not exist");

    private static PgError PortalDoesNotExist(string name) =>
        PgError.Error(InvalidCursorName, $"portal \"{name}\" does not exist");

    private async ValueTask DropUnnamedAsync()
    {
        PreparedStatements.Remove("");
        await DropPortalAsync("");
    }

    /// <summary>
    /// What the session's DISCARD ALL asked for (see <see cref="IPgResponseWriter.DiscardPreparedStatementsAndPortals"/>):
    /// PostgreSQL's DropAllPreparedStatements drops the named statements only, and PortalHashTableDeleteAll
    /// every portal but the active one.
    /// </summary>
    private async ValueTask DiscardIfRequestedAsync(string? keptPortalName)
    {
        if (!responseWriter.DiscardRequested)
        {
            return;
        }
        responseWriter.DiscardRequested = false;
        PreparedStatements.TryGetValue("", out IPgPreparedStatement? unnamed);
        PreparedStatements.Clear();
        if (unnamed is not null)
        {
            PreparedStatements[""] = unnamed;
        }
        PortalEntry? kept = null;
        if (keptPortalName is not null)
        {
            // Taken out first, so that it is not disposed with the others.
            portals.Remove(keptPortalName, out kept);
        }
        await DropPortalsAsync();
        if (kept is not null)
        {
            portals[keptPortalName!] = kept;
        }
    }

    private async ValueTask DropPortalAsync(string name)
    {
        if (portals.Remove(name, out PortalEntry? entry))
        {
            await DisposePortalAsync(entry.Portal);
        }
    }

    private async ValueTask DropPortalsAsync()
    {
        if (portals.Count == 1 && portals.Remove("", out PortalEntry? unnamed))
        {
            // The usual case at the end of a transaction (the unnamed portal alone): no copy of the table.
            await DisposePortalAsync(unnamed.Portal);
            return;
        }
        PortalEntry[] dropped = [.. portals.Values];
        portals.Clear();
        foreach (PortalEntry entry in dropped)
        {
            await DisposePortalAsync(entry.Portal);
        }
    }

    private async ValueTask DisposePortalAsync(IPgPortal portal)
    {
        try
        {
            await portal.DisposeAsync();
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Disposing a portal failed on connection {ProcessId}", ProcessId);
        }
    }

    /// <summary>Lets an exception that must end the connection (client gone, server stopping) go on, with its stack.</summary>
    private static PgError Rethrow(Exception exception)
    {
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception).Throw();
        return null!;
    }

    /// <summary>
    /// ParameterStatus for every reported setting that the session changed since it was last
    /// sent, just before ReadyForQuery, as PostgreSQL's ReportChangedGUCOptions does.
    /// </summary>
    private void ReportChangedParameters()
    {
        IReadOnlyDictionary<string, string> current;
        try
        {
            long? version = session!.ParameterStatusVersion;
            if (version is not null && version == reportedParametersVersion)
            {
                return;
            }
            current = session.ParameterStatus;
            reportedParametersVersion = version;
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Reading the session's parameters failed on connection {ProcessId}", ProcessId);
            return;
        }
        foreach ((string name, string value) in current)
        {
            if (!reportedParameters.TryGetValue(name, out string? reported) || !string.Equals(reported, value, StringComparison.Ordinal))
            {
                reportedParameters[name] = value;
                BackendMessages.WriteParameterStatus(output, name, value);
            }
        }
    }
}
