using System.Runtime.CompilerServices;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Planner;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>Reads a stored table along an access path (a point, a list of points, a key range or the whole primary
/// index), applies the filter pushed into it, and for FOR UPDATE adds each returned row's key to the conflict check.</summary>
internal sealed class TableScanOperator(TableDescriptor table, string referenceName, AccessPath path, BoundExpression? filter, bool forUpdate) : PhysicalOperator
{
    public TableDescriptor Table { get; } = table;

    public AccessPath Path { get; private set; } = path;

    /// <summary>Reads along another path that gives the same rows (the planner's choice of an index in ORDER BY's order).</summary>
    public void ReadAlong(AccessPath ordered) => Path = ordered;

    public BoundExpression? Filter { get; } = filter;

    private readonly CompiledCondition? _filter = filter is null ? null : new CompiledCondition(filter);

    /// <summary>SELECT ... FOR UPDATE: each row read joins the transaction's conflict check.</summary>
    public bool ForUpdate { get; } = forUpdate;

    public override string Name => ScanNames.Of(Path, IndexOnly is not null);

    /// <summary>Set when the columns the query reads are all in the entries of the path's index, so the scan reads
    /// the entries only (PostgreSQL's index-only scan) and fetches no row.</summary>
    public IndexOnlyReader? IndexOnly { get; private set; }

    public string ReferenceName { get; } = referenceName;

    /// <summary>By ordinal, the columns to decode (set once, by <see cref="ScanColumns"/>, before any run); null for all.</summary>
    private bool[]? _decoded;

    /// <summary>Decodes only these columns of each row; the others are NULL in the rows this scan returns.</summary>
    public void DecodeOnly(IReadOnlySet<int> ordinals)
    {
        var decoded = new bool[Table.Columns.Count];
        foreach (int ordinal in ordinals)
        {
            if (ordinal < 0 || ordinal >= decoded.Length) return; // not a column of this table: keep decoding all
            decoded[ordinal] = true;
        }
        _decoded = decoded;
        // FOR UPDATE locks the rows it reads, which an index entry alone does not name here.
        if (Path is { Kind: AccessKind.IndexScan, Index: { } index } && !ForUpdate)
        {
            WriteIndex? entries = Array.Find(WriteSchema.For(Table).Indexes, candidate => candidate.Descriptor.Id == index.Id);
            IndexOnly = entries is null ? null : IndexOnlyReader.TryCreate(Table, entries, ordinals);
        }
    }

    public object?[] DecodeRow(byte[] value) => RowEncoder.Decode(Table, value, _decoded);

    public override async IAsyncEnumerable<object?[]> ExecuteAsync(ExecutionContext context)
    {
        await foreach (IReadOnlyList<KeyValuePair<byte[], byte[]>> page in ReadPagesAsync(context))
        {
            for (int index = 0; index < page.Count; index++)
            {
                if (RowOf(page[index], context) is { } row) yield return row;
            }
        }
    }

    /// <summary>A batch per page of storage.</summary>
    public override async IAsyncEnumerable<IReadOnlyList<object?[]>> ExecuteBatchesAsync(ExecutionContext context)
    {
        await foreach (IReadOnlyList<KeyValuePair<byte[], byte[]>> page in ReadPagesAsync(context))
        {
            var rows = new List<object?[]>(page.Count);
            for (int index = 0; index < page.Count; index++)
            {
                if (RowOf(page[index], context) is { } row) rows.Add(row);
            }
            if (rows.Count > 0) yield return rows;
        }
    }

    /// <summary>The stored rows along the path, or the index entries for an index-only scan.</summary>
    private IAsyncEnumerable<IReadOnlyList<KeyValuePair<byte[], byte[]>>> ReadPagesAsync(ExecutionContext context) =>
        IndexOnly is null
            ? RowSource.ReadPagesAsync(context.Store, Path.Resolve(context), context.CancellationToken)
            : RowSource.ScanRangeAsync(context.Store, Path.Resolve(context), context.CancellationToken);

    /// <summary>The row of a stored entry, or null when the filter rejects it.</summary>
    private object?[]? RowOf(KeyValuePair<byte[], byte[]> entry, ExecutionContext context)
    {
        object?[] row = IndexOnly is null ? DecodeRow(entry.Value) : IndexOnly.Decode(entry.Key, entry.Value);
        if (_filter is not null && !_filter.IsTrue(row, context)) return null;
        if (ForUpdate) context.Store.AddConflictCheck(entry.Key, isSchema: false);
        return row;
    }
}
