using Log.QueryNode.Execution;
using Log.QueryNode.Sql;
using Log.QueryNode.Sql.Parser.Ast;
using Log.StorageNode;
using Log.Wire;
using Log.Wire.Types;

namespace Log.QueryNode.Sessions;

public sealed partial class QuerySession
{
    public async ValueTask<IPgPreparedStatement> PrepareAsync(string queryText, IReadOnlyList<int> parameterTypeOids,
        CancellationToken cancellationToken)
    {
        try
        {
            var parseNotices = new List<string>();
            var statements = engine.Parse(queryText, parseNotices);
            var notices = parseNotices.Select(notice => new PgError("NOTICE", SqlState.NameTooLong, notice)).ToArray();
            if (statements.Count > 1)
            {
                throw new SqlException(SqlState.SyntaxError, "cannot insert multiple commands into a prepared statement");
            }
            if (statements.Count == 0)
            {
                return new PreparedStatement(null, NonZero(parameterTypeOids), null, notices);
            }
            var statement = statements[0];
            // PostgreSQL accepts only statements that end the transaction while it is aborted, even at Parse.
            if (failed && statement.TransactionControl is not (TransactionControl.Commit or TransactionControl.Rollback or TransactionControl.RollbackTo))
            {
                throw InFailedTransaction();
            }
            if (statement.TransactionControl != TransactionControl.None)
            {
                return new PreparedStatement(statement, NonZero(parameterTypeOids), null, notices);
            }
            switch (statement.Tree)
            {
                case VariableSetStmt or VariableShowStmt or DiscardStmt or NoOperationStmt:
                    return new PreparedStatement(statement, NonZero(parameterTypeOids), DescribeSessionStatement(statement), notices);
                case CopyStmt:
                    // The rows of COPY travel in CopyData, not DataRow: no row description.
                    return new PreparedStatement(statement, NonZero(parameterTypeOids), null, notices);
                case PrepareStmt or DeallocateStmt:
                    return new PreparedStatement(statement, NonZero(parameterTypeOids), null, notices);
                case ExecuteStmt execute:
                    return new PreparedStatement(statement, NonZero(parameterTypeOids), DescribeExecute(execute), notices);
                case FetchStmt fetch:
                    // FETCH returns the open cursor's columns, as PostgreSQL's UtilityTupleDescriptor describes it; MOVE
                    // and a cursor not (yet) open describe no rows.
                    return new PreparedStatement(statement, NonZero(parameterTypeOids),
                        !fetch.IsMove && cursors.TryGetValue(fetch.Name, out SessionCursor? cursor) ? ToFields(cursor.Columns) : null, notices);
            }
            return await PrepareStatementAsync(statement, parameterTypeOids, notices, queryText, fromSql: false, cancellationToken);
        }
        catch (SqlException exception)
        {
            AbortAfterError();
            throw new PgException(ToPgError(exception));
        }
        catch (StorageUnavailableException exception)
        {
            AbortAfterError();
            throw new PgException(new PgError("ERROR", exception.SqlState, exception.Message));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            AbortAfterError();
            throw;
        }
    }

    /// <summary>Parse's analysis of a statement the engine runs, shared by PREPARE: the parameter types (the given ones,
    /// the rest inferred) and the result columns, and for a query the cached plan its runs share.</summary>
    private async ValueTask<PreparedStatement> PrepareStatementAsync(ParsedStatement statement, IReadOnlyList<int> parameterTypeOids,
        IReadOnlyList<PgError> notices, string sourceText, bool fromSql, CancellationToken cancellationToken)
    {
        // The catalog is read in the session's transaction (PostgreSQL's Parse also runs in the implicit
        // transaction that lasts until Sync), so a table created earlier in an explicit transaction is visible.
        var (description, plan) = await engine.PrepareAsync(statement, parameterTypeOids, new CatalogReader(this), settings.DateTimeSettings, cancellationToken, Environment);
        var types = new int[Math.Max(description.ParameterTypeOids.Count, parameterTypeOids.Count)];
        for (var index = 0; index < types.Length; index++)
        {
            // The client's own types win: the server decodes the Bind values with exactly these.
            var given = index < parameterTypeOids.Count ? parameterTypeOids[index] : 0;
            types[index] = given != 0 ? given
                : index < description.ParameterTypeOids.Count ? description.ParameterTypeOids[index] : PgTypeOid.Text;
        }
        return new PreparedStatement(statement, types, description.Columns is { } columns ? ToFields(columns) : null, notices)
        {
            Plan = plan, SourceText = sourceText, FromSql = fromSql,
            PrepareTimeUtc = Sql.Executor.StatementContext.TruncateToMicroseconds(DateTime.UtcNow),
        };
    }

