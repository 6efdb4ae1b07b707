using Log.QueryNode.Execution;

namespace Log.QueryNode.Tests.Sql;

/// <summary>Window functions: ranking, offsets, values, aggregates over ROWS/RANGE/GROUPS frames with EXCLUDE, named windows, windows over grouped rows. Expected rows and errors were recorded from PostgreSQL 15.</summary>
public class WindowFunctionTests
{
    private readonly SqlHarness _sql = new();

    public WindowFunctionTests()
    {
        _sql.Run("create table w (id int primary key, dept text, salary int, f float8, n numeric)");
        _sql.Run("insert into w values (1, 'a', 100, 1.5, 1.5), (2, 'a', 200, 2.5, 2.25), (3, 'a', 200, null, 3), (4, 'b', 50, 0.5, null), (5, 'b', null, 4, 4.125), (6, 'c', 300, -1, 10), (7, 'b', 75, 2.5, 7), (8, null, 10, 8, 8)");
    }

    [Fact]
    public void Ranking_functions_with_ties_and_nulls()
    {
        Assert.Equal(["1|8|5|4", "2|7|3|3", "3|6|3|3", "4|5|7|6", "5|4|1|1", "6|3|2|2", "7|2|6|5", "8|1|8|7"], _sql.Text("select id, row_number() over (order by id desc), rank() over (order by salary desc), dense_rank() over (order by salary desc) from w order by id"));
        Assert.Equal(["1|0.42857142857142855|0.5", "2|0.5714285714285714|0.75", "3|0.5714285714285714|0.75", "4|0.14285714285714285|0.25", "5|1|1", "6|0.8571428571428571|0.875", "7|0.2857142857142857|0.375", "8|0|0.125"], _sql.Text("select id, percent_rank() over (order by salary), cume_dist() over (order by salary) from w order by id"));
        Assert.Equal(["a|1|1|0", "a|2|2|0.5", "a|3|2|0.5", "b|4|2|0", "b|5|1|1", "b|7|3|0.5", "c|6|1|0", "NULL|8|1|0"], _sql.Text("select dept, id, rank() over (partition by dept order by salary nulls first), percent_rank() over (partition by dept order by salary) from w order by dept, id"));
    }

    [Fact]
    public void Ntile_spreads_the_remainder_over_the_first_buckets()
    {
        Assert.Equal(["1|1|1|1", "2|1|2|1", "3|1|3|2", "4|2|4|1", "5|2|5|1", "6|2|6|1", "7|3|7|2", "8|3|8|1"], _sql.Text("select id, ntile(3) over (order by id), ntile(10) over (order by id), ntile(2) over (partition by dept order by id) from w order by id"));
    }

    [Fact]
    public void Lag_and_lead_with_offsets_and_defaults()
    {
        Assert.Equal(["1|NULL|200|-1|0|2.5|NULL", "2|100|50|100|100|100|NULL", "3|200|NULL|200|200|200|NULL", "4|200|300|200|200|200|NULL", "5|50|75|50|50|50|NULL", "6|NULL|10|NULL|NULL|NULL|NULL", "7|300|NULL|300|300|300|NULL", "8|75|NULL|75|75|75|NULL"], _sql.Text("select id, lag(salary) over (order by id), lead(salary, 2) over (order by id), lag(salary, 1, -1) over (order by id), lead(salary, -1, 0) over (order by id), lag(salary, 1, 2.5) over (order by id), lag(id, null) over (order by id) from w order by id"));
    }

    [Fact]
    public void Value_functions_follow_the_frame()
    {
        Assert.Equal(["1|100|100|NULL", "2|100|200|2", "3|100|200|2", "4|50|50|2", "5|50|NULL|2", "6|300|300|2", "7|50|75|2", "8|10|10|2"], _sql.Text("select id, first_value(salary) over (partition by dept order by id), last_value(salary) over (partition by dept order by id), nth_value(id, 2) over (order by id) from w order by id"));
        Assert.Equal(["1|3|75", "2|3|75", "3|3|75", "4|7|75", "5|7|75", "6|6|75", "7|7|75", "8|8|75"], _sql.Text("select id, last_value(id) over (partition by dept order by id rows between unbounded preceding and unbounded following), nth_value(salary, 3) over (order by salary rows between unbounded preceding and unbounded following) from w order by id"));
    }

