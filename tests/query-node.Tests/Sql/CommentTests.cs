using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Tests.Sql;

public class CommentTests
{
    private readonly SqlHarness _sql = new();

    private string? Comment(string relation, int columnNumber) =>
        SqlCatalog.GetCommentAsync(_sql.Store, relation, columnNumber, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    [Fact]
    public void Comments_are_stored_replaced_removed_and_follow_their_relation()
    {
        _sql.Run("create table t (id int primary key, note text)");
        _sql.Run("comment on table t is 'first'; comment on table t is 'second'; comment on column t.note is 'a note'");
        Assert.Equal("second", Comment("t", 0));
        Assert.Equal("a note", Comment("t", 2));
        Assert.Null(Comment("t", 1));

        _sql.Run("alter table t rename to u");
        Assert.Null(Comment("t", 0));
        Assert.Equal("second", Comment("u", 0));
        Assert.Equal("a note", Comment("u", 2));

        _sql.Run("alter table u drop column note");
        Assert.Null(Comment("u", 2));
        _sql.Run("comment on table u is null");
        Assert.Null(Comment("u", 0));

        _sql.Run("comment on table u is 'back'; drop table u; create table u (id int)");
        Assert.Null(Comment("u", 0));
    }
}
