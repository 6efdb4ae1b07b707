using Log.QueryNode.Execution;
using Log.QueryNode.Sql;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sessions;

/// <summary>
/// SQL cursors (DECLARE, FETCH, MOVE, CLOSE), which psycopg2's named cursors use: Django reads large querysets
/// (QuerySet.iterator(), the admin's select widgets) through them. A cursor runs its query when it is declared, in the
/// transaction's snapshot, and keeps the rows (under the engine's own result limits); FETCH hands them out forward only.
/// The rows of a snapshot do not change, so this answers as PostgreSQL's lazily run cursor does, except that the query's
/// errors come at DECLARE rather than at the FETCH that reaches them. A cursor ends with its transaction unless
/// declared WITH HOLD; a rolled-back transaction takes its WITH HOLD cursors along, as in PostgreSQL.
/// </summary>
public sealed partial class QuerySession
{
    private readonly Dictionary<string, SessionCursor> cursors = new(StringComparer.Ordinal);

    private sealed class SessionCursor(IReadOnlyList<ResultColumn> columns, IReadOnlyList<object?[]> rows, bool hold)
    {
        public IReadOnlyList<ResultColumn> Columns { get; } = columns;
        public IReadOnlyList<object?[]> Rows { get; } = rows;
        public bool Hold { get; } = hold;
        public int Position { get; set; }

        /// <summary>Whether the transaction that declared it has committed (a later rollback keeps it).</summary>
        public bool Committed { get; set; }
    }

    private async ValueTask<StatementResult> DeclareCursorAsync(DeclareCursorStmt declare, IReadOnlyList<object?>? parameters, CancellationToken cancellationToken)
    {
        if (!declare.Hold && !explicitTransaction)
        {
            throw new SqlException(SqlState.NoActiveSqlTransaction, "DECLARE CURSOR can only be used in transaction blocks");
        }
        if (cursors.ContainsKey(declare.Name)) throw new SqlException(SqlState.DuplicateCursor, $"cursor \"{declare.Name}\" already exists");
        transaction ??= await BeginAsync(cancellationToken);
        var query = new ParsedStatement(declare.Query, declare.QueryText, parameters?.Count ?? 0);
        StatementResult result = await engine.ExecuteAsync(query, parameters, null, transaction, settings.DateTimeSettings, Environment, streamRows: false, cancellationToken);
        cursors[declare.Name] = new SessionCursor(result.Columns ?? [], result.Rows, declare.Hold);
        return new StatementResult(null, null, "DECLARE CURSOR");
    }

    private StatementResult Fetch(FetchStmt fetch)
    {
        SessionCursor cursor = FindCursor(fetch.Name);
        int left = cursor.Rows.Count - cursor.Position;
        int count = fetch.Count is { } wanted ? (int)Math.Clamp(wanted, 0, left) : left;
        int start = cursor.Position;
        cursor.Position += count;
        string tag = $"{(fetch.IsMove ? "MOVE" : "FETCH")} {count.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        if (fetch.IsMove) return new StatementResult(null, null, tag);
        var rows = new List<object?[]>(count);
        for (int index = start; index < start + count; index++) rows.Add(cursor.Rows[index]);
        return new StatementResult(cursor.Columns, rows, tag);
    }

    private StatementResult CloseCursor(ClosePortalStmt close)
    {
        if (close.Name is null)
        {
            cursors.Clear();
            return new StatementResult(null, null, "CLOSE CURSOR ALL");
        }
        cursors.Remove(FindCursorName(close.Name));
        return new StatementResult(null, null, "CLOSE CURSOR");
    }

    private SessionCursor FindCursor(string name) => cursors[FindCursorName(name)];

    private string FindCursorName(string name) =>
        cursors.ContainsKey(name) ? name : throw new SqlException(SqlState.InvalidCursorName, $"cursor \"{name}\" does not exist");

    /// <summary>The transaction ended: its cursors without HOLD close; on rollback, so do the WITH HOLD ones it declared.</summary>
    private void CloseTransactionCursors(bool committed)
    {
        if (cursors.Count == 0) return;
        foreach ((string name, SessionCursor cursor) in cursors.ToList())
        {
            if (!cursor.Hold || !committed && !cursor.Committed) cursors.Remove(name);
            else cursor.Committed = true;
        }
    }
}
