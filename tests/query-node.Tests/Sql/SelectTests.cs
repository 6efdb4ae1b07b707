using Log.QueryNode.Execution;

namespace Log.QueryNode.Tests.Sql;

public class SelectTests
{
    private readonly SqlHarness _sql = new();

    public SelectTests()
    {
        _sql.Run("create table t (id int primary key, name text, score int)");
        _sql.Run("insert into t values (1, 'a', 10), (2, 'b', null), (3, 'c', 30), (4, null, 20)");
    }

    [Fact]
    public void Select_without_from()
    {
        var result = _sql.Run("select 1");
        Assert.Equal("SELECT 1", result.CommandTag);
        Assert.Equal("?column?", result.Columns![0].Name);
        Assert.Equal(23, result.Columns[0].TypeOid);
        Assert.Equal("2", _sql.Scalar("select 1+1 as x"));
        Assert.Equal("x", _sql.Run("select 1+1 as x").Columns![0].Name);
        Assert.Equal("y", _sql.Run("select 1 y").Columns![0].Name);
    }

    [Theory]
    [InlineData("select 1::int", "int4", 23)]
    [InlineData("select 1::numeric", "numeric", 1700)]
    [InlineData("select 'a'::text", "text", 25)]
    [InlineData("select cast(1 as bigint)", "int8", 20)]
    [InlineData("select 'a'", "?column?", 25)]
    [InlineData("select true", "bool", 16)]
    [InlineData("select count(*) from t", "count", 20)]
    [InlineData("select name from t", "name", 25)]
    [InlineData("select score::text from t", "score", 25)]
    [InlineData("select 1.5", "?column?", 1700)]
    [InlineData("select 3000000000", "?column?", 20)]
    [InlineData("select 1.5::float8", "float8", 701)]
    [InlineData("select 'x'::varchar(3)", "varchar", 1043)]
    public void Output_names_and_types(string sql, string name, int oid)
    {
        var column = Assert.Single(_sql.Run(sql).Columns!);
        Assert.Equal(name, column.Name);
        Assert.Equal(oid, column.TypeOid);
    }

    [Fact]
    public void Type_sizes_and_modifiers()
    {
        _sql.Run("create table m (a varchar(10), b numeric(10,2), c smallint, d float8, e bool, f numeric)");
        var columns = _sql.Run("select * from m").Columns!;
        Assert.Equal((1043, (short)-1, 14), (columns[0].TypeOid, columns[0].TypeSize, columns[0].TypeModifier));
        Assert.Equal((1700, (short)-1, ((10 << 16) | 2) + 4), (columns[1].TypeOid, columns[1].TypeSize, columns[1].TypeModifier));
        Assert.Equal((21, (short)2, -1), (columns[2].TypeOid, columns[2].TypeSize, columns[2].TypeModifier));
        Assert.Equal((701, (short)8), (columns[3].TypeOid, columns[3].TypeSize));
        Assert.Equal((16, (short)1), (columns[4].TypeOid, columns[4].TypeSize));
        Assert.Equal(-1, columns[5].TypeModifier);
    }

    [Fact]
    public void Where_with_three_valued_logic()
    {
        Assert.Equal(["1"], _sql.Text("select id from t where score < 20"));
        Assert.Equal(["1", "3", "4"], _sql.Text("select id from t where score is not null order by id"));
        Assert.Equal(["2"], _sql.Text("select id from t where score is null"));
        // NULL > 5 is unknown: neither it nor its negation selects row 2.
        Assert.Equal(["1", "3", "4"], _sql.Text("select id from t where score > 5 order by id"));
        Assert.Empty(_sql.Text("select id from t where not (score > 5)"));
        Assert.Equal(["2", "3"], _sql.Text("select id from t where score > 25 or name = 'b' order by id"));
        Assert.Equal("NULL|f|NULL|t", _sql.Scalar("select null and true, null and false, null or false, null or true"));
        Assert.Equal(["1", "3"], _sql.Text("select id from t where score <> 20 and name != 'b' order by 1"));
    }

