using Log.QueryNode.Execution;
using Log.QueryNode.Sql;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sessions;

/// <summary>
/// SQL cursors (DECLARE, FETCH, MOVE, CLOSE), which psycopg2's named cursors use: Django reads large querysets
/// (QuerySet.iterator(), the admin's select widgets) through them. A cursor runs its query when it is declared, in the
/// transaction's snapshot, and keeps the rows (under the engine's own result limits), through which FETCH and MOVE go
/// every way. The rows of a snapshot do not change, so this answers as PostgreSQL's lazily run cursor does, except that
/// the query's errors come at DECLARE rather than at the FETCH that reaches them. A cursor ends with its transaction
/// unless declared WITH HOLD; a rolled-back transaction takes its WITH HOLD cursors along, as in PostgreSQL.
/// </summary>
public sealed partial class QuerySession
{
    private readonly Dictionary<string, SessionCursor> cursors = new(StringComparer.Ordinal);

    private sealed class SessionCursor(IReadOnlyList<ResultColumn> columns, IReadOnlyList<object?[]> rows, bool hold, bool scroll, string statement,
        DateTime creationTimeUtc, bool binary)
    {
        public IReadOnlyList<ResultColumn> Columns { get; } = columns;
        public IReadOnlyList<object?[]> Rows { get; } = rows;
        public bool Hold { get; } = hold;

        /// <summary>Whether FETCH may move backward: false only for NO SCROLL (see <see cref="DeclareCursorAsync"/>).</summary>
        public bool Scroll { get; } = scroll;

        /// <summary>The DECLARE statement's text, as pg_cursors shows it.</summary>
        public string Statement { get; } = statement;

        public DateTime CreationTimeUtc { get; } = creationTimeUtc;

        /// <summary>DECLARE ... BINARY: FETCH sends the rows in binary (see <see cref="StatementResult.BinaryRows"/>).</summary>
        public bool Binary { get; } = binary;

        /// <summary>PostgreSQL's portal position: 0 before the first row, n on row n, Rows.Count + 1 after the last.</summary>
        public long Position { get; set; }

        /// <summary>Whether the transaction that declared it has committed (a later rollback keeps it).</summary>
        public bool Committed { get; set; }
    }

    /// <summary>The open cursors, as pg_cursors lists them.</summary>
    private IReadOnlyList<Sql.Executor.OpenCursor> OpenCursors() => cursors
        .Select(entry => new Sql.Executor.OpenCursor(entry.Key, entry.Value.Statement, entry.Value.Hold, entry.Value.Scroll, entry.Value.CreationTimeUtc, entry.Value.Binary))
        .ToList();

    /// <summary>
    /// A cursor keeps its rows, so it can move backward whatever its plan; it is scrollable unless declared NO SCROLL.
    /// (PostgreSQL makes a cursor declared with neither scrollable only when its plan can run backward, which most
    /// plans over one table can and joins and aggregates cannot; Log answers as it does for the former.)
    /// </summary>
    private async ValueTask<StatementResult> DeclareCursorAsync(DeclareCursorStmt declare, string statementText, IReadOnlyList<object?>? parameters,
        CancellationToken cancellationToken)
    {
        if (!declare.Hold && !explicitTransaction)
        {
            throw new SqlException(SqlState.NoActiveSqlTransaction, "DECLARE CURSOR can only be used in transaction blocks");
        }
        if (cursors.ContainsKey(declare.Name)) throw new SqlException(SqlState.DuplicateCursor, $"cursor \"{declare.Name}\" already exists");
        transaction ??= await BeginAsync(cancellationToken);
        var query = new ParsedStatement(declare.Query, declare.QueryText, parameters?.Count ?? 0);
        StatementResult result = await engine.ExecuteAsync(query, parameters, null, transaction, settings.DateTimeSettings, Environment, streamRows: false, cancellationToken);
        cursors[declare.Name] = new SessionCursor(result.Columns ?? [], result.Rows, declare.Hold, declare.Scroll != false, statementText,
            Sql.Executor.StatementContext.TruncateToMicroseconds(DateTime.UtcNow), declare.Binary);
        return new StatementResult(null, null, "DECLARE CURSOR");
    }

    /// <summary>
    /// FETCH and MOVE as PostgreSQL's DoPortalRunFetch moves a portal: a count of 0 (FORWARD 0, RELATIVE 0) is the
    /// current row; ABSOLUTE and RELATIVE go to one row and return it if there is one; FORWARD and BACKWARD return
    /// the rows they pass, stopping before the first or after the last row. MOVE moves the same way and counts the
    /// rows it would have returned.
    /// </summary>
    private StatementResult Fetch(FetchStmt fetch)
    {
        SessionCursor cursor = FindCursor(fetch.Name);
        long rowCount = cursor.Rows.Count;
        FetchDirection direction = fetch.Direction;
        long? count = fetch.Count;
        if (count < 0 && direction is FetchDirection.Forward or FetchDirection.Backward)
        {
            direction = direction == FetchDirection.Forward ? FetchDirection.Backward : FetchDirection.Forward;
            count = -count;
        }
        var taken = new List<long>();
        switch (direction)
        {
            case FetchDirection.Forward or FetchDirection.Backward when count == 0:
            case FetchDirection.Relative when count == 0:
                // The current row, if the cursor is on one; PostgreSQL steps back one row and reads it again.
                if (cursor.Position >= 1 && cursor.Position <= rowCount)
                {
                    RequireScroll(cursor);
                    taken.Add(cursor.Position);
                }
                break;
            case FetchDirection.Forward:
                for (long step = 0; (count is null || step < count) && cursor.Position <= rowCount; step++)
                {
                    cursor.Position++;
                    if (cursor.Position <= rowCount) taken.Add(cursor.Position);
                }
                break;
            case FetchDirection.Backward:
                RequireScroll(cursor);
                for (long step = 0; (count is null || step < count) && cursor.Position >= 1; step++)
                {
                    cursor.Position--;
                    if (cursor.Position >= 1) taken.Add(cursor.Position);
                }
                break;
            case FetchDirection.Absolute or FetchDirection.Relative:
                long target = direction == FetchDirection.Absolute
                    ? count >= 0 ? count.Value : rowCount + 1 + count!.Value
                    : cursor.Position + count!.Value;
                // ABSOLUTE rewinds to the start unless it only has to move forward; a negative one runs to the end and back.
                bool backward = direction == FetchDirection.Absolute
                    ? count < 0 || cursor.Position > 0 && target <= cursor.Position
                    : count < 0;
                if (backward) RequireScroll(cursor);
                cursor.Position = Math.Clamp(target, 0, rowCount + 1);
                if (cursor.Position >= 1 && cursor.Position <= rowCount) taken.Add(cursor.Position);
                break;
        }
        string tag = $"{(fetch.IsMove ? "MOVE" : "FETCH")} {taken.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        if (fetch.IsMove) return new StatementResult(null, null, tag);
        return new StatementResult(cursor.Columns, taken.Select(position => cursor.Rows[(int)(position - 1)]).ToList(), tag) { BinaryRows = cursor.Binary };
    }

    private static void RequireScroll(SessionCursor cursor)
    {
        if (!cursor.Scroll)
        {
            throw new SqlException(SqlState.ObjectNotInPrerequisiteState, "cursor can only scan forward",
                hint: "Declare it with SCROLL option to enable backward scan.");
        }
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
