using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>
/// The sizes pg_relation_size and its family report, counted from what Log stores so that psql's \dt+ and \di+ and
/// DBeaver's size columns show what PostgreSQL shows for the same tables:
/// <list type="bullet">
/// <item>a table's main fork: the bytes of its rows as stored (each key after the table's prefix, and each value) in
/// the statement's snapshot, rounded up to whole 8 kB pages, so an empty table is 0 bytes and a small one 8192, as
/// PostgreSQL's heap;</item>
/// <item>its TOAST: PostgreSQL gives a table a TOAST table when a row could outgrow TOAST_TUPLE_THRESHOLD (a column of
/// unbounded length, or bounded ones that add up past it), and that TOAST table's index, empty, is one page. Log stores
/// long values in the row, but counts that page, so pg_table_size answers as PostgreSQL's;</item>
/// <item>an index: its metapage plus its entries' bytes rounded up to pages (a primary key's entries are the rows' keys);</item>
/// <item>a sequence: one page; a view or a pg_catalog relation: none.</item>
/// </list>
/// A size reads every row of the relation in the snapshot (PostgreSQL only looks at its files' lengths), so it costs
/// what count(*) costs; the clients that show sizes ask for them per table, and their tables are mostly small.
/// </summary>
internal static partial class BuiltinFunctions
{
    /// <summary>PostgreSQL's TOAST_TUPLE_THRESHOLD with 8 kB pages: a table whose rows could be longer has a TOAST table.</summary>
    private const int ToastTupleThresholdBytes = 2032;

    /// <summary>A heap tuple's header (MAXALIGN(SizeofHeapTupleHeader)), counted in a row's longest possible length.</summary>
    private const int HeapTupleHeaderBytes = 24;

    /// <summary>The most bytes one character takes in the server encoding (UTF8), which bounds varchar(n) and char(n).</summary>
    private const int EncodingCharacterBytesMax = 4;

    /// <summary>Bytes rounded up to whole pages.</summary>
    private static long Pages(long bytes) => (bytes + PageSizeBytes - 1) / PageSizeBytes * PageSizeBytes;

    /// <summary>The bytes stored under a key prefix in the statement's snapshot: keys and values, or keys only.</summary>
    private static long StoredBytes(KeyEncoder prefix, bool keysOnly, EvaluationContext context)
    {
        if (context.Statement?.Store is not { } store) throw new InvalidOperationException("a relation size was asked for outside a statement");
        return SumStoredBytesAsync(store, prefix.ToArray(), prefix.ToPrefixEnd(), keysOnly, Cancellation(context)).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>The sum over [start, end) without the prefix every key there starts with (the table and index ids,
    /// which a PostgreSQL heap tuple or index entry does not carry).</summary>
    private static async ValueTask<long> SumStoredBytesAsync(ITransactionStore store, byte[] start, byte[] end, bool keysOnly,
        CancellationToken cancellationToken)
    {
        long bytes = 0;
        await foreach (IReadOnlyList<KeyValuePair<byte[], byte[]>> page in store.ScanPagesAsync(start, end, cancellationToken))
        {
            foreach (KeyValuePair<byte[], byte[]> entry in page) bytes += entry.Key.Length - start.Length + (keysOnly ? 0 : entry.Value.Length);
        }
        return bytes;
    }

    /// <summary>A table's main fork: its rows in whole pages.</summary>
    private static long TableMainForkSize(TableDescriptor table, EvaluationContext context) =>
        Pages(StoredBytes(CatalogKeys.PrimaryIndexPrefix(table.Id), keysOnly: false, context));

    /// <summary>An index: its metapage and its entries in whole pages; the primary key's entries are the rows' keys.</summary>
    private static long IndexSize(TableDescriptor table, int indexId, EvaluationContext context) =>
        PageSizeBytes + Pages(indexId == TableDescriptor.PrimaryIndexId
            ? StoredBytes(CatalogKeys.PrimaryIndexPrefix(table.Id), keysOnly: true, context)
            : StoredBytes(CatalogKeys.IndexPrefix(table.Id, indexId), keysOnly: false, context));

    /// <summary>The table's indexes as pg_index lists them: its primary key (unless rows are keyed by a hidden row id)
    /// and its secondary indexes.</summary>
    private static IEnumerable<int> IndexIds(TableDescriptor table) =>
        (table.HasHiddenRowId ? [] : new[] { TableDescriptor.PrimaryIndexId }).Concat(table.Indexes.Select(index => index.Id));

    /// <summary>PostgreSQL's needs_toast_table: some column is stored out of line when long (any type without a fixed
    /// length) and a row could be longer than the threshold (a column with no bound, or bounds adding up past it).</summary>
    private static bool NeedsToastTable(TableDescriptor table)
    {
        bool toastable = false;
        long longestRowBytes = HeapTupleHeaderBytes;
        foreach (ColumnDescriptor column in table.Columns)
        {
            SqlType type = column.Type;
            if (type.Size > 0)
            {
                longestRowBytes += type.Size;
                continue;
            }
            toastable = true;
            if (LongestValueBytes(type) is not { } longest) return true;
            longestRowBytes += longest;
        }
        return toastable && longestRowBytes > ToastTupleThresholdBytes;
    }

    /// <summary>PostgreSQL's type_maximum_size: the longest a value of a variable-length type can be, when its modifier
    /// bounds it (varchar(n), char(n), numeric(p,s)); null when nothing does.</summary>
    private static long? LongestValueBytes(SqlType type) => type.Kind switch
    {
        TypeKind.Varchar or TypeKind.Bpchar when type.Modifier >= 4 => (long)(type.Modifier - 4) * EncodingCharacterBytesMax + 4,
        // numeric_maximum_size: the header and the 2-byte base-10000 digits the precision may need, with one spare on each side.
        TypeKind.Numeric when type.Modifier >= 4 => 8 + 2 * (((((type.Modifier - 4) >> 16) & 0xffff) + 6) / 4),
        _ => null,
    };
}
