namespace Log.Integration.Tests.Sql;

/// <summary>The file format and the comparison, without any server.</summary>
public sealed class SqlTestFileTests
{
    private const string Sample = """
        # comment

        statement ok
        CREATE TABLE t (id int)

        skipif log # joins (LEFT JOIN)
        query IT rowsort
        SELECT id,
          name FROM t
        ----
        2	b
        1	NULL

        query error 22012
        SELECT 1 / 0

        statement error 23505
        INSERT INTO t VALUES (1)

        onlyif postgresql # a reason
        query R valuesort
        SELECT 1.5
        ----

        """;

    [Fact]
    public void ParsesRecordsConditionsAndExpectations()
    {
        SqlTestFile file = SqlTestFile.Parse("sample.test", Sample);
        List<SqlTestRecord> records = file.Records.ToList();
        Assert.Equal(5, records.Count);

        Assert.False(records[0].IsQuery);
        Assert.Null(records[0].Expected.SqlState);
        Assert.Equal(3, records[0].Line);

        SqlTestRecord query = records[1];
        Assert.True(query.IsQuery);
        Assert.Equal(7, query.Line);
        Assert.Equal(SortMode.RowSort, query.SortMode);
        Assert.Equal("SELECT id,\n  name FROM t", query.Sql);
        Assert.Equal("IT", query.Expected.TypeLetters);
        Assert.Equal(["2\tb", "1\tNULL"], query.Expected.Lines);
        SqlTestCondition skip = Assert.Single(query.Conditions);
        Assert.Equal("joins (LEFT JOIN)", skip.Reason);
        Assert.Equal("joins", skip.Feature);
        Assert.Same(skip, query.SkippedOn(SqlTestCondition.Log));
        Assert.Null(query.SkippedOn(SqlTestCondition.PostgreSql));

        Assert.True(records[2].IsQuery);
        Assert.Equal("22012", records[2].Expected.SqlState);
        Assert.Equal("23505", records[3].Expected.SqlState);

        Assert.Equal(SortMode.ValueSort, records[4].SortMode);
        Assert.Empty(records[4].Expected.Lines);
        Assert.NotNull(records[4].SkippedOn(SqlTestCondition.Log));
        Assert.Null(records[4].SkippedOn(SqlTestCondition.PostgreSql));
    }

    [Fact]
    public void RendersWhatItRead()
    {
        Assert.Equal(Sample, SqlTestFile.Parse("sample.test", Sample).Render());
    }

    [Fact]
    public void RewritesAnExpectationInPlace()
    {
        SqlTestFile file = SqlTestFile.Parse("sample.test", Sample);
        SqlTestRecord query = file.Records.ElementAt(1);
        query.Expected = new SqlExpectation("42P01", "", []);
        string text = file.Render();
        Assert.Contains("skipif log # joins (LEFT JOIN)\nquery error 42P01\nSELECT id,\n  name FROM t\n\nquery error 22012", text);
        Assert.Equal(5, SqlTestFile.Parse("sample.test", text).Records.Count());
    }

    [Theory]
    [InlineData("statement maybe\nSELECT 1\n", 1)]
    [InlineData("statement error 123\nSELECT 1\n", 1)]
    [InlineData("\nquery I sometimes\nSELECT 1\n", 2)]
    [InlineData("skipif log\nstatement ok\nSELECT 1\n", 1)]
    [InlineData("skipif mysql # why\nstatement ok\nSELECT 1\n", 1)]
    [InlineData("statement ok\nSELECT 1\n----\n1\n", 3)]
    [InlineData("statement ok\n\n", 1)]
    [InlineData("SELECT 1\n", 1)]
    [InlineData("skipif log # why\n\nstatement ok\nSELECT 1\n", 2)]
    public void MalformedFilesNameTheLine(string text, int line)
    {
        FormatException error = Assert.Throws<FormatException>(() => SqlTestFile.Parse("bad.test", text));
        Assert.StartsWith($"bad.test:{line}:", error.Message);
    }

    [Fact]
    public void ValuesAreRenderedOnOneLineAndSortedByMode()
    {
        IReadOnlyList<string?>[] rows = [["b", null], ["a\tb", ""], ["line\nbreak", "x"]];
        Assert.Equal(["b\tNULL", "a\\tb\t(empty)", "line\\nbreak\tx"], SqlTestFile.RenderRows(rows, SortMode.NoSort));
        Assert.Equal(["a\\tb\t(empty)", "b\tNULL", "line\\nbreak\tx"], SqlTestFile.RenderRows(rows, SortMode.RowSort));
        Assert.Equal(["(empty)", "NULL", "a\\tb", "b", "line\\nbreak", "x"], SqlTestFile.RenderRows(rows, SortMode.ValueSort));
    }

    [Fact]
    public void ComparisonCoversStateTypesAndRows()
    {
        SqlTestRecord query = SqlTestFile.Parse("q.test", "query IT\nSELECT 1, 'a'\n----\n1\ta\n").Records.Single();
        SqlOutcome same = new(null, null, [23, 25], [["1", "a"]]);
        Assert.True(SqlTestRunner.Same(query, query.Expected, SqlTestRunner.ToExpectation(query, same)));

        SqlOutcome otherValue = new(null, null, [23, 25], [["1", "b"]]);
        SqlOutcome otherType = new(null, null, [1700, 25], [["1", "a"]]);
        SqlOutcome extraRow = new(null, null, [23, 25], [["1", "a"], ["1", "a"]]);
        SqlOutcome error = new("22012", "division by zero", [], []);
        foreach (SqlOutcome outcome in new[] { otherValue, otherType, extraRow, error })
        {
            Assert.False(SqlTestRunner.Same(query, query.Expected, SqlTestRunner.ToExpectation(query, outcome)));
        }

        SqlTestRecord failing = SqlTestFile.Parse("e.test", "statement error 22012\nSELECT 1 / 0\n").Records.Single();
        Assert.True(SqlTestRunner.Same(failing, failing.Expected, SqlTestRunner.ToExpectation(failing, error)));
        Assert.False(SqlTestRunner.Same(failing, failing.Expected, SqlTestRunner.ToExpectation(failing, new SqlOutcome("22003", null, [], []))));
        Assert.False(SqlTestRunner.Same(failing, failing.Expected, SqlTestRunner.ToExpectation(failing, same)));
    }

    [Theory]
    [InlineData(new[] { 16, 20, 21, 23, 700, 701, 1700, 25, 1043, 1042, 1082, 1114, 1184, 1186, 2950, 3802, 17, 1007, 600 }, "BIIIRRNTTTDDDDUJXAO")]
    public void TypeLettersFollowTheOids(int[] oids, string letters)
    {
        Assert.Equal(letters, SqlTestRunner.TypeLetters(oids));
    }
}
