using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Encoding;
using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>
/// int2vector and oidvector, the catalogs' vectors (pg_index.indkey, pg_proc.proargtypes): values are zero-based,
/// one-dimensional <see cref="Log.Wire.Types.PgArray"/>s, so subscripts (<c>indkey[0]</c>), unnest, <c>= ANY</c> and
/// the array functions treat them as arrays (<see cref="SqlType.IsArray"/>), as PostgreSQL coerces them to int2[] and
/// oid[] for free. Text input and output are the wire codec's int2vectorin/out ("1 2"); ordering, storage and keys are
/// an array's. They cast implicitly to their array type and to nothing else but the string types; no array casts to
/// them (PostgreSQL has no such cast either).
/// </summary>
internal sealed class VectorHandler(TypeKind kind, string name) : TypeHandler
{
    private static TypeHandler Array => TypeRegistry.Get(TypeKind.Array);

    public override TypeKind Kind => kind;

    /// <summary>PgArray belongs to the array handler; a vector's values are told apart by their column's type.</summary>
    public override Type? ValueType => null;

    public override IReadOnlyList<string> Names { get; } = [name];

    public override int Compare(object left, object right) => Array.Compare(left, right);

    public override int Hash(object value) => Array.Hash(value);

    public override void WriteStored(ref MessagePackWriter writer, object value) => Array.WriteStored(ref writer, value);

    public override object ReadStored(ref MessagePackReader reader, SqlType type) => Array.ReadStored(ref reader, type);

    public override void WriteKey(ref KeyEncoder encoder, object value) => Array.WriteKey(ref encoder, value);

    /// <summary>Only from itself: an array does not become a vector (PostgreSQL: "cannot cast type smallint[] to
    /// int2vector"); the string types' I/O conversions are ValueCast's.</summary>
    public override bool? CanCastFrom(SqlType from, SqlType to, ValueCast.Context context) =>
        from.Kind == to.Kind ? true : from.IsArray ? false : null;

    public override object ConvertFrom(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings) => value;
}