    private static int[] NonZero(IReadOnlyList<int> typeOids) =>
        typeOids.Select(oid => oid == 0 ? PgTypeOid.Text : oid).ToArray();

    /// <summary>Bind: a query is planned here, as PostgreSQL plans a portal at Bind, so its planning errors (a constant
    /// 1/0, a missing table) are Bind's; its rows are computed from the first Execute on.</summary>
    public async ValueTask<IPgPortal> BindAsync(IPgPreparedStatement statement, IReadOnlyList<object?> parameterValues,
        CancellationToken cancellationToken)
    {
        var prepared = (PreparedStatement)statement;
        if (failed && prepared.Statement?.TransactionControl is not (TransactionControl.Commit or TransactionControl.Rollback or TransactionControl.RollbackTo))
        {
            AbortAfterError();
            throw new PgException(ToPgError(InFailedTransaction()));
        }
        // The server decodes the values into a list made for this Bind: the portal keeps it as it is.
        var portal = new Portal(this, prepared, parameterValues as object?[] ?? [.. parameterValues]);
        if (prepared.Statement?.Tree is SelectStmt)
        {
            await StartPortalAsync(portal, writer: null, cancellationToken);
        }
        return portal;
    }

    /// <summary>Runs a portal's statement (a query only as far as its row stream); errors fail the transaction.</summary>
    private async ValueTask StartPortalAsync(Portal portal, IPgResponseWriter? writer, CancellationToken cancellationToken)
    {
        var streamCancellation = RowStreamReader.NewCancellation();
        if (portal.Prepared.Statement?.Tree is SelectStmt or InsertStmt or UpdateStmt or DeleteStmt)
        {
            portal.Prepared.CountExecution();
        }
        try
        {
            var result = await RunWithTimeoutAsync(portal.Prepared.Statement!, portal.Parameters, portal.Prepared.ParameterTypeOids, writer, streamCancellation,
                cancellationToken, portal.Prepared.Plan);
            CheckResultShape(portal.Prepared, result);
            portal.Result = result;
            if (result.RowStream is not null)
            {
                portal.Stream = RowStreamReader.Open(result, streamCancellation);
            }
            else
            {
                streamCancellation.Dispose();
            }
        }
        catch (Exception exception)
        {
            streamCancellation.Dispose();
            throw PortalFailure(exception, cancellationToken);
        }
    }

    public async ValueTask SyncAsync(bool failed, IPgResponseWriter writer, CancellationToken cancellationToken)
    {
        if (failed)
        {
            // An error since the last Sync, reported by us or by the server (a bad Bind value): the implicit
            // transaction rolls back; an explicit one is failed until ROLLBACK.
            AbortAfterError();
            return;
        }
        if (explicitTransaction)
        {
            return;
        }
        try
        {
            await EndImplicitTransactionAsync(cancellationToken);
        }
        catch (SqlException exception)
        {
            writer.Error(ToPgError(exception));
        }
        catch (StorageUnavailableException exception)
        {
            writer.Error(new PgError("ERROR", exception.SqlState, exception.Message));
        }
    }

    /// <summary>Execute: runs the portal's statement on its first call and keeps the rows; each call writes at most
    /// <paramref name="maxRows"/> of them.</summary>
    private async ValueTask<PgExecuteResult> ExecutePortalAsync(Portal portal, int maxRows, IPgResponseWriter writer,
        CancellationToken cancellationToken)
    {
        var statement = portal.Prepared.Statement;
        if (statement is null)
        {
            return PgExecuteResult.EmptyQuery;
        }
        BeginActivity(statement.Text);
        try
        {
            return await ExecuteStatementPortalAsync(portal, statement, maxRows, writer, cancellationToken);
        }
        finally
        {
            EndActivity();
        }
    }

