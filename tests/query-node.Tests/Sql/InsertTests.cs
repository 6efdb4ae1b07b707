using Log.QueryNode.Execution;

namespace Log.QueryNode.Tests.Sql;

public class InsertTests
{
    private readonly SqlHarness _sql = new();

    public InsertTests() => _sql.Run("create table t (id int primary key, name varchar(5), n numeric(6,2) default 1.5, flag bool not null default false)");

    [Fact]
    public void Insert_tag_counts_rows_and_defaults_fill_missing_columns()
    {
        Assert.Equal("INSERT 0 2", _sql.Run("insert into t (id, name) values (1, 'a'), (2, 'b')").CommandTag);
        Assert.Equal(["1|a|1.50|f", "2|b|1.50|f"], _sql.Text("select * from t order by id"));
        _sql.Run("insert into t values (3)");
        Assert.Equal("3|NULL|1.50|f", _sql.Scalar("select * from t where id = 3"));
        _sql.Run("insert into t values (4, default, default, true)");
        Assert.Equal("4|NULL|1.50|t", _sql.Scalar("select * from t where id = 4"));
    }

    [Fact]
    public void String_literal_coerces_to_integer()
    {
        _sql.Run("insert into t (id) values ('42')");
        Assert.Equal("42", _sql.Scalar("select id from t"));
    }

    [Fact]
    public void Bad_integer_text_is_22P02_with_position()
    {
        SqlException exception = _sql.Error("insert into t (id) values ('abc')");
        Assert.Equal(SqlState.InvalidTextRepresentation, exception.SqlState);
        Assert.Equal("invalid input syntax for type integer: \"abc\"", exception.Message);
        Assert.Equal(28, exception.Position);
    }

    [Fact]
    public void Out_of_range_integer_is_22003()
    {
        SqlException exception = _sql.Error("insert into t (id) values (3000000000)");
        Assert.Equal(SqlState.NumericValueOutOfRange, exception.SqlState);
        Assert.Equal("integer out of range", exception.Message);
    }

    [Fact]
    public void Too_long_varchar_is_22001()
    {
        SqlException exception = _sql.Error("insert into t (id, name) values (1, 'abcdef')");
        Assert.Equal(SqlState.StringDataRightTruncation, exception.SqlState);
        Assert.Equal("value too long for type character varying(5)", exception.Message);
        // Trailing spaces beyond the limit are cut silently, as in PostgreSQL.
        _sql.Run("insert into t (id, name) values (1, 'abc    ')");
        Assert.Equal("abc  |5", _sql.Scalar("select name, length(name) from t"));
    }

    [Fact]
    public void Null_into_not_null_is_23502()
    {
        SqlException exception = _sql.Error("insert into t (id, flag) values (1, null)");
        Assert.Equal(SqlState.NotNullViolation, exception.SqlState);
        Assert.Equal("null value in column \"flag\" of relation \"t\" violates not-null constraint", exception.Message);
        Assert.Equal("Failing row contains (1, null, 1.50, null).", exception.Detail);
        SqlException primaryKey = _sql.Error("insert into t (name) values ('x')");
        Assert.Equal("null value in column \"id\" of relation \"t\" violates not-null constraint", primaryKey.Message);
    }

    [Fact]
    public void Duplicate_primary_key_is_23505_within_one_statement_too()
    {
        _sql.Run("insert into t (id) values (1)");
        SqlException exception = _sql.Error("insert into t (id) values (1)");
        Assert.Equal(SqlState.UniqueViolation, exception.SqlState);
        Assert.Equal("duplicate key value violates unique constraint \"t_pkey\"", exception.Message);
        Assert.Equal("Key (id)=(1) already exists.", exception.Detail);
        Assert.Equal(SqlState.UniqueViolation, _sql.Error("insert into t (id) values (7), (7)").SqlState);
    }

    [Fact]
    public void Composite_key_detail()
    {
        _sql.Run("create table m (a int, b text, primary key (a, b)); insert into m values (1, 'x')");
        Assert.Equal("Key (a, b)=(1, x) already exists.", _sql.Error("insert into m values (1, 'x')").Detail);
    }

    [Fact]
    public void Type_mismatch_on_assignment_is_42804()
    {
        SqlException exception = _sql.Error("insert into t (id) values ('1'::text)");
        Assert.Equal(SqlState.DatatypeMismatch, exception.SqlState);
        Assert.Equal("column \"id\" is of type integer but expression is of type text", exception.Message);
    }

    [Fact]
    public void Column_count_errors()
    {
        Assert.Equal("INSERT has more expressions than target columns", _sql.Error("insert into t (id) values (1, 2)").Message);
        Assert.Equal("INSERT has more target columns than expressions", _sql.Error("insert into t (id, name) values (1)").Message);
        SqlException unknown = _sql.Error("insert into t (id, nope) values (1, 2)");
        Assert.Equal(SqlState.UndefinedColumn, unknown.SqlState);
        Assert.Equal("column \"nope\" of relation \"t\" does not exist", unknown.Message);
    }

    [Fact]
    public void Numeric_modifier_rounds_and_checks_precision()
    {
        _sql.Run("insert into t (id, n) values (1, 2.345)");
        Assert.Equal("2.35", _sql.Scalar("select n from t"));
        SqlException exception = _sql.Error("insert into t (id, n) values (2, 123456)");
        Assert.Equal(SqlState.NumericValueOutOfRange, exception.SqlState);
        Assert.Equal("numeric field overflow", exception.Message);
    }

    [Fact]
    public void Table_without_primary_key_uses_hidden_row_ids()
    {
        _sql.Run("create table h (a int, b text)");
        Assert.Equal("INSERT 0 3", _sql.Run("insert into h values (1, 'x'), (1, 'x'), (2, null)").CommandTag);
        Assert.Equal(["1|x", "1|x", "2|NULL"], _sql.Text("select * from h order by a"));
        var result = _sql.Run("select * from h");
        Assert.Equal(2, result.Columns!.Count);
    }

    [Fact]
    public void Insert_returning_and_insert_select()
    {
        var result = _sql.Run("insert into t (id, name) values (10, 'x') returning id, name as label");
        Assert.Equal("INSERT 0 1", result.CommandTag);
        Assert.Equal(["id", "label"], result.Columns!.Select(column => column.Name));
        Assert.Equal(new object?[] { 10, "x" }, Assert.Single(result.Rows));
        _sql.Run("create table copy (id bigint primary key, name text)");
        Assert.Equal("INSERT 0 1", _sql.Run("insert into copy select id, name from t").CommandTag);
        Assert.Equal("10|x", _sql.Scalar("select * from copy"));
    }
}
