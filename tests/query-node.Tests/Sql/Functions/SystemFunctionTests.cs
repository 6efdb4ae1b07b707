namespace Log.QueryNode.Tests.Sql.Functions;

/// <summary>System functions: each query's expected result (rows as psql -At prints them, NULL as "NULL") or SQLSTATE was
/// recorded from PostgreSQL 15 by running the query in cases/system.sql against it (TimeZone UTC, DateStyle ISO, MDY).</summary>
public sealed class SystemFunctionTests
{
    [Theory]
    [InlineData("select current_setting('TimeZone'), current_setting('datestyle'), current_setting('server_encoding'), current_setting('nosuch.setting', true), current_setting('search_path')", "UTC|ISO, MDY|UTF8|NULL|\"$user\", public")]
    [InlineData("select current_setting('nosuch')", "ERROR 42704")]
    [InlineData("select current_setting(null)", "NULL")]
    [InlineData("select pg_typeof(1), pg_typeof('a'), pg_typeof(1.5), pg_typeof(null), pg_typeof(now()), pg_typeof('a'::varchar(3)), pg_typeof(1::int8), pg_typeof(true), pg_typeof(current_date), pg_typeof('a'::char)", "integer|unknown|numeric|unknown|timestamp with time zone|character varying|bigint|boolean|date|character")]
    [InlineData("select current_database(), current_schema(), current_schema, current_catalog, current_user, session_user, user, current_role", "postgres|public|public|postgres|postgres|postgres|postgres|postgres")]
    [InlineData("select now() = current_timestamp, now() = transaction_timestamp(), pg_typeof(now()), pg_typeof(localtimestamp), pg_typeof(current_date), pg_typeof(statement_timestamp()), pg_typeof(clock_timestamp())", "t|t|timestamp with time zone|timestamp without time zone|date|timestamp with time zone|timestamp with time zone")]
    [InlineData("select clock_timestamp() >= now(), statement_timestamp() >= now(), current_date = now()::date, localtimestamp = now()::timestamp", "t|t|t|t")]
    [InlineData("select txid_current() = txid_current(), pg_typeof(txid_current()), pg_backend_pid() > 0", "t|bigint|t")]
    [InlineData("select coalesce(null, 2, 3), coalesce(null, null), nullif(1, 1), nullif(1, 2), greatest(1, 2.5, null), least('b', 'a'), greatest(null, null), coalesce(1, 2.5)", "2|NULL|NULL|1|2.5|a|NULL|1")]
    [InlineData("select coalesce(1, 'a')", "ERROR 22P02")]
    [InlineData("select greatest(1, 'x')", "ERROR 22P02")]
    [InlineData("select nosuchfunction(1)", "ERROR 42883")]
    [InlineData("select abs(1, 2)", "ERROR 42883")]
    [InlineData("select concat_ws(',', 1)::text, length(concat(1, 2))", "1|2")]
    [InlineData("select pg_sleep(0), pg_advisory_unlock_all()", "|")]
    [InlineData("select version() like 'PostgreSQL%'", "t")]
    [InlineData("select date(now()) = current_date, int4('5'), int4(2.5), date('2024-01-05'), text('x'), int4('5'::text), text(1), int4(true), float8('1.5'::text), bool('t'), date(timestamp '2024-01-01 10:00')", "t|5|3|2024-01-05|x|5|1|1|1.5|t|2024-01-01")]
    [InlineData("select date(1)", "ERROR 42883")]
    [InlineData("select int4('x')", "ERROR 22P02")]
    public void Matches_postgresql(string sql, string expected) => FunctionCase.Check(sql, expected);
}
