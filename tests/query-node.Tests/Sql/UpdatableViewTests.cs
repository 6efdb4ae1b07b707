using Log.QueryNode.Execution;
using Log.QueryNode.Sql;
using Log.QueryNode.Sql.Catalog;
using MessagePack;

namespace Log.QueryNode.Tests.Sql;

/// <summary>Writes through views beyond the recorded cases in tests/sql/updatable_views.test: PostgreSQL's error texts
/// (DETAIL and HINT too, which the recorded files do not compare), the failing row of a check option, and view
/// descriptors written before views had check options.</summary>
public class UpdatableViewTests
{
    private readonly SqlHarness _sql = new();

    public UpdatableViewTests()
    {
        _sql.Run("create table t (id int primary key, name text, amount int default 7)");
        _sql.Run("create view positive as select id, name, amount * 2 as doubled from t where amount > 0");
        _sql.Run("create view counted as select count(*) from t");
        _sql.Run("create view checked as select id, amount from t where amount > 0 with check option");
    }

    [Fact]
    public void A_view_that_is_not_automatically_updatable_fails_with_PostgreSQLs_detail_and_hint()
    {
        var error = Assert.Throws<SqlException>(() => _sql.Run("delete from counted"));
        Assert.Equal("55000", error.SqlState);
        Assert.Equal("cannot delete from view \"counted\"", error.Message);
        Assert.Equal("Views that return aggregate functions are not automatically updatable.", error.Detail);
        Assert.Equal("To enable deleting from the view, provide an INSTEAD OF DELETE trigger or an unconditional ON DELETE DO INSTEAD rule.", error.Hint);
    }

    [Fact]
    public void A_column_that_is_an_expression_cannot_be_written()
    {
        var error = Assert.Throws<SqlException>(() => _sql.Run("insert into positive values (1, 'a', 2)"));
        Assert.Equal("0A000", error.SqlState);
        Assert.Equal("cannot insert into column \"doubled\" of view \"positive\"", error.Message);
        Assert.Equal("View columns that are not columns of their base relation are not updatable.", error.Detail);
        Assert.Empty(_sql.Text("select * from t"));
    }

    [Fact]
    public void A_row_outside_a_checked_view_fails_with_the_base_row_in_the_detail()
    {
        var error = Assert.Throws<SqlException>(() => _sql.Run("insert into checked values (5, -1)"));
        Assert.Equal("44000", error.SqlState);
        Assert.Equal("new row violates check option for view \"checked\"", error.Message);
        Assert.Equal("Failing row contains (5, null, -1).", error.Detail);
    }

    [Fact]
    public void Update_through_a_view_changes_only_the_rows_it_shows()
    {
        _sql.Run("insert into t values (1, 'a', 1), (2, 'b', -1)");
        Assert.Equal("UPDATE 1", _sql.Run("update positive set name = 'seen'").CommandTag);
        Assert.Equal(["1|seen|1", "2|b|-1"], _sql.Text("select * from t order by id"));
    }

    [Fact]
    public void A_view_descriptor_of_four_fields_reads_without_a_check_option()
    {
        byte[] written = MessagePackSerializer.Serialize(new object[] { 42L, "old_view", new[] { "a" }, "select 1 as a" });
        ViewDescriptor view = SqlCatalog.DecodeView(written);
        Assert.Equal((42L, "old_view", "select 1 as a"), (view.Id, view.Name, view.QueryText));
        Assert.Null(view.CheckOption);
    }
}
