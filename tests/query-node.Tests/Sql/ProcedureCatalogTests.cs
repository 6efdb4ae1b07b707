using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Functions;

namespace Log.QueryNode.Tests.Sql;

/// <summary>pg_proc's OIDs: PostgreSQL's for the functions it has too, Log's own (none of PostgreSQL's) for the rest,
/// and a row behind every function pg_operator and pg_cast name.</summary>
public sealed class ProcedureCatalogTests
{
    [Fact]
    public void NoFunctionOnlyLogHasTakesAPostgreSqlOid()
    {
        HashSet<long> postgreSql = [.. SystemRelations.PostgreSqlProcedures.Select(procedure => procedure.Oid)];
        ListedProcedure[] logOnly = [.. SystemRelations.Procedures.Where(procedure => procedure.PostgreSql is null)];
        Assert.NotEmpty(logOnly);
        Assert.All(logOnly, procedure =>
        {
            Assert.DoesNotContain(procedure.Oid, postgreSql);
            Assert.True(procedure.Oid >= SystemRelations.FirstNormalObjectId, $"{procedure.Name} has OID {procedure.Oid}");
        });
        Assert.Equal(SystemRelations.Procedures.Count, SystemRelations.Procedures.Select(procedure => procedure.Oid).Distinct().Count());
    }

    [Fact]
    public void FunctionsPostgreSqlHasTooTakeItsOidAndRow()
    {
        FunctionDefinition lower = FunctionRegistry.Builtins.Get("lower", QueryNode.Sql.Types.SqlType.Text);
        ListedProcedure listed = Assert.Single(SystemRelations.Procedures, procedure => ReferenceEquals(procedure.Function, lower));
        Assert.Equal(870, listed.Oid);
        Assert.Equal("lowercase", listed.PostgreSql?.Description);
        // A registry function whose name and argument types PostgreSQL has is never left under Log's own numbers.
        HashSet<string> postgreSqlSignatures = [.. SystemRelations.PostgreSqlProcedures.Select(procedure => $"{procedure.Name}({procedure.ArgumentTypes})")];
        Assert.All(SystemRelations.Procedures.Where(procedure => procedure.PostgreSql is null), procedure =>
            Assert.DoesNotContain($"{procedure.Name}({string.Join(' ', procedure.ArgumentTypes)})", postgreSqlSignatures));
    }

    [Fact]
    public void EveryFunctionOfAListedOperatorOrCastIsInPgProc()
    {
        IEnumerable<long> named = SystemRelations.Operators.SelectMany(op => new[] { op.Code.Oid, op.Restrict.Oid, op.Join.Oid })
            .Concat(SystemRelations.Casts.Select(cast => cast.Function))
            .Where(oid => oid != 0);
        Assert.All(named, oid => Assert.NotNull(SystemRelations.ProcedureOf(oid)));
    }
}
