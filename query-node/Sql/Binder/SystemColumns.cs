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
/// <c>ctid</c>, <c>cmin</c> and <c>cmax</c> (types tid and cid) are not there yet.
/// </summary>
internal static class SystemColumns
{
    /// <summary>PostgreSQL's FirstNormalTransactionId: smaller xids are special (invalid, bootstrap, frozen).</summary>
    private const uint FirstNormalTransactionId = 3;

    private const uint FnvOffsetBasis = 2166136261;
    private const uint FnvPrime = 16777619;

    private static readonly SqlType Xid = new(TypeKind.Xid);

    /// <summary>The system columns of the relation whose pg_class oid is <paramref name="relationOid"/>; with the
    /// columns of a stored table, also its row's xmin and xmax.</summary>
    public static IReadOnlyList<ScopeColumn> Of(long relationOid, IReadOnlyList<ScopeColumn>? tableColumns = null)
    {
        var tableOid = new ScopeColumn("tableoid", new BoundConstant(relationOid, new SqlType(TypeKind.Oid)));
        if (tableColumns is null) return [tableOid];
        BoundExpression[] values = tableColumns.Select(column => column.Expression).ToArray();
        var version = new FunctionDefinition("xmin", values.Select(value => (ParameterType)value.Type).ToArray(), Xid, RowVersion, Volatility.Immutable, strict: false);
        return
        [
            tableOid,
            new ScopeColumn("xmin", new BoundFunction(version, values, Xid)),
            new ScopeColumn("xmax", new BoundConstant(0L, Xid)),
        ];
    }

    /// <summary>xmin of a row: FNV-1a over each value's stored encoding, a NULL as MessagePack's nil (so that (NULL, x)
    /// and (x, NULL) differ).</summary>
    private static object? RowVersion(ReadOnlySpan<object?> values, EvaluationContext context)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        foreach (object? value in values)
        {
            if (value is null) writer.WriteNil();
            else RowEncoder.WriteValue(ref writer, value);
        }
        writer.Flush();
        uint hash = FnvOffsetBasis;
        foreach (byte part in buffer.WrittenSpan)
        {
            hash = (hash ^ part) * FnvPrime;
        }
        return (long)Math.Max(hash, FirstNormalTransactionId);
    }
}
