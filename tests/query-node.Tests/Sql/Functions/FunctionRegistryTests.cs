using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Functions;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Tests.Sql.Functions;

/// <summary>The registry's contract: overload resolution as PostgreSQL's func_select_candidate (messages, hints and
/// positions recorded from PostgreSQL 15), folding by volatility, and functions that need a missing type failing
/// with 0A000 naming it.</summary>
public sealed class FunctionRegistryTests
{
    private readonly SqlHarness _sql = new();

    [Theory]
    [InlineData("select to_char('1', 'x')", "42725", "function to_char(unknown, unknown) is not unique", 8,
        "Could not choose a best candidate function. You might need to add explicit type casts.")]
    [InlineData("select mod('1', '2')", "42725", "function mod(unknown, unknown) is not unique", 8,
        "Could not choose a best candidate function. You might need to add explicit type casts.")]
    [InlineData("select lower(1)", "42883", "function lower(integer) does not exist", 8,
        "No function matches the given name and argument types. You might need to add explicit type casts.")]
    [InlineData("select 1 + abs(lower(2))", "42883", "function lower(integer) does not exist", 16,
        "No function matches the given name and argument types. You might need to add explicit type casts.")]
    [InlineData("select round(1, 2, 3)", "42883", "function round(integer, integer, integer) does not exist", 8,
        "No function matches the given name and argument types. You might need to add explicit type casts.")]
    [InlineData("select substring('abc' from 1 for 'x')", "22P02", "invalid input syntax for type integer: \"x\"", 35, null)]
    public void Resolution_errors_match_postgresql(string sql, string sqlState, string message, int position, string? hint)
    {
        SqlException error = _sql.Error(sql);
        Assert.Equal((sqlState, message, position, hint), (error.SqlState, error.Message, error.Position, error.Hint));
    }

    [Fact]
    public void Only_immutable_functions_are_folded_when_the_query_is_planned()
    {
        _sql.Run("create table t (id int primary key)");
        // sqrt(-1) is immutable: computed at plan time, so it fails although no row is read (as in PostgreSQL).
        Assert.Equal("2201F", _sql.Error("select sqrt(-1) from t").SqlState);
        // Volatile and stable functions are called per row: over no rows they are never called.
        Assert.Empty(_sql.Text("select setseed(2) from t"));
        Assert.Empty(_sql.Text("select current_setting('nosuch') from t"));
        _sql.Run("insert into t values (1)");
        Assert.Equal("22023", _sql.Error("select setseed(2) from t").SqlState);
    }

    [Fact]
    public void Special_syntaxes_name_their_columns_as_postgresql()
    {
        var columns = _sql.Run("select 'a' ~ 'b' as m, trim('x'), extract(year from date '2024-01-01'), substring('abc' from 2), "
            + "position('b' in 'abc'), 'x' similar to 'x', timestamp '2024-01-01' at time zone 'UTC', now() is not null").Columns!;
        Assert.Equal(["m", "btrim", "extract", "substring", "position", "?column?", "timezone", "?column?"], columns.Select(column => column.Name));
    }

    [Fact]
    public void Current_time_is_the_transaction_start_with_the_session_zone_offset()
    {
        Assert.Equal("time with time zone", _sql.Scalar("select pg_typeof(current_time)::text"));
        // The same instant as current_timestamp, whatever the zone: timetz equality compares time and offset.
        Assert.Equal("t", _sql.Scalar("select current_time = current_timestamp::timetz"));
        string value = _sql.Scalar("select current_time");
        Assert.Matches(@"^\d\d:\d\d:\d\d(\.\d+)?\+00$", value);
    }

    [Fact]
    public void Every_builtin_is_registered_once_with_a_consistent_signature()
    {
        FunctionRegistry registry = FunctionRegistry.Builtins;
        foreach (string name in new[] { "abs", "round", "substr", "regexp_replace", "date_trunc", "to_char", "now", "current_setting" })
        {
            IReadOnlyList<FunctionDefinition> overloads = registry.Lookup(name);
            Assert.NotEmpty(overloads);
            Assert.Equal(overloads.Count, overloads.Select(overload => overload.ToString()).Distinct().Count());
        }
        Assert.Equal(Volatility.Volatile, registry.Lookup("random")[0].Volatility);
        Assert.Equal(Volatility.Stable, registry.Lookup("now")[0].Volatility);
        Assert.Equal(Volatility.Immutable, registry.Get("abs", SqlType.Int4).Volatility);
        Assert.False(registry.Lookup("concat")[0].Strict);
        Assert.Equal("concat(VARIADIC \"any\")", registry.Lookup("concat")[0].ToString());
    }

    [Fact]
    public void Resolution_prefers_exact_matches_then_preferred_types_then_the_string_category()
    {
        FunctionRegistry registry = FunctionRegistry.Builtins;
        (FunctionResolution? round, _) = FunctionResolver.Resolve(registry.Lookup("round"), [SqlType.Int4]);
        Assert.Equal(SqlType.Float8, round!.ResultType); // round(1) is round(double precision), as in PostgreSQL
        (FunctionResolution? roundNumeric, _) = FunctionResolver.Resolve(registry.Lookup("round"), [SqlType.Numeric, SqlType.Unknown]);
        Assert.Equal([SqlType.Numeric, SqlType.Int4], roundNumeric!.ArgumentTypes);
        (FunctionResolution? length, _) = FunctionResolver.Resolve(registry.Lookup("length"), [SqlType.Unknown]);
        Assert.Equal(SqlType.Text, length!.ArgumentTypes[0]);
        (FunctionResolution? trunc, _) = FunctionResolver.Resolve(registry.Lookup("date_trunc"), [SqlType.Unknown, SqlType.Date]);
        Assert.Equal(SqlType.TimestampTz, trunc!.ResultType);
        (_, ResolutionFailure failure) = FunctionResolver.Resolve(registry.Lookup("lower"), [SqlType.Int4]);
        Assert.Equal(ResolutionFailure.NotFound, failure);
    }
}