    [Fact]
    public void Aggregates_over_partitions_and_running_frames()
    {
        Assert.Equal(["1|500|3|166.6666666666666667|1.5", "2|500|3|166.6666666666666667|1.5", "3|500|3|166.6666666666666667|1.5", "4|125|3|62.5000000000000000|0.5", "5|125|3|62.5000000000000000|0.5", "6|300|1|300.0000000000000000|-1", "7|125|3|62.5000000000000000|0.5", "8|10|1|10.0000000000000000|8"], _sql.Text("select id, sum(salary) over (partition by dept), count(*) over (partition by dept), avg(salary) over (partition by dept), min(f) over (partition by dept) from w order by id"));
        Assert.Equal(["1|235|4|1.5|1.5", "2|635|3|3.75|2", "3|635|3|6.75|2", "4|60|6|6.75|1.5", "5|935|0|10.875|2.125", "6|935|1|20.875|1.5", "7|135|5|27.875|1.6666666666666667", "8|10|7|35.875|2.5714285714285716"], _sql.Text("select id, sum(salary) over (order by salary), count(salary) over (order by salary desc), sum(n) over (order by id), avg(f) over (order by id) from w order by id"));
    }

    [Fact]
    public void Rows_frames_slide()
    {
        Assert.Equal(["1|100|200|250|NULL", "2|100|200|50|100.0000000000000000", "3|50|200|300|150.0000000000000000", "4|50|300|375|200.0000000000000000", "5|50|300|85|125.0000000000000000", "6|75|300|10|50.0000000000000000", "7|10|75|NULL|300.0000000000000000", "8|10|10|NULL|187.5000000000000000"], _sql.Text("select id, min(salary) over (order by id rows between 1 preceding and 1 following), max(salary) over (order by id rows between current row and 2 following), sum(salary) over (order by id rows between 2 following and 3 following), avg(salary) over (order by id rows between 2 preceding and 1 preceding) from w order by id"));
        Assert.Equal(["1|1.5|1.8750000000000000|aa", "2|3.75|2.6250000000000000|aaa", "3|5.25|3.0000000000000000|aab", "4|3|4.1250000000000000|abb", "5|4.125|7.0625000000000000|bbc", "6|14.125|8.5000000000000000|bcb", "7|17|7.5000000000000000|cb", "8|15|8.0000000000000000|b"], _sql.Text("select id, sum(n) over (order by id rows between 1 preceding and current row), avg(n) over (order by id rows between current row and 1 following), string_agg(dept, '') over (order by id rows between 1 preceding and 1 following) from w order by id"));
        Assert.Equal(["1|8|NULL", "2|7|NULL", "3|6|NULL", "4|5|NULL", "5|4|NULL", "6|3|NULL", "7|2|NULL", "8|1|NULL"], _sql.Text("select id, count(*) over (order by id rows between current row and unbounded following), sum(salary) over (order by id rows between 2 following and 1 following) from w order by id"));
    }

    [Fact]
    public void Range_frames_with_offsets_and_nulls()
    {
        Assert.Equal(["1|12|1|4", "2|5|5|3", "3|5|5|3", "4|20|12|2", "5|5|5|1", "6|6|6|3", "7|12|8|3", "8|12|12|1"], _sql.Text("select id, sum(id) over (order by salary range between 50 preceding and 50 following), sum(id) over (order by salary desc range between 50 preceding and current row), count(*) over (order by salary nulls first range between 100 preceding and 0 following) from w order by id"));
        Assert.Equal(["1|5|3", "2|10|6", "3|3|10", "4|10|4", "5|14|8", "6|6|6", "7|10|15", "8|8|15"], _sql.Text("select id, sum(id) over (order by f range between 1.5 preceding and 0.5 following), sum(id) over (order by n desc range between 1.25 preceding and 1.25 following) from w order by id"));
        Assert.Equal(["1|100|500", "2|300|500", "3|500|500", "4|550|125", "5|550|125", "6|850|300", "7|925|125", "8|935|10"], _sql.Text("select id, sum(salary) over (order by id range between unbounded preceding and current row), sum(salary) over (order by dept range current row) from w order by id"));
    }

