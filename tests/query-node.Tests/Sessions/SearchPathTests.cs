using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Tests.Sessions;

/// <summary>search_path through real sessions: each session resolves names along its own path, a prepared query's
/// plan follows a new path, and catalog names keep old (schema-less) descriptors in public.</summary>
public sealed class SearchPathTests
{
    [Fact]
    public async Task Two_sessions_with_different_paths_read_different_tables_of_one_name()
    {
        var cluster = new InMemoryCluster();
        var first = cluster.Connect();
        await first.QueryAsync("create schema a; create table a.t (v text); create table t (v text)");
        await first.QueryAsync("insert into a.t values ('in a'); insert into t values ('in public')");
        var second = cluster.Connect();

        await first.QueryAsync("set search_path to a, public");
        Assert.Equal(["in a"], await first.RowsAsync("select v from t"));
        Assert.Equal(["in public"], await second.RowsAsync("select v from t"));
        Assert.Equal(["a, public"], await first.RowsAsync("show search_path"));
        Assert.Equal(["\"$user\", public"], await second.RowsAsync("show search_path"));
    }

    [Fact]
    public async Task A_rolled_back_set_search_path_is_undone()
    {
        var session = new InMemoryCluster().Connect();
        await session.QueryAsync("create schema a; create table a.t (v int); insert into a.t values (1)");
        await session.QueryAsync("begin; set search_path to a; rollback");
        Assert.StartsWith("Error 42P01", Assert.Single(await session.QueryAsync("select v from t")));
        Assert.Equal(["public"], await session.RowsAsync("select current_schema()"));
    }

    [Fact]
    public async Task A_schema_created_in_a_transaction_is_seen_by_it_and_gone_after_rollback()
    {
        var session = new InMemoryCluster().Connect();
        List<string> messages = await session.QueryAsync("begin; create schema a; create table a.t (v int); insert into a.t values (1); select v from a.t");
        Assert.DoesNotContain(messages, message => message.StartsWith("Error", StringComparison.Ordinal));
        Assert.Contains("DataRow 1", messages);
        await session.QueryAsync("rollback");
        Assert.Equal(["Error 42P01 relation \"a.t\" does not exist"], await session.QueryAsync("select v from a.t"));
        Assert.Equal(["Error 3F000 schema \"a\" does not exist"], await session.QueryAsync("create table a.t (v int)"));
    }

    [Fact]
    public async Task Copy_from_stdin_finds_its_table_along_search_path()
    {
        var session = new InMemoryCluster().Connect();
        await session.QueryAsync("create schema a; create table a.t (v int); create table t (v int); set search_path to a, public");
        var writer = new RecordingWriter();
        writer.CopyInData.Enqueue(System.Text.Encoding.UTF8.GetBytes("7\n"));
        await session.ExecuteSimpleQueryAsync("copy t from stdin", writer, CancellationToken.None);
        Assert.Contains("CommandComplete COPY 1", writer.Messages);
        Assert.Equal(["7"], await session.RowsAsync("select v from a.t"));
        Assert.Empty(await session.RowsAsync("select v from public.t"));
    }

    [Theory]
    [InlineData("t", "public", "t")]
    [InlineData("s\0t", "s", "t")]
    [InlineData("s\0t.x", "s", "t.x")]
    public void Catalog_names_without_a_schema_are_in_public(string catalogName, string schema, string name)
    {
        Assert.Equal((schema, name), RelationNames.Split(catalogName));
        Assert.Equal(catalogName, RelationNames.Compose(schema, name));
    }

    [Theory]
    [InlineData("$user, public", "\"$user\", public")]
    [InlineData("A, \"B c\", public", "a, \"B c\", public")]
    [InlineData("\"$user\",public", "\"$user\", public")]
    public void Search_path_is_shown_in_its_canonical_form(string setting, string shown)
    {
        Assert.Equal(shown, RelationResolver.Canonical(setting));
    }
}

/// <summary>The user's schema of the default search_path ("$user", public) is looked up in the same round trip as the
/// table's descriptor, at the statement's own snapshot, so a schema created since is seen at once.</summary>
public sealed class UserSchemaLookupTests
{
    [Fact]
    public async Task The_user_schema_is_read_with_the_descriptor()
    {
        var cluster = new InMemoryCluster();
        await using var session = cluster.Connect();
        await session.QueryAsync("create table t (id int primary key, v text); insert into t values (1, 'in public')");
        Assert.Equal(["in public"], await session.RowsAsync("select v from t where id = 1"));
        int before = cluster.PointReads;
        Assert.Equal(["in public"], await session.RowsAsync("select v from t where id = 1"));
        // Whether the schema "postgres" exists with the descriptors of postgres.t and t, then the row.
        Assert.Equal(2, cluster.PointReads - before);

        // Another session creates the user's schema with a table of the same name: the next statement reads it.
        await using var other = cluster.Connect();
        await other.QueryAsync("create schema postgres; create table postgres.t (id int primary key, v text); insert into postgres.t values (1, 'in postgres')");
        Assert.Equal(["in postgres"], await session.RowsAsync("select v from t where id = 1"));
        Assert.Equal(["in postgres"], await session.RowsAsync("select v from t"));

        // A transaction that began before the schema was dropped keeps seeing it (its snapshot), a new one does not.
        await session.QueryAsync("begin");
        Assert.Equal(["in postgres"], await session.RowsAsync("select v from t where id = 1"));
        await other.QueryAsync("drop schema postgres cascade");
        Assert.Equal(["in postgres"], await session.RowsAsync("select v from t where id = 1"));
        await session.QueryAsync("commit");
        Assert.Equal(["in public"], await session.RowsAsync("select v from t where id = 1"));
        Assert.Equal(["Error 42P01 relation \"u\" does not exist"], (await session.QueryAsync("select * from u")).Where(line => line.StartsWith("Error", StringComparison.Ordinal)));
    }
}
