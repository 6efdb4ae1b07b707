using System.Runtime.CompilerServices;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Planner;
using Log.QueryNode.Sql.Types;

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
        _decodedCount = RowEncoder.CountDecoded(Table, decoded);
        _decodesNothing = ordinals.Count == 0;
        // FOR UPDATE locks the rows it reads, which an index entry alone does not name here.
        if (Path is { Kind: AccessKind.IndexScan, Index: { } index } && !ForUpdate)
        {
            WriteIndex? entries = Array.Find(WriteSchema.For(Table).Indexes, candidate => candidate.Descriptor.Id == index.Id);
            IndexOnly = entries is null ? null : IndexOnlyReader.TryCreate(Table, entries, ordinals);
        }
    }

    /// <summary>Set when the query reads no column of this table's rows (count(*), EXISTS): a visited row is then
    /// counted and filtered (a filter that reads no column) as all NULLs, and its bytes are never parsed.</summary>
    private bool _decodesNothing;

    /// <summary>How many columns <see cref="_decoded"/> selects: a row's decoding stops after the last of them.</summary>
    private int _decodedCount = int.MaxValue;

    public object?[] DecodeRow(byte[] value) => RowEncoder.Decode(Table, value, _decoded);

    /// <summary>The type of each column, for decoding rows in place.</summary>
    private readonly TypeKind[] _kinds = RowEncoder.KindsOf(table);

    /// <summary>Whether a row of this table passes the filter pushed into the scan (a join that looks rows up by key).</summary>
    public bool PassesFilter(object?[] row, ExecutionContext context) => _filter is null || _filter.IsTrue(row, context);

    protected override async IAsyncEnumerable<object?[]> ExecuteCoreAsync(ExecutionContext context)
    {
        await foreach (IReadOnlyList<object?[]> batch in ExecuteBatchesCoreAsync(context))
        {
            for (int index = 0; index < batch.Count; index++) yield return batch[index];
        }
    }

    /// <summary>A batch per page of storage.</summary>
    protected override async IAsyncEnumerable<IReadOnlyList<object?[]>> ExecuteBatchesCoreAsync(ExecutionContext context)
    {
        AccessPath path = Path.Resolve(context);
        if (IndexOnly is null && path.Kind is AccessKind.FullScan or AccessKind.RangeScan && !path.Backward)
        {
            // Rows are decoded and filtered from the bytes storage hands over in place: a row the filter rejects, and
            // the columns the query does not read, cost no copy and no allocation.
            var collector = new RowCollector(this, context);
            await foreach (int _ in context.Store.VisitPagesAsync(path.Start, path.End, collector, context.CancellationToken))
            {
                if (collector.Rows.Count == 0) continue;
                yield return collector.Rows;
                collector.Rows = [];
            }
            yield break;
        }
        await foreach (IReadOnlyList<KeyValuePair<byte[], byte[]>> page in ReadPagesAsync(path, context))
        {
            var rows = new List<object?[]>(page.Count);
            for (int index = 0; index < page.Count; index++)
            {
                if (RowOf(page[index], context) is { } row) rows.Add(row);
            }
            if (rows.Count > 0) yield return rows;
        }
    }

    /// <summary>
    /// Hands each row that passes the filter to <paramref name="consumer"/> in one array reused for every row, for a
    /// consumer that reads a row's values while it has it and keeps no row array (an aggregate): no array per row, no
    /// batch. False, having read nothing, when this run reads otherwise than a forward scan of a key range of the rows
    /// themselves (the caller then reads the batches). Not for FOR UPDATE, which locks each row it returns.
    /// </summary>
    public ValueTask<bool> TryVisitRowsAsync(ExecutionContext context, Action<object?[]> consumer) =>
        TryVisitAsync(context, new RowVisitor(this, context, consumer));

    /// <summary>The same with the stored pairs themselves handed to <paramref name="visitor"/> (which decodes and filters
    /// them: <see cref="IntegerScanAggregate"/>).</summary>
    public async ValueTask<bool> TryVisitAsync(ExecutionContext context, Log.StorageNode.IKeyValueVisitor visitor)
    {
        AccessPath path = Path.Resolve(context);
        if (IndexOnly is not null || ForUpdate || path.Kind is not (AccessKind.FullScan or AccessKind.RangeScan) || path.Backward) return false;
        await foreach (int _ in context.Store.VisitPagesAsync(path.Start, path.End, visitor, context.CancellationToken))
        {
            context.CancellationToken.ThrowIfCancellationRequested();
        }
        return true;
    }

    /// <summary>Decodes each visited pair into the one row array and hands it on when it passes the filter.</summary>
    private sealed class RowVisitor(TableScanOperator scan, ExecutionContext context, Action<object?[]> consumer) : Log.StorageNode.IKeyValueVisitor
    {
        private readonly object?[] _row = new object?[scan.Table.Columns.Count];

        public bool Visit(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            // The row array is reused: with no column to decode it stays all NULLs.
            if (!scan._decodesNothing) RowEncoder.DecodeInto(scan.Table, value, scan._decoded, scan._kinds, _row, scan._decodedCount);
            if (scan.PassesFilter(_row, context)) consumer(_row);
            return true;
        }
    }

    /// <summary>Collects the rows of the stored pairs a scan visits that pass the filter.</summary>
    private sealed class RowCollector(TableScanOperator scan, ExecutionContext context) : Log.StorageNode.IKeyValueVisitor
    {
        public List<object?[]> Rows { get; set; } = [];

        public bool Visit(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            object?[] row = scan._decodesNothing ? new object?[scan.Table.Columns.Count] : RowEncoder.Decode(scan.Table, value, scan._decoded, scan._kinds, scan._decodedCount);
            if (!scan.PassesFilter(row, context)) return true;
            if (scan.ForUpdate) context.Store.AddConflictCheck(key.ToArray(), isSchema: false);
            Rows.Add(row);
            return true;
        }
    }

    /// <summary>The stored rows along the path, or the index entries for an index-only scan.</summary>
    private IAsyncEnumerable<IReadOnlyList<KeyValuePair<byte[], byte[]>>> ReadPagesAsync(AccessPath path, ExecutionContext context) =>
        IndexOnly is null
            ? RowSource.ReadPagesAsync(context.Store, path, context.CancellationToken)
            : RowSource.ScanRangeAsync(context.Store, path, context.CancellationToken);

    /// <summary>The row of a stored entry, or null when the filter rejects it.</summary>
    private object?[]? RowOf(KeyValuePair<byte[], byte[]> entry, ExecutionContext context)
    {
        object?[] row = IndexOnly is null ? DecodeRow(entry.Value) : IndexOnly.Decode(entry.Key, entry.Value);
        if (!PassesFilter(row, context)) return null;
        if (ForUpdate) context.Store.AddConflictCheck(entry.Key, isSchema: false);
        return row;
    }
}