    [Fact]
    public void Groups_frames()
    {
        Assert.Equal(["1|13|17|3", "2|12|16|3", "3|12|16|3", "4|19|28|6", "5|11|5|6", "6|16|11|4", "7|12|24|6", "8|12|36|2"], _sql.Text("select id, sum(id) over (order by salary groups between 1 preceding and 1 following), sum(id) over (order by salary groups between current row and unbounded following), count(*) over (order by dept groups 1 preceding) from w order by id"));
    }

    [Fact]
    public void Frame_exclusion()
    {
        Assert.Equal(["1|35|19", "2|34|20", "3|33|20", "4|32|8", "5|31|31", "6|30|25", "7|29|12", "8|28|NULL"], _sql.Text("select id, sum(id) over (order by salary rows between unbounded preceding and unbounded following exclude current row), sum(id) over (order by salary range between unbounded preceding and current row exclude group) from w order by id"));
        Assert.Equal(["1|13", "2|9", "3|10", "4|19", "5|11", "6|16", "7|12", "8|12"], _sql.Text("select id, sum(id) over (order by salary groups between 1 preceding and 1 following exclude ties) from w order by id"));
        Assert.Equal(["1|2|NULL|4", "2|3|1|4", "3|4|2|4", "4|5|3|7", "5|6|4|4", "6|7|5|4", "7|8|6|4", "8|NULL|7|7"], _sql.Text("select id, first_value(id) over (order by id rows between current row and 2 following exclude current row), last_value(id) over (order by id rows between 2 preceding and current row exclude current row), nth_value(id, 2) over (order by salary range between unbounded preceding and unbounded following exclude group) from w order by id"));
    }

    [Fact]
    public void Named_windows()
    {
        Assert.Equal(["1|500|100.0000000000000000|1", "2|500|150.0000000000000000|2", "3|500|166.6666666666666667|2", "4|125|50.0000000000000000|1", "5|125|50.0000000000000000|2", "6|300|300.0000000000000000|1", "7|125|62.5000000000000000|2", "8|10|10.0000000000000000|1"], _sql.Text("select id, sum(salary) over w, avg(salary) over (w order by id), count(*) over v from w window w as (partition by dept), v as (w order by id rows 1 preceding) order by id"));
        Assert.Equal(["1|1", "2|2", "3|2", "4|1", "5|3", "6|1", "7|2", "8|1"], _sql.Text("select id, rank() over v from w window u as (partition by dept), v as (u order by salary) order by id"));
    }

    [Fact]
    public void Window_functions_in_order_by_and_over_grouped_rows()
    {
        Assert.Equal(["8|1", "4|2", "7|3", "1|4", "2|5", "3|5", "6|7", "5|8"], _sql.Text("select id, rank() over (order by salary) from w order by rank() over (order by salary), id"));
        Assert.Equal(["a|500|1|935|4", "b|125|3|935|4", "c|300|2|935|4", "NULL|10|4|935|4"], _sql.Text("select dept, sum(salary), rank() over (order by sum(salary) desc), sum(sum(salary)) over (), count(*) over () from w group by dept order by dept"));
        Assert.Equal(["a|3|3|NULL", "b|3|6|a", "c|1|7|b", "NULL|1|8|c"], _sql.Text("select dept, count(*), sum(count(*)) over (order by dept), lag(dept) over (order by dept) from w group by dept order by dept"));
    }

    [Fact]
    public void Filters_empty_inputs_and_subqueries()
    {
        Assert.Equal(["1|1|t", "2|2|t", "3|3|t", "4|3|f", "5|3|f", "6|4|t", "7|5|f", "8|5|f"], _sql.Text("select id, count(*) filter (where salary > 60) over (order by id), bool_and(salary > 60) over (partition by dept) from w order by id"));
        Assert.Equal([], _sql.Text("select row_number() over (), sum(id) over () from w where false"));
        Assert.Equal(["4|2", "7|3", "8|1"], _sql.Text("select * from (select id, rank() over (order by salary) rk from w) s where rk <= 3 order by id"));
        Assert.Equal(["1|1", "2|3", "3|5", "4|7", "5|9", "6|11", "7|13", "8|15"], _sql.Text("select id, sum(id) over (order by id rows between (select 1) preceding and current row) from w order by id"));
    }

