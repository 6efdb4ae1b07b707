using Log.Adjudicator;
using Log.Journal.Time;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql;
using Log.QueryNode.Sql.Parser.Ast;
using Log.StorageNode;
using Log.Wire;
using Log.Wire.Types;
using Microsoft.Extensions.Logging;

namespace Log.QueryNode.Sessions;

/// <summary>
/// One client connection's session: its settings, its transaction, and the simple and extended query protocols.
/// Follows PostgreSQL's rules: the statements of a Query message, or the messages up to a Sync, run in one implicit
/// transaction unless BEGIN was sent; the first error ends the message (or skips to Sync) and rolls the implicit
/// transaction back; inside an explicit transaction an error leaves it failed (25P02) until ROLLBACK. The snapshot is
/// taken at BEGIN (or when the implicit transaction first needs one), as in DSQL. SET is undone when its transaction
/// rolls back, as in PostgreSQL. Split by concern: this file (state, simple protocol, running a statement),
/// .Extended (Parse/Bind/Execute/Sync), .Settings (SET/SHOW/DISCARD), .Copy (COPY FROM STDIN / TO STDOUT).
/// </summary>
public sealed partial class QuerySession : IPgExtendedQuerySession
{
    private const string ConflictMessage = Transaction.DataConflictMessage;
    private const string SchemaConflictMessage = "schema has been updated by another transaction, please retry: (OC001)";

    private readonly SqlEngine engine;
    private readonly IAdjudicator adjudicator;
    private readonly IStorageReader storage;
    private readonly HybridClock clock;
    private readonly ISnapshotSource snapshots;

    /// <summary>The session's last commit was refused as a conflict: its next snapshot (the retry's, usually) is taken
    /// to hold the commit that refused it.</summary>
    private bool lastCommitConflicted;

    /// <summary>A key whose conflict ended the session's last transaction: the next BEGIN reserves it before its
    /// snapshot (<see cref="LocalWriters"/>).</summary>
    private byte[]? retryReservationKey;

    /// <summary>The node's registry of first writers its sessions' transactions share (see
    /// <see cref="Execution.LocalWriters"/>); null: this session's transactions neither wait for nor hold keys.</summary>
    public Execution.LocalWriters? LocalWriters { get; init; }

    private readonly TransactionLimits limits;
    private readonly ILogger logger;
    private readonly SessionSettings settings;

    private Transaction? transaction;
    private bool explicitTransaction;
    private bool failed;

    /// <summary>The engine's catalog version when the transaction began (see <see cref="SqlEngine.CatalogVersion"/>).</summary>
    private long transactionCatalogVersion;

    /// <summary>Whether the transaction ran DDL, so its commit must invalidate cached plans.</summary>
    private bool transactionChangesCatalog;

    /// <summary>The settings when the current transaction (implicit or explicit) began, put back if it rolls back; null
    /// when no transaction is open.</summary>
    private IReadOnlyDictionary<string, string>? settingsAtTransactionStart;

    public QuerySession(PgStartup startup, SqlEngine engine, IAdjudicator adjudicator, IStorageReader storage,
        HybridClock clock, TransactionLimits limits, ILogger logger, ISnapshotSource? snapshots = null)
    {
        this.engine = engine;
        this.adjudicator = adjudicator;
        this.storage = storage;
        this.clock = clock;
        this.snapshots = snapshots ?? new AdjudicatorFenceSnapshotSource(adjudicator, clock);
        this.limits = limits;
        this.logger = logger;
        settings = new SessionSettings(startup.User, startup.Parameters);
        startupIdentity = (startup.Database, startup.ProcessId, startup.ServerEndPoint);
        clientEndPoint = startup.ClientEndPoint;
        RefreshActivityNames();
    }

    public IReadOnlyDictionary<string, string> ParameterStatus => settings.Reported;

    public long? ParameterStatusVersion => settings.ReportedVersion;

    public PgTypeSettings TypeSettings => settings.TypeSettings;

    /// <summary>The session's settings (SET/SHOW), exposed for tests.</summary>
    internal SessionSettings Settings => settings;

