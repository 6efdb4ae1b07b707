using Log.QueryNode.Execution;

namespace Log.QueryNode.Tests.Sql;

/// <summary>Odd input must end in a result or a SqlException, never in another exception.</summary>
public class RobustnessTests
{
    private static readonly string[] Queries =
    [
        "select -'1'", "select 'a' = 1", "select sum('a')", "select count(distinct name) from t", "select null + 1",
        "select null = null", "select null::int", "select true and 1", "select 1 where true", "select * from t where id = null",
        "select id from t where id = 1.5", "select 1.5::float8 % 2", "select 5 % 0", "select -9223372036854775808",
        "select 2::bigint::bool", "select true::int", "select 1::text::int", "select 'nan'::float8", "select 1e400::float8",
        "select max(name), min(id) from t", "select avg(name) from t", "select count(*) from t group by name order by name",
        "select name from t group by name order by count(*) desc", "select sum(count(*)) from t", "select id from t limit 'x'",
        "select id from t limit id", "select * from t order by 5", "select * from t order by id, id desc", "select t.nope from t",
        "select x.id from t", "select * from public.t", "select * from other.t", "select 1 = 1 = true", "select (1 = 1) is true",
        "select name is not distinct from null from t", "select abs(-5), abs(-5.5), lower('AbC'), upper(name) from t",
        "select round(2.5), round(2.345, 2), trunc(2.9), round(2.5::float8)", "select greatest(1, 2.5, null), least('b', 'a')",
        "select nullif(1, 1), nullif(1, 2)", "select version()", "select current_user", "select foo(1)", "select $1",
        "select 1::foo", "select 1::varchar(0)", "select 1::numeric(40)", "select cast('x' as bool)", "select 'abc' like 1",
        "select id from t where name ilike 'A%'", "select case 1 when 1 then 'one' else 2 end", "select case when 1 then 1 end",
        "select 1 in ('a')", "select 1 in (1, 'x')", "select 'a' in (1)", "select id between 'a' and 2 from t",
        "insert into t values (1, 'x') returning nope", "insert into t (id) values (default)", "insert into t select 1, 'a', 3",
        "update t set id = id / 0", "update t set name = default where id = 1", "delete from t where name = 1",
        "select 10000000000000000000000000000000000", "select 99999999999999999999999999::numeric * 100000",
        "select 1.0 / 3.0 * 3.0", "select 1e-30::numeric", "select '1e5'::int", "select ' 12 '::int", "select '12.5'::int",
        "select 'on'::bool, 'of'::bool", "select 32768::smallint", "select (-32768)::smallint", "select -(-2147483648)",
        "select 1 || null", "select distinct * from t order by 1", "select distinct id from t order by name", "show all",
        "select count(*) filter (where true) from t", "select e'\\x41\\101\\u0042'", "select 'a' 'b'", "select 'a'\n'b'",
        "select 1 from t having count(*) > 0", "select id, count(*) from t group by 2", "select * from t for update",
        "select count(*) from t for update", "select id::bool from t", "select 1.5 % 0.4", "select 9223372036854775807::float8::bigint",
        "select 'Infinity'::float8::int", "select 1e308::float8 * 10", "select length('\U0001F600')", "select ''::char(3) = '   '",
        "select 'a '::char(3) || 'b'", "drop table t; select * from t",
        "select now() + 1", "select '2024-01-01'::date - 1", "select max(now()), sum(now())", "select now()::date::text::timestamp",
        "select '2024-02-30'::date", "select '24:00'::timestamp", "select cast(now() as int)", "select 'today'::date < now()",
        "select timestamp '2024-01-01 10:00' > date '2024-01-01'", "select '2024-01-01 10:00:00.1234567+05:30'::timestamptz",
        "alter table t add column at timestamp(3) with time zone; select at from t", "alter table t rename to t",
        "select id from t where id in (select 1)", "select * from t where id in (1, 2) and id in (2, 3)",
    ];

