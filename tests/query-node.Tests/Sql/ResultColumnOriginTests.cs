using Log.QueryNode.Sql;

namespace Log.QueryNode.Tests.Sql;

/// <summary>
/// RowDescription's table OID and attribute number: set for an output column that is a plain table column (through
/// a name, a qualified name, an alias, <c>*</c> or <c>t.*</c>), 0 and 0 for expressions, aggregates and constants,
/// as PostgreSQL marks them.
/// </summary>
public class ResultColumnOriginTests
{
    private readonly SqlHarness _sql = new();

    public ResultColumnOriginTests() => _sql.Run("create table t (id int primary key, name text, n int8); insert into t values (1, 'a', 10)");

    private int TableOid(string table)
    {
        IReadOnlyList<ResultColumn> columns = Columns($"select * from {table}");
        Assert.NotEqual(0, columns[0].TableOid);
        return columns[0].TableOid;
    }

    private IReadOnlyList<ResultColumn> Columns(string sql) => _sql.Run(sql).Columns ?? throw new InvalidOperationException("no columns");

    private static (int TableOid, short Attribute)[] Origins(IReadOnlyList<ResultColumn> columns) =>
        columns.Select(column => (column.TableOid, column.ColumnAttributeNumber)).ToArray();

    [Fact]
    public void Plain_columns_carry_the_table_oid_and_their_attribute_number()
    {
        int oid = TableOid("t");
        Assert.True(oid >= ResultColumn.FirstNormalObjectId);
        Assert.Equal([(oid, (short)1), (oid, (short)2)], Origins(Columns("select id, name from t")));
        Assert.Equal([(oid, (short)3), (oid, (short)1)], Origins(Columns("select n, id from t")));
        Assert.Equal([(oid, (short)1), (oid, (short)2), (oid, (short)3)], Origins(Columns("select * from t")));
        Assert.Equal([(oid, (short)1), (oid, (short)2), (oid, (short)3)], Origins(Columns("select x.* from t x")));
        Assert.Equal([(oid, (short)2), (oid, (short)1)], Origins(Columns("select x.name as label, x.id from t x")));
        Assert.Equal([(oid, (short)2)], Origins(Columns("select name as label from t order by id")));
        // A cast to the column's own type is no cast (PostgreSQL keeps the Var too).
        Assert.Equal([(oid, (short)1)], Origins(Columns("select id::int4 from t")));
        // A grouped column is still the table's column.
        Assert.Equal([(oid, (short)2), (0, (short)0)], Origins(Columns("select name, count(*) from t group by name")));
    }

    [Fact]
    public void Expressions_aggregates_and_constants_have_no_origin()
    {
        Assert.Equal([(0, (short)0), (0, (short)0), (0, (short)0), (0, (short)0), (0, (short)0)],
            Origins(Columns("select id + 1, upper(name), 1, id::int8, 'x'::text from t")));
        Assert.Equal([(0, (short)0), (0, (short)0)], Origins(Columns("select count(*), max(id) from t")));
        Assert.Equal([(0, (short)0)], Origins(Columns("select 1")));
    }

    [Fact]
    public void Returning_columns_carry_their_origin()
    {
        int oid = TableOid("t");
        Assert.Equal([(oid, (short)1), (0, (short)0)], Origins(Columns("insert into t values (2, 'b', 20) returning id, n + 1")));
        Assert.Equal([(oid, (short)1), (oid, (short)2), (oid, (short)3)], Origins(Columns("update t set n = 5 where id = 2 returning *")));
    }

    [Fact]
    public void Attribute_numbers_follow_the_catalog_after_drop_and_add()
    {
        int oid = TableOid("t");
        _sql.Run("alter table t drop column name");
        _sql.Run("alter table t add column extra text");
        _sql.Run("alter table t rename to u");
        Assert.Equal(oid, TableOid("u"));
        // name was attnum 2 and stays dropped; extra takes 4, as in PostgreSQL.
        Assert.Equal([(oid, (short)1), (oid, (short)3), (oid, (short)4)], Origins(Columns("select * from u")));
    }

    [Fact]
    public void Every_table_has_its_own_oid()
    {
        _sql.Run("create table other (k int primary key)");
        Assert.NotEqual(TableOid("t"), TableOid("other"));
        Assert.Equal(ResultColumn.FirstNormalObjectId + 100, ResultColumn.TableOidOf(100));
        Assert.Equal(0, ResultColumn.TableOidOf(uint.MaxValue));
    }

    [Fact]
    public async Task Describe_gives_the_same_origins()
    {
        int oid = TableOid("t");
        ParsedStatement statement = Assert.Single(_sql.Engine.Parse("select name, id * 2 from t where id = $1"));
        StatementDescription description = await _sql.Engine.DescribeAsync(statement, null, _sql.Store, CancellationToken.None);
        Assert.Equal([(oid, (short)2), (0, (short)0)], Origins(description.Columns!));
    }
}
