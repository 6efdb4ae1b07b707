using System.Buffers;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Functions;
using Log.QueryNode.Sql.Types;
using MessagePack;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// PostgreSQL's system columns (the attributes with attnum &lt; 0) that clients read. <c>tableoid</c> is the relation's
/// pg_class oid, which psql's \dd and \dL join with pg_description.classoid. Rows in Log have no heap tuple header, so
/// a stored table's <c>xmin</c> and <c>xmax</c> answer what clients use them for:
/// <list type="bullet">
/// <item><c>xmin</c> is a version stamp of the row: a 32-bit hash (FNV-1a) of its column values as rows store them. An
/// optimistic concurrency token (EF Core's UseXminAsConcurrencyToken: UPDATE ... WHERE xmin = $n RETURNING xmin) needs
/// a value that changes when the row changes, stays put otherwise, is the same on every query node, and is known to
/// UPDATE ... RETURNING in the writing transaction. A commit timestamp is none of the last (it is picked at COMMIT) and
/// reads do not carry it; a hash of the values is all of them. It is not a transaction id: an update that writes the
/// values the row already had keeps its xmin (no client can tell that row from the one it read), and two versions of
/// a row collide with a chance of one in 2^32. It is kept at 3 or above, as PostgreSQL's normal xids are.</item>
/// <item><c>xmax</c> is 0: a row a snapshot sees is never deleted or locked in it (FOR UPDATE is checked at commit).</item>
/// </list>
/// <item><c>ctid</c> names the row by its key, as a row's place names it on PostgreSQL: 48 bits of a 64-bit FNV-1a hash
/// of the primary key's values as rows store them (of all the values for a table without one), as (block, offset),
/// the offset 1 to 65535 as on a page. It is the same on every query node and across restarts, and
/// <c>WHERE ctid = '(b,o)'</c> finds the row (a filter over the scan: no access path reads by it). Unlike
/// PostgreSQL's, it stays put when an UPDATE leaves the key alone, and it is not unique: two keys share one with a
/// chance of one in 2^48, and identical rows of a table without a primary key share theirs, so an UPDATE or DELETE by
/// ctid there touches each of them (PostgreSQL would touch one).</item>
/// <item><c>cmin</c> and <c>cmax</c> are 0: a statement sees no row its own transaction wrote by a later command
/// than its own, so the command id that would tell them apart is never asked for.</item>
/// </summary>
internal static class SystemColumns
{
    /// <summary>PostgreSQL's FirstNormalTransactionId: smaller xids are special (invalid, bootstrap, frozen).</summary>
    private const uint FirstNormalTransactionId = 3;

    private const uint FnvOffsetBasis = 2166136261;
    private const uint FnvPrime = 16777619;

    private const ulong Fnv64OffsetBasis = 14695981039346656037;
    private const ulong Fnv64Prime = 1099511628211;

    private static readonly SqlType Xid = new(TypeKind.Xid);

    private static readonly SqlType Cid = new(TypeKind.Cid);

    private static readonly SqlType Tid = new(TypeKind.Tid);

    /// <summary>The system columns of the relation whose pg_class oid is <paramref name="relationOid"/>; with the
    /// columns of a stored table and the ordinals of its primary key (empty for a table without one), also its row's
    /// ctid, xmin, cmin, xmax and cmax.</summary>
    public static IReadOnlyList<ScopeColumn> Of(long relationOid, IReadOnlyList<ScopeColumn>? tableColumns = null, IReadOnlyList<int>? keyOrdinals = null)
    {
        var tableOid = new ScopeColumn("tableoid", new BoundConstant(relationOid, new SqlType(TypeKind.Oid)));
        if (tableColumns is null) return [tableOid];
        BoundExpression[] values = tableColumns.Select(column => column.Expression).ToArray();
        var version = new FunctionDefinition("xmin", values.Select(value => (ParameterType)value.Type).ToArray(), Xid, RowVersion, Volatility.Immutable, strict: false);
        BoundExpression[] key = keyOrdinals is { Count: > 0 } ? keyOrdinals.Select(ordinal => values[ordinal]).ToArray() : values;
        var place = new FunctionDefinition("ctid", key.Select(value => (ParameterType)value.Type).ToArray(), Tid, RowPlace, Volatility.Immutable, strict: false);
        return
        [
            tableOid,
            new ScopeColumn("ctid", new BoundFunction(place, key, Tid)),
            new ScopeColumn("xmin", new BoundFunction(version, values, Xid)),
            new ScopeColumn("cmin", new BoundConstant(0L, Cid)),
            new ScopeColumn("xmax", new BoundConstant(0L, Xid)),
            new ScopeColumn("cmax", new BoundConstant(0L, Cid)),
        ];
    }

    /// <summary>ctid of a row: 48 bits of FNV-1a (64-bit) over its key's stored encoding, as (block, offset 1 to 65535).</summary>
    private static object? RowPlace(ReadOnlySpan<object?> values, EvaluationContext context)
    {
        ulong hash = Fnv64OffsetBasis;
        foreach (byte part in Encode(values).WrittenSpan)
        {
            hash = (hash ^ part) * Fnv64Prime;
        }
        return Wire.Types.PgTypes.Tid((uint)(hash >> 32), (ushort)((hash & 0xFFFF) % ushort.MaxValue + 1));
    }

    /// <summary>xmin of a row: FNV-1a over each value's stored encoding, a NULL as MessagePack's nil (so that (NULL, x)
    /// and (x, NULL) differ).</summary>
    private static object? RowVersion(ReadOnlySpan<object?> values, EvaluationContext context)
    {
        uint hash = FnvOffsetBasis;
        foreach (byte part in Encode(values).WrittenSpan)
        {
            hash = (hash ^ part) * FnvPrime;
        }
        return (long)Math.Max(hash, FirstNormalTransactionId);
    }

    /// <summary>Values as rows store them, one after the other; a NULL as MessagePack's nil (so that (NULL, x) and
    /// (x, NULL) differ).</summary>
    private static ArrayBufferWriter<byte> Encode(ReadOnlySpan<object?> values)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        foreach (object? value in values)
        {
            if (value is null) writer.WriteNil();
            else RowEncoder.WriteValue(ref writer, value);
        }
        writer.Flush();
        return buffer;
    }
}
