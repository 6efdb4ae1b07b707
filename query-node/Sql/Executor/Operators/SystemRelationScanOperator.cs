using Log.QueryNode.Sql.Catalog.System;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>Reads a pg_catalog relation whole: its rows are computed, when the scan opens, from the statement's
/// snapshot of the catalog (read from the statement's transaction by the first part of the statement that needs it),
/// once per statement however often the scan runs.</summary>
internal sealed class SystemRelationScanOperator(SystemRelation relation, string referenceName) : PhysicalOperator
{
    public override string Name => "Function Scan";

    public SystemRelation Relation => relation;

    public string ReferenceName => referenceName;

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        CatalogSnapshot catalog = await CatalogSnapshot.ForStatementAsync(context.Statement.Statement, context.Statement.Store, context.CancellationToken);
        foreach (object?[] row in catalog.RowsOf(relation))
        {
            yield return row;
        }
    }
}
