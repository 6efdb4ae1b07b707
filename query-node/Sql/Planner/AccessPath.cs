using ExecutionContext = Log.QueryNode.Sql.Executor.ExecutionContext;

namespace Log.QueryNode.Sql.Planner;

public enum AccessKind : byte
{
    /// <summary>One GetAsync of the row key: every primary key column is fixed by an equality.</summary>
    PointLookup,
    /// <summary>One GetAsync per key: the key columns are fixed by equalities and an IN list on the last one.</summary>
    MultiPointLookup,
    /// <summary>A bounded ScanAsync: a prefix of the primary key is fixed, maybe with a range on the next column.</summary>
    RangeScan,
    /// <summary>ScanAsync over the whole primary index.</summary>
    FullScan,
    /// <summary>A bounded ScanAsync of a secondary index's entries, then the rows they point at, fetched by key in batches.</summary>
    IndexScan,
}

/// <summary>How the rows of a table are read. The WHERE clause is still applied to every row read (it is cheap and
/// keeps the access path a pure optimisation).</summary>
internal sealed record AccessPath(AccessKind Kind, byte[] Start, byte[] End)
{
    /// <summary>For a multi-point lookup, the distinct row keys in ascending order.</summary>
    public IReadOnlyList<byte[]> Keys { get; init; } = [];

    /// <summary>For an index scan, the secondary index whose entries [Start, End) are read.</summary>
    public Catalog.IndexDescriptor? Index { get; init; }

    /// <summary>Reads the range [Start, End) from its end to its start (PostgreSQL's backward index scan): ORDER BY
    /// ... DESC along an ascending key, or ASC along a descending one.</summary>
    public bool Backward { get; init; }

    /// <summary>For an index scan: [Start, End) holds at most one entry, whose key is Start (every key column of a unique
    /// index fixed by an equality with a value, <see cref="Catalog.IndexDescriptor.HasOneEntryPerKey"/>), read with one
    /// GetAsync instead of a scan.</summary>
    public bool IsOneEntry { get; init; }

    /// <summary>For a point lookup, the row key.</summary>
    public byte[] Key => Start;

    /// <summary>When the keys come from a prepared statement's parameters: the terms that give them, computed each time
    /// the scan opens (Start, End and Keys are then only the whole table's range). Null when the keys are constants.</summary>
    public AccessPathKeys? RunTimeKeys { get; init; }

    /// <summary>For an index scan whose bounds come from a prepared statement's parameters: the terms that give them,
    /// computed each time the scan opens (Start and End are then the whole index). Null when the bounds are constants.</summary>
    public IndexPathKeys? IndexKeys { get; init; }

    /// <summary>The path with its keys computed for this execution (itself when they are constants).</summary>
    public AccessPath Resolve(ExecutionContext context) =>
        RunTimeKeys is not null ? RunTimeKeys.Resolve(context) with { Backward = Backward }
        : IndexKeys is not null ? IndexKeys.Resolve(context) with { Backward = Backward }
        : this;
}
