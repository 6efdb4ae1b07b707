using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>What regtype and regnamespace share: a value is an oid that prints as a name found from the oid alone
/// (built-in types, the fixed schemas), ordered and stored by its oid, and cast from oid and the integers.</summary>
internal abstract class NamedObjectIdentifierHandler<TValue> : TypeHandler where TValue : struct
{
    public override Type ValueType => typeof(TValue);

    /// <summary>The value of an oid, with the name it prints as.</summary>
    /// <summary>The value of an oid, named through <paramref name="names"/> where the type needs the catalog.</summary>
    protected abstract TValue OfOid(long oid, IObjectNames? names);

    protected abstract long OidOf(TValue value);

    protected abstract string NameOf(TValue value);

    public override string Format(object value, DateTimeSettings settings) => NameOf((TValue)value);

    public override int Compare(object left, object right) => OidOf((TValue)left).CompareTo(OidOf((TValue)right));

    public override void WriteStored(ref MessagePackWriter writer, object value) => writer.Write(OidOf((TValue)value));

    public override object ReadStored(ref MessagePackReader reader, SqlType type) => OfOid(reader.ReadInt64(), names: null);

    public override bool? CanCastFrom(SqlType from, SqlType to, ValueCast.Context context) =>
        from.Kind == TypeKind.Oid || from.IsInteger ? true : null;

    public override object ConvertFrom(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings) =>
        OfOid(value is long oid ? ObjectIdentifierComparison.FromInteger(oid) : ObjectIdentifierComparison.ToOid(value), settings.Names);
}
