using Log.QueryNode.Sql;

namespace Log.QueryNode.Tests.Sql;

/// <summary>
/// A join whose inner side is a table with its whole primary key fixed by the outer row looks the inner rows up by
/// key (in batches) instead of reading the inner table. Its answers must be the hash join's, which the same queries
/// with the key wrapped in an expression (no lookup possible) give; and it must read the inner table by key only.
/// </summary>
public class KeyLookupJoinTests
{
    private readonly SqlHarness _sql = new();

    public KeyLookupJoinTests()
    {
        _sql.Run("create table orders (id int primary key, customer_id int, amount int, note text)");
        _sql.Run("create table customers (id bigint primary key, name text, region text)");
        _sql.Run("create table prices (region text, item bigint, price int, primary key (region, item))");
        _sql.Run("insert into customers values " + string.Join(", ", Enumerable.Range(1, 40).Select(id => $"({id}, 'customer {id}', '{(id % 3 == 0 ? "east" : "west")}')")));
        // Customer ids 1..50 (41..50 have no customer), some NULL, some repeated.
        _sql.Run("insert into orders values " + string.Join(", ", Enumerable.Range(1, 200).Select(id =>
            $"({id}, {(id % 17 == 0 ? "NULL" : ((id * 7) % 50 + 1).ToString())}, {id * 3 % 101}, 'order {id}')")));
        _sql.Run("insert into prices values " + string.Join(", ", Enumerable.Range(1, 30).SelectMany(item => new[] { $"('east', {item}, {item * 10})", $"('west', {item}, {item * 11})" })));
    }

    [Theory]
    [InlineData("select o.id, c.name from orders o join customers c on c.id = o.customer_id where o.id <= 60 order by o.id",
                "select o.id, c.name from orders o join customers c on c.id + 0 = o.customer_id where o.id <= 60 order by o.id")]
    [InlineData("select o.id, c.name from orders o left join customers c on c.id = o.customer_id where o.id <= 60 order by o.id",
                "select o.id, c.name from orders o left join customers c on c.id + 0 = o.customer_id where o.id <= 60 order by o.id")]
    [InlineData("select o.id, c.name from orders o left join customers c on c.id = o.customer_id and c.region = 'east' where o.id < 90",
                "select o.id, c.name from orders o left join customers c on c.id + 0 = o.customer_id and c.region = 'east' where o.id < 90")]
    [InlineData("select o.id, c.name from orders o join customers c on c.id = o.customer_id and o.amount > c.id where c.region <> 'east' and o.id between 10 and 150",
                "select o.id, c.name from orders o join customers c on c.id + 0 = o.customer_id and o.amount > c.id where c.region <> 'east' and o.id between 10 and 150")]
    [InlineData("select count(*), sum(o.amount), min(c.name) from orders o join customers c on o.customer_id = c.id where o.id <= 100",
                "select count(*), sum(o.amount), min(c.name) from orders o join customers c on o.customer_id = c.id + 0 where o.id <= 100")]
    [InlineData("select c.id, p.price from customers c join prices p on p.region = c.region and p.item = c.id where c.id < 35 order by c.id",
                "select c.id, p.price from customers c join prices p on p.region || '' = c.region and p.item = c.id where c.id < 35 order by c.id")]
    [InlineData("select c.id, p.price from customers c left join prices p on p.item = c.id and p.region = 'west' where c.id > 20",
                "select c.id, p.price from customers c left join prices p on p.item + 0 = c.id and p.region = 'west' where c.id > 20")]
    [InlineData("select o.id, c.name from orders o join customers c on c.id = o.customer_id and c.name = 'customer ' || o.customer_id where o.id <= 30",
                "select o.id, c.name from orders o join customers c on c.id + 0 = o.customer_id and c.name = 'customer ' || o.customer_id where o.id <= 30")]
    public void Looking_up_gives_what_the_hash_join_gives(string lookup, string hashed)
    {
        List<string> expected = _sql.Text(hashed);
        _sql.Store.ResetCounters();
        List<string> actual = _sql.Text(lookup);
        Assert.Equal(expected, actual);
        Assert.NotEmpty(actual);
        // Only the outer table is scanned; the inner one is read by key.
        Assert.Equal(1, _sql.Store.ScanCalls);
        Assert.True(_sql.Store.GetCalls > 0);
    }

