using Log.Wire.Types;
using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>interval: a PgInterval (months, days, microseconds, kept apart as PostgreSQL keeps them). Input and output
/// are the wire codec's (interval_in's formats, IntervalStyle postgres); ordering, equality and hashing flatten the
/// fields with 30-day months and 24-hour days (interval_cmp), so '1 mon' = '30 days' in comparisons, GROUP BY and keys.</summary>
internal sealed class IntervalHandler : TypeHandler
{
    public override TypeKind Kind => TypeKind.Interval;

    public override Type ValueType => typeof(PgInterval);

    public override IReadOnlyList<string> Names { get; } = ["interval"];

    /// <summary>interval(p): the precision is accepted and values keep microseconds (as timestamp(p) here).</summary>
    public override SqlType Resolve(string name, IReadOnlyList<int> modifiers, int position)
    {
        if (modifiers.Count > 1 || (modifiers.Count == 1 && modifiers[0] is < 0 or > 6))
        {
            throw new Execution.SqlException(Execution.SqlState.SyntaxError, "invalid type modifier", position);
        }
        return SqlType.Interval;
    }

    public override int Compare(object left, object right) => IntervalMath.Compare((PgInterval)left, (PgInterval)right);

    public override int Hash(object value) => IntervalMath.Span((PgInterval)value).GetHashCode();

    public override void WriteStored(ref MessagePackWriter writer, object value)
    {
        var interval = (PgInterval)value;
        writer.WriteArrayHeader(3);
        writer.Write(interval.Months);
        writer.Write(interval.Days);
        writer.Write(interval.Microseconds);
    }

    public override object ReadStored(ref MessagePackReader reader, SqlType type)
    {
        if (reader.ReadArrayHeader() != 3) throw new InvalidDataException("interval stored with other than three fields");
        int months = reader.ReadInt32();
        int days = reader.ReadInt32();
        return new PgInterval(months, days, reader.ReadInt64());
    }

    /// <summary>The flattened span, high then low half, so that key order is interval_cmp's order and intervals equal
    /// under it are one key (as in a PostgreSQL unique index).</summary>
    public override void WriteKey(ref Encoding.KeyEncoder encoder, object value)
    {
        Int128 span = IntervalMath.Span((PgInterval)value);
        encoder.WriteInteger((long)(span >> 64));
        encoder.WriteInteger(unchecked((long)(ulong)span ^ long.MinValue));
    }
}