    [Fact]
    public void Odd_queries_end_in_a_result_or_a_sql_error()
    {
        var failures = new List<string>();
        foreach (string query in Queries)
        {
            var sql = new SqlHarness();
            sql.Run("create table t (id int primary key, name text, score int)");
            sql.Run("insert into t values (1, 'a', 10), (2, null, null)");
            try
            {
                sql.Run(query);
            }
            catch (SqlException)
            {
            }
            catch (Exception exception)
            {
                failures.Add($"{query}: {exception.GetType().Name}: {exception.Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Long_operator_chains_hit_the_depth_limit_not_the_stack()
    {
        string sql = "select " + string.Join(" + ", Enumerable.Repeat("1", 20_000));
        Assert.Equal("54001", Assert.Throws<SqlException>(() => new SqlHarness().Run(sql)).SqlState);
        Assert.Equal("500", new SqlHarness().Scalar("select " + string.Join(" + ", Enumerable.Repeat("1", 500))));
    }

    [Theory]
    [InlineData("select 'abc'::varchar(2)", "ab")]
    [InlineData("select round(2.5), round(2.345, 2), trunc(2.9)", "3|2.35|2")]
    [InlineData("select 'a'\n'b'", "ab")]
    [InlineData("select ' 12 '::int", "12")]
    [InlineData("select 1.0 / 3.0", "0.33333333333333333333")]
    [InlineData("select 'a '::char(3) = 'a'", "t")]
    [InlineData("select 1 = 1 is true", "t")]
    [InlineData("select -(-2147483647)", "2147483647")]
    [InlineData("select e'\\x41\\101'", "AA")]
    [InlineData("select 1.5 % 0.4", "0.3")]
    [InlineData("select greatest(1, 2.5, null)", "2.5")]
    public void Expression_results(string sql, string expected) => Assert.Equal(expected, new SqlHarness().Scalar(sql));

    [Theory]
    [InlineData("select '12.5'::int", "22P02")]
    [InlineData("select 32768::smallint", "22003")]
    [InlineData("select sum(count(*)) from t", "42803")]
    [InlineData("select 1 in (1, 'x')", "22P02")]
    [InlineData("select foo(1)", "42883")]
    [InlineData("select $1", "42P02")]
    [InlineData("select 1::foo", "42704")]
    [InlineData("select '1.2.3.4'::inet", "0A000")]
    [InlineData("select * from other.t", "42P01")]
    [InlineData("select true and 1", "42804")]
    [InlineData("select id from t where 1", "42804")]
    [InlineData("select * from t order by 5", "42P10")]
    [InlineData("select 1 = 1 = true", "42601")]
    [InlineData("select 1::text::int + 'a'", "22P02")]
    public void Expression_errors(string sql, string sqlState)
    {
        var harness = new SqlHarness();
        harness.Run("create table t (id int primary key)");
        Assert.Equal(sqlState, Assert.ThrowsAny<SqlException>(() => harness.Run(sql)).SqlState);
    }
}

public class LikeTests
{
    [Theory]
    [InlineData("abc", "abc", true)]
    [InlineData("abc", "a%", true)]
    [InlineData("abc", "%c", true)]
    [InlineData("abc", "a_c", true)]
    [InlineData("abc", "a_", false)]
    [InlineData("abc", "%b%", true)]
    [InlineData("abc", "%d%", false)]
    [InlineData("", "%", true)]
    [InlineData("", "_", false)]
    [InlineData("a%b", "a\\%b", true)]
    [InlineData("axb", "a\\%b", false)]
    [InlineData("aaa", "%a%a%a%", true)]
    [InlineData("mississippi", "m%iss%pi", true)]
    [InlineData("mississippi", "m%iss%pix", false)]
    public void Like_patterns(string value, string pattern, bool expected) =>
        Assert.Equal(expected, Log.QueryNode.Sql.Executor.LikeMatcher.IsMatch(value, pattern, caseInsensitive: false));

    [Fact]
    public void Pathological_pattern_is_fast()
    {
        string value = new string('a', 5000);
        string pattern = string.Concat(Enumerable.Repeat("%a", 50)) + "%b";
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(Log.QueryNode.Sql.Executor.LikeMatcher.IsMatch(value, pattern, caseInsensitive: false));
        Assert.True(watch.ElapsedMilliseconds < 2000);
    }
}
