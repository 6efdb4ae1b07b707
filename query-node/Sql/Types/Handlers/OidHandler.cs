using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>oid: an unsigned 32-bit object identifier, held as a long (so that comparisons, hashing and integer
/// formatting are those of bigint; the handler owns no CLR type). Integers cast to it implicitly, as pg_cast says,
/// and the reg* types are oids under another name (binary coercible both ways).</summary>
internal sealed class OidHandler : TypeHandler
{
    public override TypeKind Kind => TypeKind.Oid;

    public override Type? ValueType => null;

    public override IReadOnlyList<string> Names { get; } = ["oid"];

    /// <summary>oidin: a decimal integer; negative values wrap around as PostgreSQL's strtoul does.</summary>
    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings)
    {
        if (!long.TryParse(text.Trim(), global::System.Globalization.NumberStyles.AllowLeadingSign, global::System.Globalization.CultureInfo.InvariantCulture, out long value))
        {
            throw InvalidInput("oid", text, position);
        }
        if (value < int.MinValue || value > uint.MaxValue)
        {
            throw new Execution.SqlException(Execution.SqlState.NumericValueOutOfRange, $"value \"{text}\" is out of range for type oid", position);
        }
        return ObjectIdentifierComparison.FromInteger(value);
    }

    public override string Format(object value, DateTimeSettings settings) =>
        ((long)value).ToString(global::System.Globalization.CultureInfo.InvariantCulture);

    public override int Compare(object left, object right) => ((long)left).CompareTo((long)right);

    public override void WriteStored(ref MessagePackWriter writer, object value) => writer.Write((long)value);

    public override object ReadStored(ref MessagePackReader reader, SqlType type) => reader.ReadInt64();

    public override bool HasKeyEncoding => true;

    public override void WriteKey(ref Encoding.KeyEncoder encoder, object value) => encoder.WriteInteger((long)value);

    /// <summary>int2, int4 and int8 to oid are implicit; the reg* types to oid are binary coercible.</summary>
    public override bool? CanCastFrom(SqlType from, SqlType to, ValueCast.Context context) =>
        from.IsInteger || ObjectIdentifierComparison.IsObjectIdentifier(from) ? true : null;

    public override object ConvertFrom(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings) =>
        value is long integer ? ObjectIdentifierComparison.FromInteger(integer) : ObjectIdentifierComparison.ToOid(value);

    /// <summary>oid to int8 and int4 in assignment (int4 reinterprets the bits, as PostgreSQL does).</summary>
    public override bool? CanCastTo(SqlType from, SqlType to, ValueCast.Context context) => to.Kind switch
    {
        TypeKind.Int8 or TypeKind.Int4 => context != ValueCast.Context.Implicit || to.Kind == TypeKind.Int8,
        _ => null,
    };

    public override object ConvertTo(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings) =>
        to.Kind == TypeKind.Int4 ? unchecked((int)(uint)(long)value) : (object)(long)value;
}
