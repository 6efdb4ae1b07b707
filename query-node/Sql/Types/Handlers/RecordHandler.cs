using Log.QueryNode.Execution;
using Log.Wire.Types;
using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>record: an anonymous row (ROW(1, 'a'), jsonb_each in a select list). A value carries its fields' types
/// (<see cref="PgRecord"/>); it prints as record_out does, orders field by field with NULLs last (record_cmp), and,
/// being a pseudo-type, can be neither read from text nor stored.</summary>
internal sealed class RecordHandler : TypeHandler
{
    public override TypeKind Kind => TypeKind.Record;

    public override Type ValueType => typeof(PgRecord);

    public override IReadOnlyList<string> Names { get; } = ["record"];

    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings) =>
        throw new SqlException(SqlState.FeatureNotSupported, "input of anonymous composite types is not implemented", position);

    public override string Format(object value, DateTimeSettings settings) =>
        PgTypes.FormatRecord((PgRecord)value, (field, _) => ValueFormatter.Format(field, settings)!);

    public override int Compare(object left, object right)
    {
        var a = (PgRecord)left;
        var b = (PgRecord)right;
        for (int index = 0; index < Math.Min(a.Count, b.Count); index++)
        {
            object? x = a.Values[index];
            object? y = b.Values[index];
            if (x is null || y is null)
            {
                if (x is null && y is null) continue;
                return x is null ? 1 : -1;
            }
            int order = ValueComparer.CompareNonNull(x, y);
            if (order != 0) return order;
        }
        return a.Count.CompareTo(b.Count);
    }

    public override int Hash(object value)
    {
        var hash = new HashCode();
        foreach (object? field in ((PgRecord)value).Values) hash.Add(ValueComparer.Hash(field));
        return hash.ToHashCode();
    }

    public override void WriteStored(ref MessagePackWriter writer, object value) =>
        throw new SqlException(SqlState.FeatureNotSupported, "values of type record cannot be stored");

    public override object ReadStored(ref MessagePackReader reader, SqlType type) =>
        throw new InvalidDataException("a stored value of type record");
}