    [Fact]
    public void Order_by_with_nulls_defaults()
    {
        Assert.Equal(["1", "4", "3", "2"], _sql.Text("select id from t order by score"));
        Assert.Equal(["2", "3", "4", "1"], _sql.Text("select id from t order by score desc"));
        Assert.Equal(["2", "1", "4", "3"], _sql.Text("select id from t order by score nulls first"));
        Assert.Equal(["3", "4", "1", "2"], _sql.Text("select id from t order by score desc nulls last"));
        Assert.Equal(["c", "b", "a", "NULL"], _sql.Text("select name as n from t order by n desc nulls last"));
        Assert.Equal(["4|20", "3|30"], _sql.Text("select id, score from t order by 1 desc limit 2"));
        Assert.Equal(["a"], _sql.Text("select name from t order by id limit 1"));
        Assert.Equal(["1", "2", "3", "4"], _sql.Text("select id from t order by -id desc"));
    }

    [Fact]
    public void Limit_and_offset()
    {
        Assert.Equal(["2", "3"], _sql.Text("select id from t order by id limit 2 offset 1"));
        Assert.Equal(["4"], _sql.Text("select id from t order by id offset 3"));
        Assert.Equal("SELECT 0", _sql.Run("select id from t limit 0").CommandTag);
        Assert.Equal("SELECT 4", _sql.Run("select id from t limit all").CommandTag);
        Assert.Equal("LIMIT must not be negative", _sql.Error("select id from t limit -1").Message);
    }

    [Fact]
    public void Star_and_qualified_star_and_alias()
    {
        Assert.Equal("1|a|10", _sql.Scalar("select * from t where id = 1"));
        Assert.Equal("1|a|10|1", _sql.Scalar("select x.*, x.id from t x where x.id = 1"));
        Assert.Equal("1", _sql.Scalar("select a.id from t as a where id = 1"));
        Assert.Equal(SqlState.UndefinedTable, _sql.Error("select t.id from t as a").SqlState);
    }

    [Fact]
    public void Aggregates()
    {
        Assert.Equal("4|3|60|10|30", _sql.Scalar("select count(*), count(score), sum(score), min(score), max(score) from t"));
        Assert.Equal("20.0000000000000000", _sql.Scalar("select avg(score) from t"));
        Assert.Equal("0|NULL", _sql.Scalar("select count(*), sum(score) from t where id > 100"));
        Assert.Equal(["f|1", "t|2", "NULL|1"], _sql.Text("select score > 15 as big, count(*) from t group by 1 having count(*) > 0 order by 1"));
        Assert.Equal(["a|1", "b|1"], _sql.Text("select name, count(*) from t where name < 'c' group by name order by name"));
        SqlException exception = _sql.Error("select name, count(*) from t");
        Assert.Equal(SqlState.GroupingError, exception.SqlState);
        Assert.Equal("column \"t.name\" must appear in the GROUP BY clause or be used in an aggregate function", exception.Message);
        Assert.Equal("aggregate functions are not allowed in WHERE", _sql.Error("select 1 from t where count(*) > 1").Message);
    }

    [Fact]
    public void Undefined_table_and_column_with_positions()
    {
        SqlException table = _sql.Error("select * from nope");
        Assert.Equal(SqlState.UndefinedTable, table.SqlState);
        Assert.Equal("relation \"nope\" does not exist", table.Message);
        Assert.Equal(15, table.Position);
        SqlException column = _sql.Error("select id, x from t");
        Assert.Equal(SqlState.UndefinedColumn, column.SqlState);
        Assert.Equal("column \"x\" does not exist", column.Message);
        Assert.Equal(12, column.Position);
    }

