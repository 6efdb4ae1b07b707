using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Planner;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql;

/// <summary>
/// The plan of one prepared query, INSERT, UPDATE or DELETE (PostgreSQL's CachedPlanSource): its parameter types, fixed at Parse, and, from the
/// first Bind on, its planned operator tree with $n as run-time parameters, the tables it read from the catalog and
/// the catalog version it was bound at. A Bind at the same version runs the tree again with its own values and reads
/// no catalog; a DDL since (<see cref="SqlEngine.CatalogVersion"/>) makes the next Bind bind and plan it again. Owned by
/// one session's prepared statement (not shared between sessions); the operator tree is immutable, so two portals of
/// one statement can run it at once.
/// </summary>
public sealed class CachedPlan
{
    /// <summary>The version of a plan that no Bind may reuse (not planned yet, or planned in a transaction whose catalog
    /// differs from the committed one).</summary>
    private const long NoVersion = -1;

    internal CachedPlan(IReadOnlyList<SqlType> parameterTypes)
    {
        ParameterTypes = parameterTypes;
    }

    internal IReadOnlyList<SqlType> ParameterTypes { get; }

    internal PlannedQuery? Planned { get; private set; }

    /// <summary>The query's columns, or an INSERT, UPDATE or DELETE's RETURNING columns (null without RETURNING).</summary>
    internal IReadOnlyList<ResultColumn>? Columns { get; private set; }

    /// <summary>The descriptor keys of the tables the plan reads: each run adds them to its transaction's schema conflict
    /// check, as binding does, so a concurrent DDL still fails a writing transaction with OC001.</summary>
    internal IReadOnlyList<byte[]> TableKeys { get; private set; } = [];

    internal long CatalogVersion { get; private set; } = NoVersion;

    /// <summary>How many times the statement was bound and planned (the first Bind, then once per invalidation).</summary>
    public int PlanCount { get; private set; }

    /// <summary>Whether the plan serves a transaction that began at catalog version <paramref name="transactionCatalogVersion"/>
    /// while the engine is at <paramref name="currentCatalogVersion"/>: only if no DDL ran or ended since either began.</summary>
    internal bool IsValidFor(long currentCatalogVersion, long? transactionCatalogVersion) =>
        Planned is not null && CatalogVersion != NoVersion && CatalogVersion == currentCatalogVersion && CatalogVersion == transactionCatalogVersion;

    /// <summary>Keeps a new plan; <paramref name="catalogVersion"/> null when it may serve only the Bind that made it.</summary>
    internal void Keep(PlannedQuery planned, IReadOnlyList<ResultColumn>? columns, IEnumerable<TableDescriptor> tables, long? catalogVersion)
    {
        Planned = planned;
        Columns = columns;
        TableKeys = tables.Select(table => CatalogKeys.DescriptorByName(table.Name)).ToArray();
        CatalogVersion = catalogVersion ?? NoVersion;
        PlanCount++;
    }
}
