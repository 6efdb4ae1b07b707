using System.Collections.Concurrent;
using System.Globalization;
using Log.Wire.Types;

namespace Log.Wire.Tests;

/// <summary>
/// A tiny session that understands a few statements, enough to drive the protocol:
/// select 1, fail (42601 with a position), begin/commit/rollback, throw (a bug), fatal,
/// sleep (until cancelled), rows N, notice, count (statements run so far), and empty text.
/// </summary>
internal sealed partial class FakeSession(PgStartup startup) : IPgExtendedQuerySession
{
    private Dictionary<string, string> parameters = [];

    public PgStartup Startup { get; } = startup;
    public int StatementCount { get; private set; }
    public bool Disposed { get; private set; }
    /// <summary>Completes when a "sleep" statement has started, so tests need not guess with delays.</summary>
    public TaskCompletionSource SleepStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public IReadOnlyDictionary<string, string> ParameterStatus { get => parameters; init => parameters = new Dictionary<string, string>(value); }
    public PgTransactionStatus TransactionStatus { get; set; } = PgTransactionStatus.Idle;

    private static readonly PgField Int4Field = new("?column?", 0, 0, 23, 4, -1);

    public async ValueTask ExecuteSimpleQueryAsync(string queryText, IPgResponseWriter writer, CancellationToken cancellationToken)
    {
        string[] statements = queryText.Split(';').Select(s => s.Trim()).Where(s => s.Length > 0).ToArray();
        if (statements.Length == 0)
        {
            writer.EmptyQueryResponse();
            return;
        }
        int offset = 0;
        foreach (string statement in statements)
        {
            StatementCount++;
            int position = queryText.IndexOf(statement, offset, StringComparison.Ordinal) + 1;
            offset = position;
            string lower = statement.ToLowerInvariant();
            if (lower.StartsWith("begin ", StringComparison.Ordinal))
            {
                lower = "begin";
            }
            if (TransactionStatus == PgTransactionStatus.Failed && lower is not ("rollback" or "commit"))
            {
                writer.Error(PgError.Error("25P02", "current transaction is aborted, commands ignored until end of transaction block"));
                return;
            }
            switch (lower)
            {
                case "select 1":
                    writer.RowDescription([Int4Field]);
                    writer.DataRow(["1"]);
                    writer.CommandComplete("SELECT 1");
                    break;
                case "count":
                    writer.RowDescription([Int4Field with { Name = "count" }]);
                    writer.DataRow([StatementCount.ToString(CultureInfo.InvariantCulture)]);
                    writer.CommandComplete("SELECT 1");
                    break;
                case "begin":
                    TransactionStatus = PgTransactionStatus.InTransaction;
                    writer.CommandComplete("BEGIN");
                    break;
                case "commit":
                    writer.CommandComplete(TransactionStatus == PgTransactionStatus.Failed ? "ROLLBACK" : "COMMIT");
                    TransactionStatus = PgTransactionStatus.Idle;
                    break;
                case "rollback":
                    TransactionStatus = PgTransactionStatus.Idle;
                    writer.CommandComplete("ROLLBACK");
                    break;
                case "discard all":
                    writer.DiscardPreparedStatementsAndPortals();
                    writer.CommandComplete("DISCARD ALL");
                    break;
                case "notice":
                    writer.Notice(new PgError("NOTICE", "00000", "just so you know"));
                    writer.CommandComplete("DO");
                    break;
                case "throw":
                    throw new InvalidOperationException("boom");
                case "fatal":
                    throw new PgException(PgError.Fatal("57P01", "go away"));
                case "sleep":
                    SleepStarted.TrySetResult();
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    break;
                case "null":
                    writer.RowDescription([Int4Field with { Name = "a" }, Int4Field with { Name = "b" }]);
                    writer.DataRow([null, "x"]);
                    writer.CommandComplete("SELECT 1");
                    break;
                default:
                    if (lower.StartsWith("rows ", StringComparison.Ordinal))
                    {
                        int count = int.Parse(lower[5..], CultureInfo.InvariantCulture);
                        writer.RowDescription([Int4Field with { Name = "n" }]);
                        for (int i = 1; i <= count; i++)
                        {
                            writer.DataRow([i.ToString(CultureInfo.InvariantCulture)]);
                            if (i % 1000 == 0)
                            {
                                await writer.FlushAsync(cancellationToken);
                            }
                        }
                        writer.CommandComplete($"SELECT {count}");
                        break;
                    }
                    if (FakeStatement.TryAnalyze(statement, []) is { Fields: { } fields } analyzed)
                    {
                        writer.RowDescription(fields);
                        List<object?[]> rows = analyzed.Rows([], TypeSettings);
                        foreach (object?[] row in rows)
                        {
                            writer.DataRow(row);
                        }
                        writer.CommandComplete($"SELECT {rows.Count}");
                        break;
                    }
                    if (lower == "create temp table t(a int, b text)")
                    {
                        writer.CommandComplete("CREATE TABLE");
                        break;
                    }
                    if (lower == "copy t from stdin")
                    {
                        IPgCopyIn copy = await writer.CopyInAsync(PgCopyFormat.Text, 2, cancellationToken);
                        int lines = 0;
                        while (await copy.ReadAsync(cancellationToken) is { } data)
                        {
                            lines += data.Span.Count((byte)'\n');
                        }
                        writer.CommandComplete($"COPY {lines}");
                        break;
                    }
                    if (lower == "copy (select generate_series(1,2)) to stdout")
                    {
                        IPgCopyOut copy = writer.CopyOut(PgCopyFormat.Text, 1);
                        copy.CopyData("1\n"u8);
                        copy.CopyData("2\n"u8);
                        copy.Done();
                        writer.CommandComplete("COPY 2");
                        break;
                    }
                    if (TrySet(statement))
                    {
                        writer.CommandComplete("SET");
                        break;
                    }
                    writer.Error(new PgError("ERROR", "42601", $"syntax error at or near \"{statement.Split(' ')[0]}\"", Position: position));
                    if (TransactionStatus == PgTransactionStatus.InTransaction)
                    {
                        TransactionStatus = PgTransactionStatus.Failed;
                    }
                    return;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}

internal sealed class FakeSessionFactory : IPgSessionFactory
{
    public ConcurrentQueue<FakeSession> Sessions { get; } = new();
    public IReadOnlyDictionary<string, string> ParameterStatus { get; init; } = new Dictionary<string, string>();

    public ValueTask<IPgSession> CreateSessionAsync(PgStartup startup, CancellationToken cancellationToken)
    {
        if (startup.Database == "nosuchdb")
        {
            throw new PgException(PgError.Fatal("3D000", $"database \"{startup.Database}\" does not exist"));
        }
        if (startup.Password is not null && startup.Password != "secret")
        {
            throw new PgException(PgError.Fatal("28P01", $"password authentication failed for user \"{startup.User}\""));
        }
        var session = new FakeSession(startup) { ParameterStatus = ParameterStatus };
        Sessions.Enqueue(session);
        return ValueTask.FromResult<IPgSession>(session);
    }
}

/// <summary>Hides the fake session's extended protocol: the server must fall back to 0A000.</summary>
internal sealed class SimpleOnlySessionFactory(FakeSessionFactory inner) : IPgSessionFactory
{
    public async ValueTask<IPgSession> CreateSessionAsync(PgStartup startup, CancellationToken cancellationToken) =>
        new SimpleOnlySession(await inner.CreateSessionAsync(startup, cancellationToken));

    private sealed class SimpleOnlySession(IPgSession inner) : IPgSession
    {
        public IReadOnlyDictionary<string, string> ParameterStatus => inner.ParameterStatus;

        public PgTransactionStatus TransactionStatus => inner.TransactionStatus;

        public ValueTask ExecuteSimpleQueryAsync(string queryText, IPgResponseWriter writer, CancellationToken cancellationToken) =>
            inner.ExecuteSimpleQueryAsync(queryText, writer, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
