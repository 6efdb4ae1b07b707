using Log.Wire.Tests;

namespace Log.Integration.Tests.Scripts;

/// <summary>Prepared statements whose plan is kept across Binds: compared with PostgreSQL 15 message by message.</summary>
public sealed partial class LogScriptTests
{
    /// <summary>A named statement bound with several values, in one Sync and across Syncs, including NULL and a value
    /// that is not an integer (22P02 at Bind).</summary>
    [PostgresFact]
    public Task PreparedPointLookupBoundWithManyValues() => RunAsync(WithFiveRows("it_script_cache",
        Frontend.Parse("s1", "SELECT name FROM it_script_cache WHERE id = $1"), Frontend.Describe('S', "s1"), Frontend.Sync(),
        Frontend.Bind("", "s1", ["2"]), Frontend.Execute(""), Frontend.Bind("", "s1", ["5"]), Frontend.Execute(""), Frontend.Sync(),
        Frontend.Bind("", "s1", ["9"]), Frontend.Execute(""), Frontend.Bind("", "s1", [null]), Frontend.Execute(""), Frontend.Sync(),
        Frontend.Bind("", "s1", ["two"]), Frontend.Execute(""), Frontend.Sync(),
        Frontend.Bind("", "s1", ["1"]), Frontend.Execute(""), Frontend.Sync()));

    /// <summary>Ranges, IN lists and LIMIT/OFFSET from parameters, each statement bound twice with other values.</summary>
    [PostgresFact]
    public Task PreparedRangesAndLimitsTakeEachBindsValues() => RunAsync(WithFiveRows("it_script_range",
        Frontend.Parse("r", "SELECT id FROM it_script_range WHERE id >= $1 AND id < $2 ORDER BY id"),
        Frontend.Bind("", "r", ["2", "4"]), Frontend.Execute(""), Frontend.Bind("", "r", ["4", "9"]), Frontend.Execute(""), Frontend.Sync(),
        Frontend.Parse("i", "SELECT id FROM it_script_range WHERE id IN ($1, $2, $3) ORDER BY id"),
        Frontend.Bind("", "i", ["5", null, "1"]), Frontend.Execute(""), Frontend.Bind("", "i", ["3", "3", "7"]), Frontend.Execute(""), Frontend.Sync(),
        Frontend.Parse("l", "SELECT id FROM it_script_range ORDER BY id LIMIT $1 OFFSET $2"),
        Frontend.Bind("", "l", ["2", "1"]), Frontend.Execute(""), Frontend.Bind("", "l", ["1", "4"]), Frontend.Execute(""),
        Frontend.Bind("", "l", ["-1", "0"]), Frontend.Execute(""), Frontend.Sync()));

    /// <summary>After DDL the statement is planned again: a query whose columns stay the same goes on, one whose result
    /// type changed is 0A000 "cached plan must not change result type", one whose table is gone is 42P01, at Bind.</summary>
    [PostgresFact]
    public Task PreparedStatementsAfterDdl() => RunAsync(WithFiveRows("it_script_ddl",
        Frontend.Parse("narrow", "SELECT name FROM it_script_ddl WHERE id = $1"), Frontend.Parse("star", "SELECT * FROM it_script_ddl WHERE id = $1"),
        Frontend.Bind("", "narrow", ["1"]), Frontend.Execute(""), Frontend.Bind("", "star", ["1"]), Frontend.Execute(""), Frontend.Sync(),
        Bytes.Query("ALTER TABLE it_script_ddl ADD COLUMN extra int4"),
        Frontend.Bind("", "narrow", ["2"]), Frontend.Execute(""), Frontend.Sync(),
        Frontend.Bind("", "star", ["2"]), Frontend.Execute(""), Frontend.Sync(),
        Bytes.Query("DROP TABLE it_script_ddl"),
        Frontend.Bind("", "narrow", ["3"]), Frontend.Execute(""), Frontend.Sync(),
        Bytes.Query("CREATE TABLE it_script_ddl (id int4 PRIMARY KEY, name text)"),
        Bytes.Query("INSERT INTO it_script_ddl (id, name) VALUES (3, 'again')"),
        Frontend.Bind("", "narrow", ["3"]), Frontend.Execute(""), Frontend.Sync()));

    /// <summary>A constant error of a named statement is raised at every Bind; rows before an error that depends on a
    /// parameter reach the client before it.</summary>
    [PostgresFact]
    public Task PreparedConstantErrorAtEachBindAndRowsBeforeAnError() => RunAsync(WithFiveRows("it_script_err",
        Frontend.Parse("z", "SELECT 1/0"), Frontend.Sync(),
        Frontend.Bind("", "z", []), Frontend.Execute(""), Frontend.Sync(),
        Frontend.Bind("", "z", []), Frontend.Execute(""), Frontend.Sync(),
        Frontend.Parse("d", "SELECT 10/(id - $1) FROM it_script_err ORDER BY id"),
        Frontend.Bind("", "d", ["3"]), Frontend.Execute(""), Frontend.Sync(),
        Frontend.Bind("", "d", ["0"]), Frontend.Execute(""), Frontend.Sync()));
}