    private async ValueTask<PgExecuteResult> ExecuteStatementPortalAsync(Portal portal, ParsedStatement statement, int maxRows,
        IPgResponseWriter writer, CancellationToken cancellationToken)
    {
        if (portal.Result is null)
        {
            await StartPortalAsync(portal, writer, cancellationToken);
        }
        if (portal.Stream is { } stream)
        {
            var finishedBefore = stream.Finished;
            var before = stream.RowsRead;
            bool done;
            try
            {
                done = finishedBefore || await stream.ReadAsync(maxRows, writer, settings.StatementTimeout, cancellationToken);
            }
            catch (Exception exception)
            {
                throw PortalFailure(exception, cancellationToken);
            }
            if (!done)
            {
                portal.Suspended = true;
                return PgExecuteResult.Suspended;
            }
            // A SELECT resumed after PortalSuspended reports the rows of this Execute, as PostgreSQL does.
            var count = portal.Suspended || finishedBefore ? stream.RowsRead - before : stream.RowsRead;
            return PgExecuteResult.Completed("SELECT " + count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var rows = portal.Result!.Rows;
        var end = maxRows > 0 ? Math.Min(rows.Count, portal.Position + maxRows) : rows.Count;
        var written = end - portal.Position;
        for (; portal.Position < end; portal.Position++)
        {
            WriteRow(writer, portal.Result.Columns!, rows[portal.Position]);
        }
        if (portal.Position < rows.Count)
        {
            portal.Suspended = true;
            return PgExecuteResult.Suspended;
        }
        // A SELECT resumed after PortalSuspended reports the rows of this Execute, as PostgreSQL does.
        var isSelect = statement.Tree is SelectStmt;
        return PgExecuteResult.Completed(isSelect && (portal.Suspended || portal.Drained)
            ? $"SELECT {written}"
            : portal.Result.CommandTag);
    }

    /// <summary>What a failed Execute reports: the statement's error (the transaction is then failed), or the cancel.</summary>
    private Exception PortalFailure(Exception exception, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case SqlException sqlException:
                AbortAfterError();
                return new PgException(ToPgError(sqlException));
            case StorageUnavailableException unavailable:
                AbortAfterError();
                return new PgException(new PgError("ERROR", unavailable.SqlState, unavailable.Message));
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                AbortAfterError();
                return exception;
            default:
                return exception;
        }
    }

    /// <summary>A prepared statement whose table changed since Parse cannot return other columns than Describe announced.</summary>
    private static void CheckResultShape(PreparedStatement prepared, StatementResult result)
    {
        if (prepared.ResultFields is not { } fields || result.Columns is not { } columns)
        {
            return;
        }
        var same = fields.Count == columns.Count;
        for (var index = 0; same && index < fields.Count; index++)
        {
            same = fields[index].TypeOid == columns[index].TypeOid;
        }
        if (!same)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "cached plan must not change result type");
        }
    }

    /// <summary>The cached plan of a prepared statement (null when its kind is not cached), exposed for tests.</summary>
    internal static CachedPlan? PlanOf(IPgPreparedStatement statement) => ((PreparedStatement)statement).Plan;

    /// <summary>A DDL statement is about to run in the transaction: its commit must invalidate cached plans (the engine
    /// already moved the catalog version for the statement itself).</summary>
    private void NoteCatalogChange(ParsedStatement statement)
    {
        if (SqlEngine.ChangesCatalog(statement.Tree))
        {
            transactionChangesCatalog = true;
        }
    }

    /// <summary>The session's transaction, started now if none is open (the snapshot of an implicit transaction).</summary>
    private async ValueTask<Transaction> GetOrBeginTransactionAsync(CancellationToken cancellationToken)
    {
        StartTransactionSettings();
        return transaction ??= await BeginAsync(cancellationToken);
    }

    /// <summary>What Parse produced: the parsed statement (null when empty) and what Describe reports.</summary>
    private sealed class PreparedStatement(ParsedStatement? statement, IReadOnlyList<int> parameterTypeOids,
        IReadOnlyList<PgField>? resultFields, IReadOnlyList<PgError> notices) : IPgPreparedStatement
    {
        public IReadOnlyList<PgError> Notices { get; } = notices;
        public ParsedStatement? Statement { get; } = statement;
        public IReadOnlyList<int> ParameterTypeOids { get; } = parameterTypeOids;
        public IReadOnlyList<PgField>? ResultFields { get; } = resultFields;

        /// <summary>A query's plan, made at the first Bind and reused until the catalog changes; null for other statements.</summary>
        public CachedPlan? Plan { get; init; }

        /// <summary>The query string it was prepared from (PREPARE's whole query string), for pg_prepared_statements.</summary>
        public string SourceText { get; init; } = statement?.Text ?? "";

        /// <summary>Made by SQL PREPARE rather than by a protocol Parse.</summary>
        public bool FromSql { get; init; }

        public DateTime PrepareTimeUtc { get; init; } = Sql.Executor.StatementContext.TruncateToMicroseconds(DateTime.UtcNow);

        /// <summary>Runs from the cached plan (parameters read at run time).</summary>
        public long GenericPlans { get; private set; }

        /// <summary>Runs of a statement bound and planned again with each run's values.</summary>
        public long CustomPlans { get; private set; }

        public void CountExecution()
        {
            if (Plan is not null) GenericPlans++;
            else CustomPlans++;
        }
    }

    /// <summary>A bound statement. Its result is materialised at the first Execute and handed out in slices; it lives
    /// until its transaction ends (the server drops it then).</summary>
    private sealed class Portal(QuerySession session, PreparedStatement prepared, object?[] parameters) : IPgPortal
    {
        public PreparedStatement Prepared { get; } = prepared;
        public object?[] Parameters { get; } = parameters;
        public StatementResult? Result { get; set; }

        /// <summary>The rows of a streamed SELECT, read a slice per Execute.</summary>
        public RowStreamReader? Stream { get; set; }

        public int Position { get; set; }
        public bool Suspended { get; set; }

        public bool Drained => Result is not null && Position >= Result.Rows.Count;

        public IReadOnlyList<PgField>? ResultFields => Prepared.ResultFields;

        /// <summary>Only COPY reads input; a query, the hot case, lets the server answer its Execute and Sync together.</summary>
        public bool MayReadInput => Prepared.Statement?.Tree is not (SelectStmt or InsertStmt or UpdateStmt or DeleteStmt);

        public ValueTask<PgExecuteResult> ExecuteAsync(int maxRows, IPgResponseWriter writer, CancellationToken cancellationToken) =>
            session.ExecutePortalAsync(this, maxRows, writer, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            Result = null;
            if (Stream is { } stream)
            {
                Stream = null;
                await stream.DisposeAsync();
            }
        }
    }

    /// <summary>The store Describe reads the catalog through: the session's transaction, begun on first use, so that a
    /// statement that needs no catalog (SELECT 1) takes no snapshot. Describe never writes.</summary>
    private sealed class CatalogReader(QuerySession session) : ITransactionStore
    {
        public async ValueTask<byte[]?> GetAsync(byte[] key, CancellationToken cancellationToken) =>
            await (await session.GetOrBeginTransactionAsync(cancellationToken)).GetAsync(key, cancellationToken);

        public async IAsyncEnumerable<KeyValuePair<byte[], byte[]>> ScanAsync(byte[] startInclusive, byte[] endExclusive,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var store = await session.GetOrBeginTransactionAsync(cancellationToken);
            await foreach (var pair in store.ScanAsync(startInclusive, endExclusive, cancellationToken))
            {
                yield return pair;
            }
        }

        public void AddConflictCheck(byte[] key, bool isSchema) => session.transaction?.AddConflictCheck(key, isSchema);

        public void Put(byte[] key, byte[] value) => throw new InvalidOperationException("Describe does not write");

        public void Delete(byte[] key) => throw new InvalidOperationException("Describe does not write");

        public long NextUniqueId() => throw new InvalidOperationException("Describe does not write");
    }
}