    [Theory]
    [InlineData("select * from w where row_number() over () > 1", "42P20", "window functions are not allowed in WHERE")]
    [InlineData("select dept from w group by row_number() over ()", "42P20", "window functions are not allowed in GROUP BY")]
    [InlineData("select dept from w group by dept having row_number() over () > 1", "42P20", "window functions are not allowed in HAVING")]
    [InlineData("select sum(row_number() over ()) from w", "42803", "aggregate function calls cannot contain window function calls")]
    [InlineData("select lag(row_number() over ()) over () from w", "42P20", "window function calls cannot be nested")]
    [InlineData("select row_number() over (partition by row_number() over ()) from w", "42P20", "window functions are not allowed in window definitions")]
    [InlineData("select row_number() from w", "42809", "window function row_number requires an OVER clause")]
    [InlineData("select lower(dept) over () from w", "42809", "OVER specified, but lower is not a window function nor an aggregate function")]
    [InlineData("select count(distinct id) over () from w", "0A000", "DISTINCT is not implemented for window functions")]
    [InlineData("select sum(id order by salary) over () from w", "0A000", "aggregate ORDER BY is not implemented for window functions")]
    [InlineData("select row_number() filter (where id > 1) over () from w", "0A000", "FILTER is not implemented for non-aggregate window functions")]
    [InlineData("select percentile_cont(0.5) within group (order by id) over () from w", "0A000", "OVER is not supported for ordered-set aggregate percentile_cont")]
    [InlineData("select sum(id) over x from w", "42704", "window \"x\" does not exist")]
    [InlineData("select sum(id) over (x order by salary) from w window x as (order by id)", "42P20", "cannot override ORDER BY clause of window \"x\"")]
    [InlineData("select sum(id) over (x partition by salary) from w window x as (order by id)", "42P20", "cannot override PARTITION BY clause of window \"x\"")]
    [InlineData("select sum(id) over (x) from w window x as (order by id rows unbounded preceding)", "42P20", "cannot copy window \"x\" because it has a frame clause")]
    [InlineData("select sum(id) over (order by id, salary range between 1 preceding and current row) from w", "42P20", "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")]
    [InlineData("select sum(id) over (rows between id preceding and current row) from w", "42P10", "argument of ROWS must not contain variables")]
    [InlineData("select sum(id) over (rows between -1 preceding and current row) from w", "22013", "frame starting offset must not be negative")]
    [InlineData("select sum(id) over (rows between null preceding and current row) from w", "22004", "frame starting offset must not be null")]
    [InlineData("select sum(id) over (order by id range between -1 preceding and current row) from w", "22013", "invalid preceding or following size in window function")]
    [InlineData("select sum(id) over (order by dept range between 1 preceding and current row) from w", "0A000", "RANGE with offset PRECEDING/FOLLOWING is not supported for column type text")]
    [InlineData("select sum(id) over (order by id range between 1.5 preceding and current row) from w", "0A000", "RANGE with offset PRECEDING/FOLLOWING is not supported for column type integer and offset type numeric")]
    [InlineData("select sum(id) over (groups between 1 preceding and current row) from w", "42P20", "GROUPS mode requires an ORDER BY clause")]
    [InlineData("select ntile(0) over () from w", "22014", "argument of ntile must be greater than zero")]
    [InlineData("select nth_value(id, 0) over () from w", "22016", "argument of nth_value must be greater than zero")]
    [InlineData("select id from w limit row_number() over ()", "42P20", "window functions are not allowed in LIMIT")]
    [InlineData("select lag(dept, 1, 5) over () from w", "42883", "function lag(text, integer, integer) does not exist")]
    public void Errors_match_postgresql(string sql, string sqlState, string message)
    {
        SqlException error = _sql.Error(sql);
        Assert.Equal((sqlState, message), (error.SqlState, error.Message));
    }
}
