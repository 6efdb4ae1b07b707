using Log.Wire.Tests;

namespace Log.Integration.Tests.Scripts;

/// <summary>SQL cursors over the wire: compared with PostgreSQL 15 message by message.</summary>
public sealed partial class LogScriptTests
{
    /// <summary>DECLARE ... BINARY CURSOR: FETCH over the simple query protocol describes its fields with format 1 and
    /// sends each value in its type's binary send format (NULLs, several types, FETCH in steps and MOVE); pg_cursors
    /// shows is_binary. Over the extended protocol Bind's result formats decide, whatever the cursor says.</summary>
    [PostgresFact]
    public Task BinaryCursorFetchesRowsInBinary() => RunAsync(WithFiveRows("it_script_binary_cursor",
        Bytes.Query("BEGIN"),
        Bytes.Query("DECLARE c BINARY CURSOR FOR SELECT id, name, id * 10000000000 AS big, id::numeric / 4 AS quarter, id % 2 = 0 AS even, " +
            "DATE '2024-02-28' + id AS day, TIMESTAMPTZ '2024-01-01 00:00:00+00' + id * INTERVAL '1 hour' AS at, id / 3.0::float8 AS third, " +
            "NULLIF(name, 'c') AS maybe FROM it_script_binary_cursor ORDER BY id"),
        // Expressions, not the view's columns: RowDescription would name pg_cursors as their table.
        Bytes.Query("SELECT name || '', is_binary AND true, is_scrollable AND true FROM pg_cursors"),
        Bytes.Query("FETCH 2 FROM c"),
        Bytes.Query("MOVE 1 FROM c"),
        Bytes.Query("FETCH ALL FROM c"),
        Bytes.Query("FETCH PRIOR FROM c"),
        Frontend.Parse("", "FETCH ABSOLUTE 1 FROM c"), Frontend.Bind("", "", []), Frontend.Describe('P', ""), Frontend.Execute(""), Frontend.Sync(),
        Frontend.Parse("", "FETCH RELATIVE 1 FROM c"), Frontend.Bind("", "", [], 1), Frontend.Execute(""), Frontend.Sync(),
        Bytes.Query("DECLARE t CURSOR FOR SELECT 1 AS one, 'x'::text AS x"),
        Bytes.Query("FETCH t"),
        Bytes.Query("CLOSE c"),
        Bytes.Query("COMMIT")));
}
