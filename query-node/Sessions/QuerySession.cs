using Log.Adjudicator;
using Log.Journal.Time;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql;
using Log.StorageNode;
using Log.Wire;
using Microsoft.Extensions.Logging;

namespace Log.QueryNode.Sessions;

/// <summary>
/// One client connection's session: transaction state and the simple-query loop. Follows
/// PostgreSQL's rules for a Query message: its statements run in one implicit transaction unless
/// they manage transactions themselves, the first error ends the message, and inside an explicit
/// transaction an error leaves the transaction failed (25P02) until ROLLBACK. The snapshot is
/// taken at BEGIN (or at the first statement of an implicit transaction), as in DSQL.
/// </summary>
public sealed class QuerySession : IPgSession
{
    private const string ConflictMessage = "change conflicts with another transaction, please retry: (OC000)";
    private const string SchemaConflictMessage = "schema has been updated by another transaction, please retry: (OC001)";

    private readonly SqlEngine engine;
    private readonly IAdjudicator adjudicator;
    private readonly IStorageReader storage;
    private readonly HybridClock clock;
    private readonly TransactionLimits limits;
    private readonly ILogger logger;
    private readonly Dictionary<string, string> parameterStatus;

    private Transaction? transaction;
    private bool explicitTransaction;
    private bool failed;

    public QuerySession(PgStartup startup, SqlEngine engine, IAdjudicator adjudicator, IStorageReader storage,
        HybridClock clock, TransactionLimits limits, ILogger logger)
    {
        this.engine = engine;
        this.adjudicator = adjudicator;
        this.storage = storage;
        this.clock = clock;
        this.limits = limits;
        this.logger = logger;
        parameterStatus = new Dictionary<string, string>
        {
            ["application_name"] = startup.Parameters.TryGetValue("application_name", out var name) ? name : "",
            ["session_authorization"] = startup.User,
        };
    }

    public IReadOnlyDictionary<string, string> ParameterStatus => parameterStatus;

    public PgTransactionStatus TransactionStatus =>
        failed ? PgTransactionStatus.Failed
        : explicitTransaction ? PgTransactionStatus.InTransaction
        : PgTransactionStatus.Idle;