    public PgTransactionStatus TransactionStatus =>
        failed ? PgTransactionStatus.Failed
        : explicitTransaction ? PgTransactionStatus.InTransaction
        : PgTransactionStatus.Idle;

    public async ValueTask ExecuteSimpleQueryAsync(string queryText, IPgResponseWriter writer, CancellationToken cancellationToken)
    {
        BeginActivity(queryText);
        simpleQueryText = queryText;
        try
        {
            await ExecuteSimpleQueryTextAsync(queryText, writer, cancellationToken);
        }
        finally
        {
            simpleQueryText = null;
            EndActivity();
        }
    }

    private async ValueTask ExecuteSimpleQueryTextAsync(string queryText, IPgResponseWriter writer, CancellationToken cancellationToken)
    {
        IReadOnlyList<ParsedStatement> statements;
        // An INSERT or SELECT of a shape seen before runs its prepared plan with its literals as the values (StatementShapes).
        ShapeMatch shape;
        try
        {
            shape = await MatchShapeAsync(queryText, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            AbortAfterError();
            throw;
        }
        if (shape.Statement is not null)
        {
            statements = [shape.Statement];
        }
        else
        {
            var parseNotices = new List<string>();
            try
            {
                statements = engine.Parse(queryText, parseNotices);
            }
            catch (SqlException exception)
            {
                WriteParseNotices(writer, parseNotices);
                writer.Error(ToPgError(exception));
                AbortAfterError();
                return;
            }
            WriteParseNotices(writer, parseNotices);
            if (shape.IsNew) shapes.Add(statements);
        }
        if (statements.Count == 0)
        {
            writer.EmptyQueryResponse();
            return;
        }

        for (var index = 0; index < statements.Count; index++)
        {
            var statement = statements[index];
            var isLast = index == statements.Count - 1;
            try
            {
                using var streamCancellation = RowStreamReader.NewCancellation();
                var result = await RunWithTimeoutAsync(statement, shape.Values, null, writer, streamCancellation, cancellationToken, shape.Plan);
                var tag = result.CommandTag;
                if (result.Columns is { } columns)
                {
                    writer.RowDescription(ToFields(columns, result.BinaryRows));
                    if (result.RowStream is not null)
                    {
                        // Rows reach the client as they are computed; an error on the way follows the rows before it.
                        await using var reader = RowStreamReader.Open(result, streamCancellation);
                        await reader.ReadAsync(0, writer, settings.StatementTimeout, cancellationToken);
                        tag = "SELECT " + reader.RowsRead.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }
                    else
                    {
                        foreach (var row in result.Rows)
                        {
                            WriteRow(writer, columns, row);
                        }
                    }
                }
                // PostgreSQL commits an implicit transaction before it reports the last statement complete, so a
                // refused commit reaches the client as the statement's error.
                if (isLast && !explicitTransaction)
                {
                    await EndImplicitTransactionAsync(cancellationToken);
                }
                writer.CommandComplete(tag);
            }
            catch (SqlException exception)
            {
                writer.Error(ToPgError(exception));
                AbortAfterError();
                return;
            }
            catch (StorageUnavailableException exception)
            {
                writer.Error(new PgError("ERROR", exception.SqlState, exception.Message));
                AbortAfterError();
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The server reports the cancel (57014); the statement failed all the same.
                AbortAfterError();
                throw;
            }
        }
    }

    /// <summary>The parse's notices go out before any statement runs, as PostgreSQL's scanner sends them.</summary>
    private static void WriteParseNotices(IPgResponseWriter writer, List<string> notices)
    {
        foreach (var notice in notices)
        {
            writer.Notice(new PgError("NOTICE", SqlState.NameTooLong, notice));
        }
    }

    /// <summary>Runs one statement under statement_timeout: past it, the statement fails with 57014 as in PostgreSQL.
    /// With <paramref name="streamCancellation"/>, a SELECT returns its rows as a stream that runs under that source's
    /// token (the reader of the stream applies the timeout to each read); other statements complete here.</summary>
    private async ValueTask<StatementResult> RunWithTimeoutAsync(ParsedStatement statement, IReadOnlyList<object?>? parameters,
        IReadOnlyList<int>? parameterTypeOids, IPgResponseWriter? writer, CancellationTokenSource streamCancellation, CancellationToken cancellationToken,
        CachedPlan? plan = null)
    {
        using var link = cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), streamCancellation);
        TimeSpan? timeout = settings.StatementTimeout;
        if (timeout is not null)
        {
            streamCancellation.CancelAfter(timeout.Value);
        }
        try
        {
            return await RunAsync(statement, parameters, parameterTypeOids, writer, streamRows: true, streamCancellation.Token, plan);
        }
        catch (OperationCanceledException) when (streamCancellation.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new SqlException(SqlState.QueryCanceled, "canceling statement due to statement timeout");
        }
        finally
        {
            // Without a timeout there is no timer to stop (CancelAfter would make one just to disarm it).
            if (timeout is not null && !streamCancellation.IsCancellationRequested)
            {
                streamCancellation.CancelAfter(Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>Runs one statement and returns its result (rows materialised), or throws <see cref="SqlException"/>.
    /// Statements about the session itself (transaction control, SET, SHOW, DISCARD, COPY) are run here; the rest by
    /// the SQL engine inside the transaction.</summary>
    private async ValueTask<StatementResult> RunAsync(ParsedStatement statement, IReadOnlyList<object?>? parameters,
        IReadOnlyList<int>? parameterTypeOids, IPgResponseWriter? writer, bool streamRows, CancellationToken cancellationToken, CachedPlan? plan = null)
    {
        // Only a query may start without a writer (at Bind, which has none): it writes nothing but notices.
        if (writer is null && statement.Tree is not SelectStmt)
        {
            throw new InvalidOperationException($"{statement.CommandTag} needs the response writer");
        }
        switch (statement.TransactionControl)
        {
            case TransactionControl.Begin:
                if (failed)
                {
                    throw InFailedTransaction();
                }
                if (explicitTransaction)
                {
                    writer!.Notice(new PgError("WARNING", "25001", "there is already a transaction in progress"));
                }
                StartTransactionSettings();
                if (statement.TransactionModes is { ReadOnly: { } beginReadOnly })
                {
                    settings.Apply("transaction_read_only", beginReadOnly ? "on" : "off");
                }
                explicitTransaction = true;
                transaction ??= await BeginAsync(cancellationToken);
                return new StatementResult(null, null, statement.CommandTag);

            case TransactionControl.Commit:
                if (failed)
                {
                    RollBack();
                    return new StatementResult(null, null, "ROLLBACK");
                }
                if (!explicitTransaction)
                {
                    writer!.Notice(new PgError("WARNING", "25P01", "there is no transaction in progress"));
                }
                var committing = transaction;
                transaction = null;
                explicitTransaction = false;
                try
                {
                    if (committing is not null)
                    {
                        await CommitAsync(committing, cancellationToken);
                    }
                }
                catch
                {
                    RollBack();
                    throw;
                }
                EndTransactionSettings();
                return new StatementResult(null, null, statement.CommandTag);

            case TransactionControl.Rollback:
                if (!explicitTransaction && !failed)
                {
                    writer!.Notice(new PgError("WARNING", "25P01", "there is no transaction in progress"));
                }
                RollBack();
                return new StatementResult(null, null, statement.CommandTag);

            case TransactionControl.Savepoint or TransactionControl.Release or TransactionControl.RollbackTo:
                return RunSavepointStatement(statement);
        }

        if (failed)
        {
            throw InFailedTransaction();
        }
        StartTransactionSettings();
        if (settings.TransactionReadOnly && !statement.IsReadOnly)
        {
            throw new SqlException("25006", $"cannot execute {statement.CommandTag} in a read-only transaction");
        }
        switch (statement.Tree)
        {
            case VariableSetStmt or VariableShowStmt or DiscardStmt or NoOperationStmt:
                return RunSessionStatement(statement, writer!);
            case LockStmt when !explicitTransaction:
                throw new SqlException(SqlState.NoActiveSqlTransaction, "LOCK TABLE can only be used in transaction blocks");
            case DeclareCursorStmt declare:
                return await DeclareCursorAsync(declare, statement.Text, parameters, cancellationToken);
            case FetchStmt fetch:
                return Fetch(fetch);
            case ClosePortalStmt close:
                return CloseCursor(close);
            case PrepareStmt prepare:
                return await PrepareSqlAsync(statement, prepare, cancellationToken);
            case ExecuteStmt execute:
                return await ExecuteSqlAsync(execute, writer, streamRows, cancellationToken);
            case ExplainStmt { Query: ExecuteStmt } explainExecute:
                return await ExplainExecuteAsync(statement, explainExecute, writer, streamRows, cancellationToken);
            case CreateTableAsStmt { Execute: not null } createAsExecute:
                return await CreateTableAsExecuteAsync(statement, createAsExecute, writer, cancellationToken);
            case DeallocateStmt deallocate:
                return Deallocate(statement, deallocate);
            case ConstraintsSetStmt when !explicitTransaction:
                writer!.Notice(new PgError("WARNING", SqlState.NoActiveSqlTransaction, "SET CONSTRAINTS can only be used in transaction blocks"));
                break;
            case CopyStmt copy:
                transaction ??= await BeginAsync(cancellationToken);
                CheckDsqlTransactionRules(statement);
                return await RunCopyAsync(statement, copy, writer!, cancellationToken);
        }
        if (statement.Tree is VacuumStmt { IsVacuum: true } && explicitTransaction)
        {
            throw new SqlException("25001", "VACUUM cannot run inside a transaction block");
        }
        transaction ??= await BeginAsync(cancellationToken);
        CheckDsqlTransactionRules(statement);
        NoteCatalogChange(statement);
        var result = plan is not null && parameters is not null
            ? await engine.ExecuteCachedAsync(statement, plan, parameters, transactionCatalogVersion, transaction, settings.DateTimeSettings, Environment, cancellationToken)
            : await engine.ExecuteAsync(statement, parameters, parameterTypeOids, transaction, settings.DateTimeSettings, Environment, streamRows, cancellationToken);
        // The end of the statement: deferrable constraints that are not deferred are checked now (a statement whose
        // rows stream checks them at the next statement's end or at COMMIT).
        if (transaction.DeferredConstraints.HasPending && result.RowStream is null)
        {
            await transaction.DeferredConstraints.RunAsync(transaction, atCommit: false, cancellationToken);
        }
        AddIndexBuilds(transaction, result.IndexBuilds);
        foreach (var notice in result.Notices)
        {
            writer?.Notice(new PgError("NOTICE", NoticeSqlState(notice), Sql.Catalog.RelationNames.Display(notice)));
        }
        return result;
    }

    /// <summary>A statement runs: if no transaction is open, one starts here, with a copy of the settings to put back
    /// if it rolls back.</summary>
    private void StartTransactionSettings()
    {
        if (settingsAtTransactionStart is null)
        {
            settingsAtTransactionStart = settings.Save();
            settings.StartTransaction();
        }
    }

    /// <summary>The SQLSTATE PostgreSQL gives the engine's notices (the engine only has their text).</summary>
    private static string NoticeSqlState(string notice) =>
        notice.EndsWith("already exists, skipping", StringComparison.Ordinal) ? SqlState.DuplicateTable : SqlState.SuccessfulCompletion;

    private static SqlException InFailedTransaction() => new(SqlState.InFailedSqlTransaction,
        "current transaction is aborted, commands ignored until end of transaction block");

    /// <summary>
    /// One DataRow of typed values. A void value (pg_sleep) goes out as NULL: the wire's codecs have no binary output
    /// for void (PostgreSQL's void_send writes zero bytes), and drivers ask for binary; NULL reads the same everywhere
    /// (psql shows an empty field either way).
    /// </summary>
    internal static void WriteRow(IPgResponseWriter writer, IReadOnlyList<ResultColumn> columns, object?[] row)
    {
        for (var index = 0; index < columns.Count; index++)
        {
            if (columns[index].TypeOid == VoidTypeOid && row[index] is not null)
            {
                var copy = (object?[])row.Clone();
                for (var column = index; column < columns.Count; column++)
                {
                    if (columns[column].TypeOid == VoidTypeOid) copy[column] = null;
                }
                writer.DataRow(copy);
                return;
            }
        }
        writer.DataRow(row);
    }

    /// <summary>The protocol's format codes.</summary>
    private const short TextFormatCode = 0;
    private const short BinaryFormatCode = 1;

    /// <summary>pg_type.oid of void.</summary>
    private const int VoidTypeOid = 2278;

    private static PgField[] ToFields(IReadOnlyList<ResultColumn> columns, bool binary = false)
    {
        short formatCode = binary ? BinaryFormatCode : TextFormatCode;
        var fields = new PgField[columns.Count];
        for (var column = 0; column < columns.Count; column++)
        {
            var resultColumn = columns[column];
            fields[column] = new PgField(resultColumn.Name, resultColumn.TableOid, resultColumn.ColumnAttributeNumber, resultColumn.TypeOid, resultColumn.TypeSize, resultColumn.TypeModifier, formatCode);
        }
        return fields;
    }

    /// <summary>Takes the snapshot (see <see cref="ISnapshotSource"/>: in the database, from the journal and the local
    /// replica, without the adjudicator). The transaction's clock (now(), transaction_timestamp) is this node's.</summary>
    private async ValueTask<Transaction> BeginAsync(CancellationToken cancellationToken)
    {
        // Read before the snapshot is taken: a DDL that commits in between moves the version again afterwards, so
        // no cached plan is taken as bound against this transaction's catalog unless it was.
        transactionCatalogVersion = engine.CatalogVersion;
        transactionChangesCatalog = false;
        ResetDsqlTransactionRules();
        StartTransactionClock(clock.Now());
        Transaction opened = await OpenTransactionAsync(failsChangedKeysEarly: true, cancellationToken);
        await engine.AuthorizeTransactionAsync(opened, Environment, cancellationToken);
        return opened;
    }

    /// <summary>Commits the implicit transaction, if one is open. A refused commit rolls it back and throws 40001.</summary>
    private async ValueTask EndImplicitTransactionAsync(CancellationToken cancellationToken)
    {
        var implicitTransaction = transaction;
        transaction = null;
        try
        {
            if (implicitTransaction is not null)
            {
                await CommitAsync(implicitTransaction, cancellationToken);
            }
        }
        catch
        {
            RollBack();
            throw;
        }
        EndTransactionSettings();
    }

    private async ValueTask CommitAsync(Transaction committing, CancellationToken cancellationToken)
    {
        try
        {
            await CommitOrThrowAsync(committing, cancellationToken);
        }
        finally
        {
            // Committed transactions ended already (with their timestamp); anything else ends here, not committed.
            EndLocalWrites(committing, HybridTimestamp.Zero);
        }
    }

    /// <summary>Ends a transaction for the node's local writers (see <see cref="LocalWriters"/>); a key whose conflict
    /// ended it is reserved by the next BEGIN, the retry's usually.</summary>
    private void EndLocalWrites(Transaction ending, HybridTimestamp committedAt)
    {
        ending.End(committedAt);
        if (committedAt == HybridTimestamp.Zero && ending.ConflictingKey is { } key)
        {
            retryReservationKey = key;
        }
    }

    private async ValueTask CommitOrThrowAsync(Transaction committing, CancellationToken cancellationToken)
    {
        // Deferred constraint checks run first, in the transaction: a violation fails the COMMIT, which rolls back.
        if (committing.DeferredConstraints.HasPending) await committing.DeferredConstraints.RunAsync(committing, atCommit: true, cancellationToken);
        if (!committing.NeedsAdjudication)
        {
            return;
        }
        if (!transactionChangesCatalog)
        {
            await CommitWritesAsync(committing, cancellationToken);
            return;
        }
        // Plans bound while the commit is under way (by transactions whose snapshots may or may not see it) are stale
        // once it is done: the catalog version moves before and after.
        transactionChangesCatalog = false;
        engine.CatalogChanged();
        try
        {
            await CommitWritesAsync(committing, cancellationToken);
        }
        finally
        {
            engine.CatalogChanged();
        }
    }

    private async ValueTask CommitWritesAsync(Transaction committing, CancellationToken cancellationToken)
    {
        var result = await adjudicator.CommitAsync(committing.ToCommitRequest(), cancellationToken);
        switch (result.Outcome)
        {
            case CommitOutcome.Committed:
                clock.Observe(result.CommitTimestamp);
                EndLocalWrites(committing, result.CommitTimestamp);
                await RunIndexBuildsAsync(committing, cancellationToken);
                return;
            case CommitOutcome.DataConflict:
                lastCommitConflicted = true;
                committing.NoteRefusedFor(result.ConflictingKey);
                throw new SqlException(SqlState.SerializationFailure, ConflictMessage);
            case CommitOutcome.SchemaConflict:
                lastCommitConflicted = true;
                throw new SqlException(SqlState.SerializationFailure, SchemaConflictMessage);
            case CommitOutcome.TooOld:
                throw TooOldCommit.Answer(committing.Start, clock.Now(), limits.MaxTransactionDuration);
            case CommitOutcome.NotCommitted:
                throw new SqlException(SqlState.IoError, $"could not commit the transaction: {result.FailureReason}",
                    hint: "The transaction was not committed; it is safe to retry it.");
            case CommitOutcome.OutcomeUnknown:
                throw new SqlException(SqlState.TransactionResolutionUnknown, $"the outcome of the commit is unknown: {result.FailureReason}",
                    hint: "Read the data back to learn whether the transaction committed before retrying it.");
            case CommitOutcome.Unavailable:
                throw new SqlException(SqlState.CannotConnectNow, $"could not commit the transaction: {result.FailureReason}",
                    hint: "The transaction was not committed; retry it later.");
            default:
                throw new InvalidOperationException($"Unknown commit outcome {result.Outcome}");
        }
    }

    /// <summary>An error ends an implicit transaction; an explicit one stays, failed, until ROLLBACK, or until ROLLBACK
    /// TO when it has savepoints: then its writes and settings stay for ROLLBACK TO to put back as they were at the
    /// savepoint. Otherwise its writes are gone and its SETs are undone.</summary>
    private void AbortAfterError()
    {
        if (explicitTransaction)
        {
            failed = true;
            if (savepoints.Count == 0)
            {
                if (transaction is not null) EndLocalWrites(transaction, HybridTimestamp.Zero);
                transaction = null;
                RestoreSettings();
            }
        }
        else
        {
            RollBack();
        }
    }

    /// <summary>Ends the transaction without committing it (ROLLBACK, or an implicit transaction that failed).</summary>
    private void RollBack()
    {
        CloseTransactionCursors(committed: false);
        if (transaction is not null) EndLocalWrites(transaction, HybridTimestamp.Zero);
        transaction = null;
        savepoints.Clear();
        explicitTransaction = false;
        failed = false;
        RestoreSettings();
    }

    private void RestoreSettings()
    {
        if (settingsAtTransactionStart is { } saved)
        {
            settings.Restore(saved);
            settingsAtTransactionStart = null;
            localSettings.Clear();
        }
    }

    /// <summary>A relation's catalog name in a message reads as schema.name (see RelationNames).</summary>
    /// <summary>An authorization failure (class 28: a dropped role, a revoked mapping) ends the session, as a failed login does.</summary>
    private static PgError ToPgError(SqlException exception) =>
        new(exception.SqlState.StartsWith("28", StringComparison.Ordinal) ? "FATAL" : "ERROR", exception.SqlState, Sql.Catalog.RelationNames.Display(exception.Message), exception.Position,
            exception.Detail is null ? null : Sql.Catalog.RelationNames.Display(exception.Detail), exception.Hint);

    public ValueTask DisposeAsync()
    {
        Registry?.Remove(this);
        transaction?.End(HybridTimestamp.Zero);
        transaction = null;
        return ValueTask.CompletedTask;
    }
}