    [Fact]
    public void Each_distinct_key_is_read_once()
    {
        // The hash join reads no keys: its reads are the catalog's, which the lookup join makes too.
        _sql.Store.ResetCounters();
        string expected = _sql.Scalar("select count(*), sum(c.id) from orders o join customers c on c.id + 0 = o.customer_id where o.id <= 100");
        int catalogReads = _sql.Store.GetCalls;
        _sql.Store.ResetCounters();
        string actual = _sql.Scalar("select count(*), sum(c.id) from orders o join customers c on c.id = o.customer_id where o.id <= 100");
        int keyReads = _sql.Store.GetCalls - catalogReads;
        Assert.Equal(expected, actual);
        int distinctKeys = int.Parse(_sql.Scalar("select count(distinct customer_id) from orders where id <= 100"));
        Assert.Equal(distinctKeys, keyReads);
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(2 * SqlLimits.LookupJoinBatchRowsMax + 300)]
    public void An_outer_side_is_looked_up_in_batches_of_the_batch_limit(int outerRows)
    {
        // 1,000 outer rows (the benchmark's lookup join) are one multi-key read; more are as many as the limit makes,
        // and the rows of every batch come back joined to their own outer rows.
        _sql.Run("create table visits (id bigint primary key, customer_id bigint)");
        _sql.Run($"insert into visits select g, (g * 7) % 60 from generate_series(1::bigint, {outerRows}) as g");
        _sql.Store.ResetCounters();
        List<string> expected = _sql.Text("select v.id, c.name from visits v left join customers c on c.id + 0 = v.customer_id order by v.id");
        int catalogReads = _sql.Store.GetManyCalls; // the hash join reads no keys: these are the catalog's
        _sql.Store.ResetCounters();
        List<string> actual = _sql.Text("select v.id, c.name from visits v left join customers c on c.id = v.customer_id order by v.id");
        Assert.Equal(expected, actual);
        Assert.Equal(outerRows, actual.Count);
        int batches = (outerRows + SqlLimits.LookupJoinBatchRowsMax - 1) / SqlLimits.LookupJoinBatchRowsMax;
        Assert.Equal(batches, _sql.Store.GetManyCalls - catalogReads);
    }

    [Fact]
    public void A_large_outer_side_turns_into_the_hash_join_with_the_same_answer()
    {
        int outerRows = SqlLimits.LookupJoinOuterRowsMax + 5;
        _sql.Run("create table events (id bigint primary key, customer_id bigint)");
        _sql.Run($"insert into events select g, g % 45 from generate_series(1::bigint, {outerRows}) as g");
        string expected = _sql.Scalar("select count(*), sum(e.id), min(c.name) from events e join customers c on c.id + 0 = e.customer_id");
        _sql.Store.ResetCounters();
        string actual = _sql.Scalar("select count(*), sum(e.id), min(c.name) from events e join customers c on c.id = e.customer_id");
        Assert.Equal(expected, actual);
        Assert.Equal(2, _sql.Store.ScanCalls); // both tables read once: the hash join
        Assert.True(_sql.Store.GetCalls < 10, $"{_sql.Store.GetCalls} key reads");
        // Left join: rows without a customer are kept, also across the switch.
        Assert.Equal(
            _sql.Scalar("select count(*), count(c.id) from events e left join customers c on c.id + 0 = e.customer_id"),
            _sql.Scalar("select count(*), count(c.id) from events e left join customers c on c.id = e.customer_id"));
    }
}