    public async ValueTask ExecuteSimpleQueryAsync(string queryText, IPgResponseWriter writer, CancellationToken cancellationToken)
    {
        IReadOnlyList<ParsedStatement> statements;
        try
        {
            statements = engine.Parse(queryText);
        }
        catch (SqlException exception)
        {
            writer.Error(ToPgError(exception));
            AbortAfterError();
            return;
        }
        if (statements.Count == 0)
        {
            writer.EmptyQueryResponse();
            return;
        }

        for (var index = 0; index < statements.Count; index++)
        {
            var isLast = index == statements.Count - 1;
            try
            {
                var tag = await ExecuteStatementAsync(statements[index], writer, cancellationToken);
                // PostgreSQL commits an implicit transaction before it reports the last statement
                // complete, so a refused commit reaches the client as the statement's error.
                if (isLast && !explicitTransaction && transaction is not null)
                {
                    var implicitTransaction = transaction;
                    transaction = null;
                    await CommitAsync(implicitTransaction, cancellationToken);
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
                writer.Error(new PgError("ERROR", "57P03", exception.Message));
                AbortAfterError();
                return;
            }
        }
    }

    /// <summary>Runs one statement; returns its command tag, or throws <see cref="SqlException"/>.</summary>
    private async ValueTask<string> ExecuteStatementAsync(ParsedStatement statement, IPgResponseWriter writer,
        CancellationToken cancellationToken)
    {
        switch (statement.TransactionControl)
        {
            case TransactionControl.Begin:
                if (failed)
                {
                    throw InFailedTransaction();
                }
                if (explicitTransaction)
                {
                    writer.Notice(new PgError("WARNING", "25001", "there is already a transaction in progress"));
                }
                explicitTransaction = true;
                transaction ??= await BeginAsync(cancellationToken);
                return statement.CommandTag;

            case TransactionControl.Commit:
                if (failed)
                {
                    EndTransaction();
                    return "ROLLBACK";
                }
                if (!explicitTransaction)
                {
                    writer.Notice(new PgError("WARNING", "25P01", "there is no transaction in progress"));
                }
                var committing = transaction;
                EndTransaction();
                if (committing is not null)
                {
                    await CommitAsync(committing, cancellationToken);
                }
                return statement.CommandTag;

            case TransactionControl.Rollback:
                if (!explicitTransaction && !failed)
                {
                    writer.Notice(new PgError("WARNING", "25P01", "there is no transaction in progress"));
                }
                EndTransaction();
                return statement.CommandTag;
        }

        if (failed)
        {
            throw InFailedTransaction();
        }
        transaction ??= await BeginAsync(cancellationToken);
        var result = await engine.ExecuteAsync(statement, transaction, cancellationToken);
        if (result.Columns is { } columns)
        {
            var fields = new PgField[columns.Count];
            for (var column = 0; column < columns.Count; column++)
            {
                var resultColumn = columns[column];
                fields[column] = new PgField(resultColumn.Name, 0, 0, resultColumn.TypeOid, resultColumn.TypeSize,
                    resultColumn.TypeModifier);
            }
            writer.RowDescription(fields);
            var texts = new string?[columns.Count];
            foreach (var row in result.Rows)
            {
                for (var column = 0; column < columns.Count; column++)
                {
                    texts[column] = columns[column].FormatText(row[column]);
                }
                writer.DataRow(texts);
            }
        }
        return result.CommandTag;
    }

    private static SqlException InFailedTransaction() => new(SqlState.InFailedSqlTransaction,
        "current transaction is aborted, commands ignored until end of transaction block");

    /// <summary>Takes the snapshot: a timestamp from this node's clock, closed at the adjudicator
    /// so that storage answers only once it holds every commit at or below it.</summary>
    private async ValueTask<Transaction> BeginAsync(CancellationToken cancellationToken)
    {
        var start = clock.Now();
        var fence = await adjudicator.CloseTimestampAsync(start, cancellationToken);
        return new Transaction(new ReadPoint(start, fence.EndOffset), storage, clock, limits);
    }

    private async ValueTask CommitAsync(Transaction committing, CancellationToken cancellationToken)
    {
        if (!committing.NeedsAdjudication)
        {
            return;
        }
        var result = await adjudicator.CommitAsync(committing.ToCommitRequest(), cancellationToken);
        switch (result.Outcome)
        {
            case CommitOutcome.Committed:
                clock.Observe(result.CommitTimestamp);
                return;
            case CommitOutcome.DataConflict:
                throw new SqlException(SqlState.SerializationFailure, ConflictMessage);
            case CommitOutcome.SchemaConflict:
                throw new SqlException(SqlState.SerializationFailure, SchemaConflictMessage);
            case CommitOutcome.TooOld:
                throw new SqlException(SqlState.ProgramLimitExceeded,
                    "transaction age limit exceeded: the transaction started too long ago to commit");
            default:
                throw new InvalidOperationException($"Unknown commit outcome {result.Outcome}");
        }
    }

    /// <summary>An error ends an implicit transaction; an explicit one stays, failed, until ROLLBACK.</summary>
    private void AbortAfterError()
    {
        if (explicitTransaction)
        {
            failed = true;
            transaction = null;
        }
        else
        {
            EndTransaction();
        }
    }

    private void EndTransaction()
    {
        transaction = null;
        explicitTransaction = false;
        failed = false;
    }

    private static PgError ToPgError(SqlException exception) =>
        new("ERROR", exception.SqlState, exception.Message, exception.Position, exception.Detail, exception.Hint);

    public ValueTask DisposeAsync()
    {
        transaction = null;
        return ValueTask.CompletedTask;
    }
}
