using Log.QueryNode.Execution;
using Log.Wire.Types;
using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>time with time zone: a <see cref="PgTimeTz"/>, the time of day with the offset it was written with. Ordered
/// as timetz_cmp orders (the UTC time, then the zone: of two values at one instant the one further east comes first), so
/// 10:00+03 = 07:00+00 is false, as in PostgreSQL. Casts as pg_cast has them: from time implicitly (the session zone's
/// offset today), from timestamptz in assignment (its wall clock and offset in the session zone), to time in assignment
/// (the time, dropping the offset). The precision of timetz(p) is accepted and values keep microseconds, as for time.</summary>
internal sealed class TimeTzHandler : TypeHandler
{
    public override TypeKind Kind => TypeKind.TimeTz;

    public override Type ValueType => typeof(PgTimeTz);

    public override IReadOnlyList<string> Names { get; } = ["timetz"];

    public override SqlType Resolve(string name, IReadOnlyList<int> modifiers, int position)
    {
        if (modifiers.Count > 1 || (modifiers.Count == 1 && modifiers[0] is < 0 or > 6))
        {
            throw new SqlException(SqlState.SyntaxError, "invalid type modifier", position);
        }
        return SqlType.TimeTz;
    }

    public override int Compare(object left, object right) => PgTimeTz.Compare((PgTimeTz)left, (PgTimeTz)right);

    public override bool? CanCastFrom(SqlType from, SqlType to, ValueCast.Context context) => from.Kind switch
    {
        TypeKind.Time => true,
        TypeKind.TimestampTz => context != ValueCast.Context.Implicit,
        _ => null,
    };

    public override object ConvertFrom(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings) => value switch
    {
        TimeOnly time => FromLocalTime(PgTypes.TimeToMicroseconds(time), settings),
        DateTime instant when !IntervalMath.IsInfinite(instant) => FromInstant(instant, settings),
        DateTime => throw new SqlException(SqlState.DatetimeFieldOverflow, "timestamp out of range"),
        _ => throw new InvalidOperationException($"no cast from {from} to time with time zone"),
    };

    public override bool? CanCastTo(SqlType from, SqlType to, ValueCast.Context context) =>
        to.Kind == TypeKind.Time ? context != ValueCast.Context.Implicit : null;

    public override object ConvertTo(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings) =>
        PgTypes.MicrosecondsToTime(((PgTimeTz)value).Microseconds);

    /// <summary>timetz(timestamptz): the instant's wall-clock time in the session zone, with that zone's offset then.</summary>
    public static PgTimeTz FromInstant(DateTime utc, DateTimeSettings settings)
    {
        TimeSpan offset = settings.OffsetOfUtc(utc);
        return new PgTimeTz((utc + offset).TimeOfDay.Ticks / 10, (int)offset.TotalSeconds);
    }

    /// <summary>timetz(time): the time with the offset the session zone has at that time of the current day.</summary>
    public static PgTimeTz FromLocalTime(long microseconds, DateTimeSettings settings)
    {
        DateTime today = settings.ToLocal(DateTime.UtcNow).Date;
        TimeSpan offset = settings.OffsetOfLocal(today.AddTicks(Math.Min(microseconds * 10, TimeSpan.TicksPerDay - 1)));
        return new PgTimeTz(microseconds, (int)offset.TotalSeconds);
    }

    public override void WriteStored(ref MessagePackWriter writer, object value)
    {
        var timeTz = (PgTimeTz)value;
        writer.WriteArrayHeader(2);
        writer.Write(timeTz.Microseconds);
        writer.Write(timeTz.OffsetSeconds);
    }

    public override object ReadStored(ref MessagePackReader reader, SqlType type)
    {
        if (reader.ReadArrayHeader() != 2) throw new InvalidDataException("timetz stored with other than two fields");
        long microseconds = reader.ReadInt64();
        return new PgTimeTz(microseconds, reader.ReadInt32());
    }

    public override bool HasKeyEncoding => true;

    /// <summary>The UTC time, then the offset negated, so that key order is timetz_cmp's order.</summary>
    public override void WriteKey(ref Encoding.KeyEncoder encoder, object value)
    {
        var timeTz = (PgTimeTz)value;
        encoder.WriteInteger(timeTz.UtcMicroseconds);
        encoder.WriteInteger(-timeTz.OffsetSeconds);
    }
}
