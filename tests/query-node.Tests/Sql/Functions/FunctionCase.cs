using Log.QueryNode.Execution;

namespace Log.QueryNode.Tests.Sql.Functions;

/// <summary>Runs one recorded case: the rows joined by newlines must equal PostgreSQL's, or, for "ERROR sqlstate",
/// the statement must fail with that SQLSTATE.</summary>
internal static class FunctionCase
{
    public static void Check(string sql, string expected, SqlHarness? harness = null)
    {
        harness ??= new SqlHarness();
        if (expected.StartsWith("ERROR ", StringComparison.Ordinal))
        {
            SqlException error = harness.Error(sql);
            Assert.True(expected["ERROR ".Length..] == error.SqlState, $"{sql}: expected {expected}, got {error.SqlState} {error.Message}");
            return;
        }
        Assert.Equal(expected, string.Join("\n", harness.Text(sql)));
    }
}
