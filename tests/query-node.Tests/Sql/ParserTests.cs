using Log.QueryNode.Execution;
using Log.QueryNode.Sql;

namespace Log.QueryNode.Tests.Sql;

public class ParserTests
{
    private readonly SqlEngine _engine = new();

    private SqlException SyntaxError(string sql)
    {
        var exception = Assert.Throws<SqlException>(() => _engine.Parse(sql));
        return exception;
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(";;")]
    [InlineData("-- just a comment")]
    [InlineData("/* block /* nested */ still comment */ ;")]
    public void Empty_statements_produce_no_entries(string sql) => Assert.Empty(_engine.Parse(sql));

    [Fact]
    public void Splits_statements_and_keeps_their_text()
    {
        var statements = _engine.Parse("select 1; select ';' ; ;insert into t values (1)");
        Assert.Equal(3, statements.Count);
        Assert.Equal("select 1", statements[0].Text);
        Assert.Equal("select ';'", statements[1].Text);
        Assert.Equal("insert into t values (1)", statements[2].Text);
        Assert.True(statements[0].IsReadOnly);
        Assert.False(statements[2].IsReadOnly);
    }

    [Theory]
    [InlineData("BEGIN", TransactionControl.Begin, "BEGIN")]
    [InlineData("begin transaction isolation level repeatable read", TransactionControl.Begin, "BEGIN")]
    [InlineData("START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ WRITE", TransactionControl.Begin, "START TRANSACTION")]
    [InlineData("commit", TransactionControl.Commit, "COMMIT")]
    [InlineData("END", TransactionControl.Commit, "COMMIT")]
    [InlineData("rollback work", TransactionControl.Rollback, "ROLLBACK")]
    [InlineData("ABORT", TransactionControl.Rollback, "ROLLBACK")]
    public void Transaction_control(string sql, TransactionControl kind, string tag)
    {
        ParsedStatement statement = Assert.Single(_engine.Parse(sql));
        Assert.Equal(kind, statement.TransactionControl);
        Assert.Equal(tag, statement.CommandTag);
    }

    [Fact]
    public void Select_for_update_is_not_read_only()
    {
        Assert.False(Assert.Single(_engine.Parse("select * from t where id = 1 for update")).IsReadOnly);
        Assert.True(Assert.Single(_engine.Parse("select * from t where id = 1")).IsReadOnly);
    }

    [Theory]
    [InlineData("SELEC 1", "syntax error at or near \"SELEC\"", 1)]
    [InlineData("select * form t", "syntax error at or near \"form\"", 10)]
    [InlineData("select 1 form t", "syntax error at or near \"t\"", 15)]
    [InlineData("select (1", "syntax error at end of input", 10)]
    [InlineData("select 1 +;", "syntax error at or near \";\"", 11)]
    [InlineData("select 1 < 2 < 3", "syntax error at or near \"<\"", 14)]
    [InlineData("select 1; selec 2", "syntax error at or near \"selec\"", 11)]
    [InlineData("insert into t values (1", "syntax error at end of input", 24)]
    public void Syntax_error_positions(string sql, string message, int position)
    {
        SqlException exception = SyntaxError(sql);
        Assert.Equal(SqlState.SyntaxError, exception.SqlState);
        Assert.Equal(message, exception.Message);
        Assert.Equal(position, exception.Position);
    }

    [Fact]
    public void Unterminated_string_and_comment_are_syntax_errors()
    {
        Assert.StartsWith("unterminated quoted string", SyntaxError("select 'abc").Message);
        Assert.StartsWith("unterminated /* comment", SyntaxError("select 1 /* /* */").Message);
        Assert.Equal("zero-length delimited identifier at or near \"\"\"\"", SyntaxError("select \"\" from t").Message);
    }

    [Fact]
    public void Trailing_junk_after_numeric_literal()
    {
        SqlException exception = SyntaxError("select 123abc");
        Assert.Equal("trailing junk after numeric literal at or near \"123a\"", exception.Message);
        Assert.Equal(8, exception.Position);
    }

    [Fact]
    public void Deep_nesting_is_stack_depth_error_not_a_crash()
    {
        string sql = "select " + new string('(', 5000) + "1" + new string(')', 5000);
        SqlException exception = Assert.Throws<SqlException>(() => _engine.Parse(sql));
        Assert.Equal("54001", exception.SqlState);
        Assert.Equal("stack depth limit exceeded", exception.Message);
    }

    [Fact]
    public void Unsupported_statements_are_feature_not_supported()
    {
        SqlException exception = Assert.Throws<SqlException>(() => _engine.Parse("create index concurrently i on t (a)"));
        Assert.Equal(SqlState.FeatureNotSupported, exception.SqlState);
    }

    [Fact]
    public void A_target_list_stops_at_1664_entries_with_54011()
    {
        Assert.Single(_engine.Parse("select " + string.Join(", ", Enumerable.Repeat("1", SqlLimits.TargetListEntriesMax))));
        var exception = Assert.Throws<SqlException>(() => _engine.Parse("select " + string.Join(", ", Enumerable.Repeat("1", SqlLimits.TargetListEntriesMax + 1))));
        Assert.Equal("54011", exception.SqlState);
        Assert.Equal("target lists can have at most 1664 entries", exception.Message);
    }

    [Fact]
    public void Identifiers_over_63_bytes_are_cut_at_a_character_and_reported()
    {
        var notices = new List<string>();
        string longName = new string('A', 62) + "\u00e9xyz";
        _engine.Parse($"select 1 as {longName}, 2 as \"{new string('q', 63)}\", 3 as \"{new string('r', 64)}\"", notices);
        Assert.Equal(
        [
            $"identifier \"{new string('a', 62)}\u00e9xyz\" will be truncated to \"{new string('a', 62)}\"",
            $"identifier \"{new string('r', 64)}\" will be truncated to \"{new string('r', 63)}\"",
        ], notices);
    }
}
