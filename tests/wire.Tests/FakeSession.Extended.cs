using System.Globalization;
using Log.Wire.Types;

namespace Log.Wire.Tests;

/// <summary>The fake session's extended protocol: statements of <see cref="FakeStatement"/>, plus begin/commit/rollback, sleep, set, and "select 1/0" that fails when run.</summary>
internal sealed partial class FakeSession
{
    public PgTypeSettings TypeSettings { get; set; } = PgTypeSettings.Default;

    public int SyncCount { get; private set; }

    public List<bool> SyncFailures { get; } = [];

    public int PortalsDisposed;

    public List<IReadOnlyList<object?>> BoundParameters { get; } = [];

    /// <summary>"set application_name = 'x'" / "set application_name to x": changes a reported parameter.</summary>
    private bool TrySet(string statement)
    {
        string[] words = statement.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 4 && words[0].Equals("set", StringComparison.OrdinalIgnoreCase) && words[2] is "=" or "to")
        {
            parameters[words[1]] = words[3].Trim('\'');
            return true;
        }
        return false;
    }

    public ValueTask<IPgPreparedStatement> PrepareAsync(string queryText, IReadOnlyList<int> parameterTypeOids, CancellationToken cancellationToken)
    {
        string lower = queryText.Trim().ToLowerInvariant();
        if (TransactionStatus == PgTransactionStatus.Failed && lower is not ("rollback" or "commit"))
        {
            throw new PgException(PgError.Error("25P02", "current transaction is aborted, commands ignored until end of transaction block"));
        }
        FakePrepared prepared = lower switch
        {
            "" or "begin" or "commit" or "rollback" or "sleep" or "throw" or "discard all" => new FakePrepared(lower, [.. parameterTypeOids], null, null),
            _ when lower.StartsWith("begin ", StringComparison.Ordinal) || lower.StartsWith("start transaction", StringComparison.Ordinal) => new FakePrepared("begin", [.. parameterTypeOids], null, null),
            "select 1/0" => new FakePrepared(lower, [.. parameterTypeOids], [new PgField("?column?", 0, 0, PgTypeOid.Int4, 4, -1)], null),
            _ when lower.StartsWith("set ", StringComparison.Ordinal) => new FakePrepared(queryText.Trim(), [.. parameterTypeOids], null, null),
            _ => FakeStatement.TryAnalyze(queryText, parameterTypeOids) is { } statement
                ? new FakePrepared(lower, statement.ParameterTypeOids, statement.Fields, statement)
                : throw new PgException(new PgError("ERROR", "42601", $"syntax error at or near \"{queryText.Trim().Split(' ')[0]}\"", Position: 1)),
        };
        return ValueTask.FromResult<IPgPreparedStatement>(prepared);
    }

    public ValueTask<IPgPortal> BindAsync(IPgPreparedStatement statement, IReadOnlyList<object?> parameterValues, CancellationToken cancellationToken)
    {
        BoundParameters.Add(parameterValues);
        var prepared = (FakePrepared)statement;
        if (prepared.Text == "select 1/0")
        {
            // PostgreSQL folds the constant when it plans, at Bind.
            throw new PgException(PgError.Error("22012", "division by zero"));
        }
        return ValueTask.FromResult<IPgPortal>(new FakePortal(this, prepared, parameterValues));
    }

    public ValueTask SyncAsync(bool failed, IPgResponseWriter writer, CancellationToken cancellationToken)
    {
        SyncCount++;
        SyncFailures.Add(failed);
        if (failed && TransactionStatus == PgTransactionStatus.InTransaction)
        {
            TransactionStatus = PgTransactionStatus.Failed;
        }
        return ValueTask.CompletedTask;
    }

    private sealed record FakePrepared(string Text, IReadOnlyList<int> ParameterTypeOids, IReadOnlyList<PgField>? ResultFields, FakeStatement? Statement) : IPgPreparedStatement;

    private sealed class FakePortal(FakeSession session, FakePrepared prepared, IReadOnlyList<object?> parameters) : IPgPortal
    {
        private List<object?[]>? rows;
        private int next;

        public IReadOnlyList<PgField>? ResultFields => prepared.ResultFields;

        /// <summary>A query of <see cref="FakeStatement"/> reads no input (the server keeps its buffer and answers the
        /// messages behind it from the same read); the other statements keep the default.</summary>
        public bool MayReadInput => prepared.Statement is null;

        public int ExecuteCount => executeCount;

        private int executeCount;

        public async ValueTask<PgExecuteResult> ExecuteAsync(int maxRows, IPgResponseWriter writer, CancellationToken cancellationToken)
        {
            session.StatementCount++;
            executeCount++;
            switch (prepared.Text)
            {
                case "":
                    return PgExecuteResult.EmptyQuery;
                case "begin":
                    session.TransactionStatus = PgTransactionStatus.InTransaction;
                    return PgExecuteResult.Completed("BEGIN");
                case "commit":
                    string tag = session.TransactionStatus == PgTransactionStatus.Failed ? "ROLLBACK" : "COMMIT";
                    session.TransactionStatus = PgTransactionStatus.Idle;
                    return PgExecuteResult.Completed(tag);
                case "rollback":
                    session.TransactionStatus = PgTransactionStatus.Idle;
                    return PgExecuteResult.Completed("ROLLBACK");
                case "sleep":
                    session.SleepStarted.TrySetResult();
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    return PgExecuteResult.Completed("SELECT 0");
                case "throw":
                    throw new InvalidOperationException("boom");
                case "discard all":
                    writer.DiscardPreparedStatementsAndPortals();
                    return PgExecuteResult.Completed("DISCARD ALL");
                case "select 1/0":
                    throw new PgException(PgError.Error("22012", "division by zero"));
            }
            if (prepared.Statement is null)
            {
                if (session.TrySet(prepared.Text))
                {
                    return PgExecuteResult.Completed("SET");
                }
                throw new PgException(PgError.Error("42601", "syntax error"));
            }
            rows ??= prepared.Statement.Rows(parameters, session.TypeSettings);
            int written = 0;
            while (next < rows.Count && (maxRows == 0 || written < maxRows))
            {
                writer.DataRow(rows[next++]);
                written++;
            }
            return next < rows.Count ? PgExecuteResult.Suspended : PgExecuteResult.Completed(string.Create(CultureInfo.InvariantCulture, $"SELECT {written}"));
        }

        public ValueTask DisposeAsync()
        {
            Interlocked.Increment(ref session.PortalsDisposed);
            return ValueTask.CompletedTask;
        }
    }
}
