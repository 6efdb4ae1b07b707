using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Tests.Sql;

public class DeferrableConstraintTests
{
    [Fact]
    public async Task Constraint_attributes_survive_the_descriptor_codec()
    {
        var sql = new SqlHarness();
        sql.Run("create table p (id int primary key, code int unique deferrable initially deferred, tag int unique not deferrable)");
        sql.Run("create table c (id int primary key, p_id int references p deferrable, q_id int references p initially deferred, r_id int references p)");
        TableDescriptor parent = await ReadAsync(sql, "p");
        Assert.Equal(ConstraintDeferral.InitiallyDeferred, parent.FindIndex("p_code_key")!.Deferral);
        Assert.Equal(ConstraintDeferral.NotDeferrable, parent.FindIndex("p_tag_key")!.Deferral);
        TableDescriptor child = await ReadAsync(sql, "c");
        Assert.Equal([ConstraintDeferral.InitiallyImmediate, ConstraintDeferral.InitiallyDeferred, ConstraintDeferral.NotDeferrable],
            child.ForeignKeys.OrderBy(foreignKey => foreignKey.Name, StringComparer.Ordinal).Select(foreignKey => foreignKey.Deferral).ToArray());
        TableDescriptor again = DescriptorCodec.Decode(DescriptorCodec.Encode(child));
        Assert.Equal(child.ForeignKeys.Select(foreignKey => foreignKey.Deferral), again.ForeignKeys.Select(foreignKey => foreignKey.Deferral));
    }

    [Fact]
    public void A_store_that_cannot_defer_checks_a_deferrable_unique_value_as_it_is_written()
    {
        var sql = new SqlHarness();
        sql.Run("create table u (id int primary key, code int unique deferrable initially deferred)");
        sql.Run("insert into u values (1, 1), (2, null), (3, null)");
        // Entries of equal values are distinct keys (the row key is part of them), read through the index as usual.
        Assert.Equal(["1"], sql.Text("select id from u where code = 1"));
        Assert.Equal(["2", "3"], sql.Text("select id from u where code is null order by id"));
        SqlException duplicate = sql.Error("insert into u values (4, 1)");
        Assert.Equal(SqlState.UniqueViolation, duplicate.SqlState);
        Assert.Equal("duplicate key value violates unique constraint \"u_code_key\"", duplicate.Message);
        Assert.Equal("Key (code)=(1) already exists.", duplicate.Detail);
    }

    [Fact]
    public async Task Set_constraints_decides_which_waiting_checks_run_before_commit()
    {
        var constraints = new DeferredConstraints();
        Assert.False(constraints.IsDeferred("t", "plain", deferrable: false, initiallyDeferred: false));
        Assert.True(constraints.IsDeferred("t", "late", deferrable: true, initiallyDeferred: true));
        Assert.False(constraints.IsDeferred("t", "early", deferrable: true, initiallyDeferred: false));
        var ran = new List<string>();
        constraints.Add("late 1", new Check("late", InitiallyDeferred: true, ran));
        constraints.Add("late 1", new Check("late", InitiallyDeferred: true, ran));
        constraints.Add("early 1", new Check("early", InitiallyDeferred: false, ran));
        await constraints.RunAsync(new NoStore(), atCommit: false, CancellationToken.None);
        Assert.Equal(["early"], ran);
        constraints.SetAll(deferred: true);
        constraints.Set("t", "late", deferred: false);
        Assert.True(constraints.IsDeferred("t", "early", deferrable: true, initiallyDeferred: false));
        await constraints.RunAsync(new NoStore(), atCommit: false, CancellationToken.None);
        Assert.Equal(["early", "late"], ran);
        Assert.False(constraints.HasPending);
        constraints.Add("late 1", new Check("late", InitiallyDeferred: true, ran));
        constraints.SetAll(deferred: true);
        await constraints.RunAsync(new NoStore(), atCommit: false, CancellationToken.None);
        Assert.True(constraints.HasPending);
        await constraints.RunAsync(new NoStore(), atCommit: true, CancellationToken.None);
        Assert.Equal(["early", "late", "late"], ran);
    }

    private static async Task<TableDescriptor> ReadAsync(SqlHarness sql, string name) =>
        DescriptorCodec.Decode((await sql.Store.GetAsync(CatalogKeys.DescriptorByName(name), CancellationToken.None))!);

    private sealed record Check(string ConstraintName, bool InitiallyDeferred, List<string> Ran) : IDeferredConstraintCheck
    {
        public string TableName => "t";

        public ValueTask CheckAsync(ITransactionStore store, CancellationToken cancellationToken)
        {
            Ran.Add(ConstraintName);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class NoStore : ITransactionStore
    {
        public ValueTask<byte[]?> GetAsync(byte[] key, CancellationToken cancellationToken) => throw new InvalidOperationException();
        public IAsyncEnumerable<KeyValuePair<byte[], byte[]>> ScanAsync(byte[] startInclusive, byte[] endExclusive, CancellationToken cancellationToken) => throw new InvalidOperationException();
        public void Put(byte[] key, byte[] value) => throw new InvalidOperationException();
        public void Delete(byte[] key) => throw new InvalidOperationException();
        public void AddConflictCheck(byte[] key, bool isSchema) => throw new InvalidOperationException();
        public long NextUniqueId() => throw new InvalidOperationException();
    }
}
