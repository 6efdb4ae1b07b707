using Log.QueryNode.Execution;
using Log.QueryNode.Sql;

namespace Log.QueryNode.Tests.Sql;

public class ParameterTests
{
    private readonly SqlHarness _sql = new();

    public ParameterTests() => _sql.Run("create table t (id int primary key, name varchar(10), score numeric(5,1)); insert into t values (1, 'a', 1.5), (2, 'b', null)");

    private StatementResult Execute(string text, params object?[] parameters) =>
        _sql.Engine.ExecuteAsync(Assert.Single(_sql.Engine.Parse(text)), parameters, null, _sql.Store, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    [Fact]
    public void Parameter_count_is_the_highest_number()
    {
        Assert.Equal(3, Assert.Single(_sql.Engine.Parse("select $1, $3")).ParameterCount);
        Assert.Equal(0, Assert.Single(_sql.Engine.Parse("select 1")).ParameterCount);
    }

    [Fact]
    public async Task Describe_infers_parameter_types_and_columns()
    {
        ParsedStatement statement = Assert.Single(_sql.Engine.Parse("select id, name from t where id = $1 and name = $2 limit $3"));
        StatementDescription description = await _sql.Engine.DescribeAsync(statement, null, _sql.Store, CancellationToken.None);
        Assert.Equal(new[] { 23, 1043, 20 }, description.ParameterTypeOids);
        Assert.Equal(new[] { "id", "name" }, description.Columns!.Select(column => column.Name));
        ParsedStatement insert = Assert.Single(_sql.Engine.Parse("insert into t values ($1, $2, $3)"));
        var insertDescription = await _sql.Engine.DescribeAsync(insert, [0, 25], _sql.Store, CancellationToken.None);
        Assert.Equal(new[] { 23, 25, 1700 }, insertDescription.ParameterTypeOids);
        Assert.Null(insertDescription.Columns);
        ParsedStatement upsert = Assert.Single(_sql.Engine.Parse("insert into t values ($1, 'x', 1) on conflict (id) do update set score = $2 returning id"));
        var upsertDescription = await _sql.Engine.DescribeAsync(upsert, null, _sql.Store, CancellationToken.None);
        Assert.Equal(new[] { 23, 1700 }, upsertDescription.ParameterTypeOids);
        Assert.Equal("id", Assert.Single(upsertDescription.Columns!).Name);
        ParsedStatement explain = Assert.Single(_sql.Engine.Parse("explain update t set name = $1 from t u where u.id = t.id and u.id = $2"));
        var explainDescription = await _sql.Engine.DescribeAsync(explain, null, _sql.Store, CancellationToken.None);
        Assert.Equal(new[] { 1043, 23 }, explainDescription.ParameterTypeOids);
        Assert.Equal("QUERY PLAN", Assert.Single(explainDescription.Columns!).Name);
    }

    [Fact]
    public void Parameters_in_upsert_and_update_from()
    {
        Assert.Equal("INSERT 0 1", Execute("insert into t values ($1, $2, 1) on conflict (id) do update set name = excluded.name || $3", 1, "q", "!").CommandTag);
        Assert.Equal("q!", _sql.Scalar("select name from t where id = 1"));
        Assert.Equal("UPDATE 1", Execute("update t set score = u.score + $1 from t u where u.id = $2 and t.id = 2", 1, 1).CommandTag);
        Assert.Equal("2.5", _sql.Scalar("select score from t where id = 2"));
    }

    [Fact]
    public void Text_and_clr_parameter_values()
    {
        _sql.Store.ResetCounters();
        var result = Execute("select name from t where id = $1", "1");
        Assert.Equal("a", Assert.Single(result.Rows)[0]);
        Assert.Equal(0, _sql.Store.ScanCalls); // a parameter is a constant: the point lookup still applies
        Assert.Equal("b", Assert.Single(Execute("select name from t where id = $1", 2L).Rows)[0]);
        Assert.Equal("INSERT 0 1", Execute("insert into t values ($1, $2, $3)", 3, "c", "2.25").CommandTag);
        Assert.Equal("3|c|2.3", _sql.Scalar("select * from t where id = 3"));
        Assert.Equal("INSERT 0 1", Execute("insert into t values ($1, $2, $3)", 4, null, 7.5m).CommandTag);
        Assert.Equal("UPDATE 1", Execute("update t set name = $1 where id = $2", "z", 4).CommandTag);
        Assert.Equal("z", _sql.Scalar("select name from t where id = 4"));
    }

    [Fact]
    public void Parameter_errors()
    {
        Assert.Equal("invalid input syntax for type integer: \"x\"", Assert.Throws<SqlException>(() => Execute("select * from t where id = $1", "x")).Message);
        Assert.Equal(SqlState.ProtocolViolation, Assert.Throws<SqlException>(() => Execute("select $1, $2", "x")).SqlState);
        Assert.Equal("there is no parameter $1", _sql.Error("select $1").Message);
    }
}
