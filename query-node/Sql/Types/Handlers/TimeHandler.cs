using Log.QueryNode.Execution;
using Log.Wire.Types;
using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>time (without time zone): a TimeOnly to the microsecond; 24:00:00, which PostgreSQL allows, is
/// <see cref="PgTypes.EndOfDay"/>. Casts from timestamp, timestamptz (the session zone's wall clock) and interval (its
/// time of day) in assignment, to interval implicitly, as pg_cast has them. time with time zone is <see cref="TimeTzHandler"/>.</summary>
internal sealed class TimeHandler : TypeHandler
{
    public override TypeKind Kind => TypeKind.Time;

    public override Type ValueType => typeof(TimeOnly);

    public override IReadOnlyList<string> Names { get; } = ["time"];

    public override SqlType Resolve(string name, IReadOnlyList<int> modifiers, int position)
    {
        // time(p): the precision is accepted and values keep microseconds (as timestamp(p) here).
        if (modifiers.Count > 1 || (modifiers.Count == 1 && modifiers[0] is < 0 or > 6))
        {
            throw new SqlException(SqlState.SyntaxError, "invalid type modifier", position);
        }
        return SqlType.Time;
    }

    public override int Compare(object left, object right) => ((TimeOnly)left).Ticks.CompareTo(((TimeOnly)right).Ticks);

    public override bool? CanCastFrom(SqlType from, SqlType to, ValueCast.Context context) =>
        from.Kind is TypeKind.Timestamp or TypeKind.TimestampTz or TypeKind.Interval ? context != ValueCast.Context.Implicit : null;

    public override object ConvertFrom(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings) => value switch
    {
        PgInterval interval => IntervalMath.TimeOfInterval(interval),
        DateTime { Kind: DateTimeKind.Utc } instant when from.Kind == TypeKind.TimestampTz =>
            TimeOnly.FromTimeSpan(settings.ToLocal(instant).TimeOfDay),
        DateTime timestamp when !IntervalMath.IsInfinite(timestamp) => TimeOnly.FromTimeSpan(timestamp.TimeOfDay),
        DateTime => throw new SqlException(SqlState.DatetimeFieldOverflow, "time out of range"),
        _ => throw new InvalidOperationException($"no cast from {from} to time"),
    };

    public override bool? CanCastTo(SqlType from, SqlType to, ValueCast.Context context) => to.Kind == TypeKind.Interval ? true : null;

    public override object ConvertTo(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings) => IntervalMath.FromTime((TimeOnly)value);

    public override void WriteStored(ref MessagePackWriter writer, object value) => writer.Write(PgTypes.TimeToMicroseconds((TimeOnly)value));

    public override object ReadStored(ref MessagePackReader reader, SqlType type) => PgTypes.MicrosecondsToTime(reader.ReadInt64());

    public override void WriteKey(ref Encoding.KeyEncoder encoder, object value) => encoder.WriteInteger(PgTypes.TimeToMicroseconds((TimeOnly)value));
}
