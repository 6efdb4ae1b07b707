using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Tests.Sql;

/// <summary>pg_operator and pg_cast list what Log does: each listed cast is one ValueCast allows in the context
/// PostgreSQL gives it (but for the known few), and the operators cover the ones every client takes for granted.</summary>
public sealed class OperatorCatalogTests
{
    /// <summary>Casts Log performs only in a wider context than PostgreSQL: text and varchar to regclass are implicit
    /// there (pg_relation_size(text_column)), and the string types to "char" are allowed in assignment.</summary>
    private static readonly string[] NarrowerThanPostgres =
    [
        "text -> regclass (i)", "character varying -> regclass (i)", "text -> \"char\" (a)", "character -> \"char\" (a)",
        "character varying -> \"char\" (a)",
    ];

    [Fact]
    public void EveryListedCastIsAllowedInItsContext()
    {
        var refused = new List<string>();
        foreach (PostgreSqlCast cast in SystemRelations.Casts)
        {
            ValueCast.Context context = cast.Context switch
            {
                'i' => ValueCast.Context.Implicit,
                'a' => ValueCast.Context.Assignment,
                _ => ValueCast.Context.Explicit,
            };
            SqlType source = ParameterContext.TypeOfOid((int)cast.Source);
            SqlType target = ParameterContext.TypeOfOid((int)cast.Target);
            if (!ValueCast.CanCast(source, target, context)) refused.Add($"{source.DisplayName} -> {target.DisplayName} ({cast.Context})");
        }
        Assert.Equal(NarrowerThanPostgres, refused);
    }

    [Theory]
    [InlineData(96, "=")]     // int4 = int4
    [InlineData(98, "=")]     // text = text
    [InlineData(654, "||")]   // text || text
    [InlineData(558, "-")]    // - int4
    [InlineData(1209, "~~")]  // text LIKE text
    [InlineData(3211, "->")]  // jsonb -> text
    [InlineData(2750, "&&")]  // anyarray && anyarray
    [InlineData(387, "=")]    // tid = tid
    [InlineData(2016, "~~")]  // bytea LIKE bytea
    [InlineData(2017, "!~~")] // bytea NOT LIKE bytea
    [InlineData(353, "=")]    // xid = int4
    [InlineData(3316, "<>")]  // xid <> int4
    public void OperatorsLogBindsAreListed(long oid, string name) =>
        Assert.Equal(name, Assert.Single(SystemRelations.Operators, op => op.Oid == oid).Name);

    [Theory]
    [InlineData(966)]  // aclitem[] + aclitem
    [InlineData(3762)] // text @@ text (full text search)
    [InlineData(931)]  // inet << inet
    public void OperatorsLogLacksAreNot(long oid) => Assert.DoesNotContain(SystemRelations.Operators, op => op.Oid == oid);
}