    [Fact]
    public void Arithmetic_and_errors()
    {
        Assert.Equal("7|1|-3|2|1|2.5000000000000000", _sql.Scalar("select 1 + 2 * 3, 7 / 4, -3, 5 % 3, (1 + 2) / 3, 5 / 2.0"));
        Assert.Equal(SqlState.DivisionByZero, _sql.Error("select 1 / 0").SqlState);
        Assert.Equal("division by zero", _sql.Error("select id / 0 from t").Message);
        Assert.Equal("integer out of range", _sql.Error("select 2147483647 + 1").Message);
        Assert.Equal("bigint out of range", _sql.Error("select 9223372036854775807 + 1").Message);
        Assert.Equal("smallint out of range", _sql.Error("select 32767::smallint + 1::smallint").Message);
        Assert.Equal("-2147483648", _sql.Scalar("select -2147483648"));
        Assert.Equal("3000000000", _sql.Scalar("select 1500000000::bigint * 2"));
    }

    [Fact]
    public void Incompatible_comparison_is_42883()
    {
        SqlException exception = _sql.Error("select * from t where id = 'a'::text");
        Assert.Equal(SqlState.UndefinedFunction, exception.SqlState);
        Assert.Equal("operator does not exist: integer = text", exception.Message);
        Assert.Equal(26, exception.Position);
        Assert.Equal(["3"], _sql.Text("select id from t where id = '3'"));
        Assert.Equal("invalid input syntax for type integer: \"x\"", _sql.Error("select id from t where id = 'x'").Message);
    }

    [Fact]
    public void Strings_casts_and_concatenation()
    {
        Assert.Equal("it's", _sql.Scalar("select 'it''s'"));
        Assert.Equal("ab1|a;b", _sql.Scalar("select 'a' || 'b' || 1, 'a;b'"));
        Assert.Equal("42|t|1.50|3", _sql.Scalar("select '42'::int, 'yes'::bool, 1.50, cast(3.4 as int)"));
        Assert.Equal("tab\there", _sql.Scalar("select E'tab\\there'"));
        Assert.Equal("dollar's", _sql.Scalar("select $$dollar's$$"));
        Assert.Equal("operator does not exist: integer || integer", _sql.Error("select 1 || 2").Message);
    }

    [Fact]
    public void In_between_like_case_coalesce()
    {
        Assert.Equal(["1", "3"], _sql.Text("select id from t where id in (1, 3, 99) order by id"));
        Assert.Equal(["2", "4"], _sql.Text("select id from t where id not in (1, 3) order by id"));
        Assert.Equal(["2", "3"], _sql.Text("select id from t where id between 2 and 3 order by id"));
        Assert.Equal(["1"], _sql.Text("select id from t where name like 'a%'"));
        Assert.Equal("big|none|small", string.Join("|", _sql.Text("select case when score > 15 then 'big' when score is null then 'none' else 'small' end from t where id in (3, 1, 2) order by id desc")));
        Assert.Equal("0", _sql.Scalar("select coalesce(score, 0) from t where id = 2"));
        Assert.Equal("NULL", _sql.Scalar("select 1 in (2, null)"));
    }

    [Fact]
    public void Distinct()
    {
        _sql.Run("insert into t values (5, 'a', 10)");
        Assert.Equal(["a|10", "b|NULL", "c|30", "NULL|20"], _sql.Text("select distinct name, score from t order by name"));
    }

    [Fact]
    public void For_update_adds_row_conflict_checks()
    {
        _sql.Store.ResetCounters();
        _sql.Run("select * from t where id = 1 for update");
        Assert.Single(_sql.Store.ConflictChecks, check => !check.IsSchema);
    }

    [Fact]
    public void Show_and_set()
    {
        Assert.Equal("SET", _sql.Run("set application_name = 'x'").CommandTag);
        Assert.Equal("on", _sql.Scalar("show standard_conforming_strings"));
        Assert.Equal(SqlState.UndefinedObject, _sql.Error("show nope").SqlState);
    }
}
