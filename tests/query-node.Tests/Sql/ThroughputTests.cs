using System.Diagnostics;
using Xunit.Abstractions;

namespace Log.QueryNode.Tests.Sql;

/// <summary>A coarse guard that the point paths stay cheap (parse + bind + plan + one GetAsync per statement).</summary>
public class ThroughputTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Point_insert_and_select_are_cheap()
    {
        var sql = new SqlHarness();
        sql.Run("create table accounts (id bigint primary key, balance int, name text)");
        const int rowCount = 3000;
        var watch = Stopwatch.StartNew();
        for (int index = 0; index < rowCount; index++)
        {
            var statement = sql.Engine.Parse($"insert into accounts values ({index}, {index * 10}, 'name {index}')")[0];
            await sql.Engine.ExecuteAsync(statement, sql.Store, CancellationToken.None);
        }
        TimeSpan inserts = watch.Elapsed;
        TimeSpan selects = TimeSpan.Zero;
        for (int pass = 0; pass < 3; pass++)
        {
            // The last pass is measured: the first ones warm the JIT up.
            watch.Restart();
            for (int index = 0; index < rowCount; index++)
            {
                var statement = sql.Engine.Parse($"select balance from accounts where id = {index}")[0];
                var result = await sql.Engine.ExecuteAsync(statement, sql.Store, CancellationToken.None);
                Assert.Equal(index * 10, result.Rows[0][0]);
            }
            selects = watch.Elapsed;
        }
        watch.Restart();
        for (int index = 0; index < rowCount; index++) sql.Engine.Parse($"select balance from accounts where id = {index}");
        output.WriteLine($"parse only {watch.Elapsed.TotalMicroseconds / rowCount:F1} us");
        output.WriteLine($"insert {inserts.TotalMicroseconds / rowCount:F1} us, select {selects.TotalMicroseconds / rowCount:F1} us");
        Assert.True(inserts < TimeSpan.FromSeconds(10) && selects < TimeSpan.FromSeconds(10));
    }
}
