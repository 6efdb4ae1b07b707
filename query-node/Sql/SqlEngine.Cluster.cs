using Log.QueryNode.Execution;

namespace Log.QueryNode.Sql;

/// <summary>What changes when several query nodes share one database.</summary>
public sealed partial class SqlEngine
{
    /// <summary>Mints this query node's hidden row ids, unique across query nodes (its node id is in every id).</summary>
    public UniqueIdGenerator UniqueIds { get; init; } = UniqueIdGenerator.Unassigned;

    /// <summary>DDL committed through other query nodes (of any region), read from the journal: it moves
    /// <see cref="CatalogVersion"/> as this node's own DDL does. Null when this node is the only one (the whole database
    /// in one process).</summary>
    public ICatalogChanges? CatalogChanges { get; init; }
}
