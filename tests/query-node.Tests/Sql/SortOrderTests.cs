using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Executor.Operators;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Tests.Sql;

/// <summary>
/// A sort holds its rows in columns (values unboxed) and orders them by key arrays taken out once: random rows with
/// NULLs, ties, floats PostgreSQL orders specially (NaN, -0, infinities), a column of mixed CLR types and several keys
/// in either direction must come out exactly as a stable sort by <see cref="RowComparer"/> puts them, and each row read
/// back must hold the values, of the CLR types, it went in with.
/// </summary>
public class SortOrderTests
{
    private static readonly SqlType[] ColumnTypes = [SqlType.Int4, SqlType.Int8, SqlType.Float8, SqlType.Text, SqlType.Int8, SqlType.Bool];

    private static object?[] RandomRow(Random random, int rowNumber)
    {
        double[] floats = [double.NaN, -0.0, 0.0, double.PositiveInfinity, double.NegativeInfinity, -1.5, 2.25];
        object? Maybe(object value) => random.Next(8) == 0 ? null : value;
        return
        [
            Maybe(random.Next(-20, 20)),
            Maybe((long)random.Next(-5, 5) * long.MaxValue / 7),
            Maybe(random.Next(3) == 0 ? floats[random.Next(floats.Length)] : random.Next(-10, 10) / 4.0),
            Maybe(random.Next(4) switch { 0 => "", 1 => "b", 2 => "é" + random.Next(5), _ => "a" + random.Next(30) }),
            // an integer column whose values come as int for some rows and long for others (a value of another CLR
            // type than the column's first one): the column is held by reference from then on
            Maybe(rowNumber % 3 == 2 ? (object)(long)random.Next(10) : random.Next(10)),
            Maybe(random.Next(2) == 0),
        ];
    }

    private static SortKey[] RandomKeys(Random random)
    {
        int count = random.Next(1, 4);
        var keys = new SortKey[count];
        for (int index = 0; index < count; index++)
        {
            int ordinal = random.Next(ColumnTypes.Length);
            keys[index] = new SortKey(ordinal, random.Next(2) == 0, random.Next(2) == 0, ColumnTypes[ordinal]);
        }
        return keys;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Rows_come_out_in_the_stable_order_of_the_row_comparer(int seed)
    {
        var random = new Random(seed);
        for (int round = 0; round < 40; round++)
        {
            int count = random.Next(0, round < 20 ? 50 : 10_000);
            var rows = new List<object?[]>(count);
            for (int row = 0; row < count; row++) rows.Add(RandomRow(random, row));
            SortKey[] keys = RandomKeys(random);
            var comparer = new RowComparer(keys);
            object?[][] expected = rows.Select((row, position) => (row, position))
                .OrderBy(entry => entry.row, Comparer<object?[]>.Create((left, right) => comparer.Compare(left, right)))
                .ThenBy(entry => entry.position)
                .Select(entry => entry.row).ToArray();
            object?[][] sorted = SortOperator.Sort(rows, keys);
            Assert.Equal(expected.Length, sorted.Length);
            for (int index = 0; index < expected.Length; index++)
            {
                Assert.True(ReferenceEquals(expected[index], sorted[index]),
                    $"seed {seed} round {round} keys [{string.Join(", ", keys)}]: position {index} holds a different row");
            }
        }
    }

    [Fact]
    public void A_row_read_back_holds_its_values_and_their_types()
    {
        var random = new Random(7);
        var rows = new List<object?[]>();
        for (int row = 0; row < 3 * RowColumns.ChunkRows + 5; row++) rows.Add(RandomRow(random, row));
        // three more columns: NULL in every row, NULL in the first rows only, values held by reference
        var columns = new RowColumns(rows[0].Length + 3);
        for (int index = 0; index < rows.Count; index++)
        {
            object?[] wide = [.. rows[index], null, index < 10 ? null : new DateTime(2026, 1, 1).AddDays(index), new byte[] { (byte)index }];
            rows[index] = wide;
            Assert.True(columns.Add(wide) > 0);
        }
        Assert.Equal(rows.Count, columns.Count);
        for (int index = 0; index < rows.Count; index++)
        {
            object?[] back = columns.RowAt(index);
            Assert.Equal(rows[index].Length, back.Length);
            for (int ordinal = 0; ordinal < back.Length; ordinal++)
            {
                Assert.Equal(rows[index][ordinal]?.GetType(), back[ordinal]?.GetType());
                Assert.Equal(rows[index][ordinal], back[ordinal]);
            }
        }
    }

    [Fact]
    public void A_batch_builds_its_rows_once()
    {
        var columns = new RowColumns(2);
        for (int index = 0; index < 10; index++) columns.Add([index, "row " + index]);
        int[] order = SortOrder.Of(columns, [new SortKey(0, Descending: true, NullsFirst: true, SqlType.Int4)]);
        IReadOnlyList<object?[]> batch = columns.Batch(order, 2, 3);
        Assert.Equal(3, batch.Count);
        Assert.Same(batch[0], batch[0]);
        Assert.Equal([7, 6, 5], batch.Select(row => (int)row[0]!));
        Assert.Equal("row 7", batch[0][1]);
    }
}
