using Log.QueryNode.Execution;
using Log.QueryNode.Sql;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Types;
using ExecutionContext = Log.QueryNode.Sql.Executor.ExecutionContext;

namespace Log.QueryNode.Tests.Sql;

/// <summary>A statement's settings reach its expressions through the context they are evaluated in, never through
/// state of the thread or flow that happens to run them.</summary>
public sealed class EvaluationContextTests
{
    private static readonly DateTimeSettings Tokyo = new(TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"), DateOrder.MonthDayYear);
    private static readonly DateTimeSettings NewYork = new(TimeZoneInfo.FindSystemTimeZoneById("America/New_York"), DateOrder.MonthDayYear);

    [Fact]
    public void ACastReadsTheTimeZoneOfTheStatementItIsEvaluatedFor()
    {
        var cast = new BoundCast(new BoundConstant(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Unspecified), SqlType.Timestamp), SqlType.TimestampTz,
            ValueCast.Context.Implicit);
        object? inTokyo = ExpressionEvaluator.Evaluate(cast, [], ExecutionContext.ForExpressions(new StatementContext(CancellationToken.None, Tokyo)));
        object? inNewYork = ExpressionEvaluator.Evaluate(cast, [], ExecutionContext.ForExpressions(new StatementContext(CancellationToken.None, NewYork)));
        Assert.Equal(new DateTime(2023, 12, 31, 15, 0, 0, DateTimeKind.Utc), inTokyo);
        Assert.Equal(new DateTime(2024, 1, 1, 5, 0, 0, DateTimeKind.Utc), inNewYork);
    }

    [Fact]
    public async Task InterleavedRowStreamsEachKeepTheirStatementsSettings()
    {
        var harness = new SqlHarness();
        harness.Run("CREATE TABLE evaluation_t (id int PRIMARY KEY, at timestamp); " +
            "INSERT INTO evaluation_t SELECT n, timestamp '2024-01-01 00:00' + n * interval '1 hour' FROM generate_series(1, 3) n");
        ParsedStatement select = harness.Engine.Parse("SELECT at::timestamptz::text FROM evaluation_t ORDER BY id").Single();
        StatementResult tokyo = await harness.Engine.ExecuteAsync(select, null, null, harness.Store, Tokyo, streamRows: true, CancellationToken.None);
        StatementResult newYork = await harness.Engine.ExecuteAsync(select, null, null, harness.Store, NewYork, streamRows: true, CancellationToken.None);
        await using IAsyncEnumerator<object?[]> tokyoRows = tokyo.RowStream!.GetAsyncEnumerator();
        await using IAsyncEnumerator<object?[]> newYorkRows = newYork.RowStream!.GetAsyncEnumerator();
        var seen = new List<string>();
        for (int row = 0; row < 3; row++)
        {
            // Each row is read on a flow of its own, alternating between the two statements.
            Assert.True(await Task.Run(async () => await tokyoRows.MoveNextAsync()));
            Assert.True(await Task.Run(async () => await newYorkRows.MoveNextAsync()));
            seen.Add((string)tokyoRows.Current[0]! + " / " + (string)newYorkRows.Current[0]!);
        }
        Assert.Equal(
        [
            "2024-01-01 01:00:00+09 / 2024-01-01 01:00:00-05",
            "2024-01-01 02:00:00+09 / 2024-01-01 02:00:00-05",
            "2024-01-01 03:00:00+09 / 2024-01-01 03:00:00-05",
        ], seen);
    }
}
