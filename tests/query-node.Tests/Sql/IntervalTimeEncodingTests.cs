using System.Buffers;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;
using MessagePack;

namespace Log.QueryNode.Tests.Sql;

/// <summary>interval and time keys, hashes and stored rows agree with their ordering (interval_cmp: 30-day months,
/// 24-hour days), over seeded random values and the extremes.</summary>
public class IntervalTimeEncodingTests
{
    private static byte[] Key(object value)
    {
        var encoder = new KeyEncoder(32);
        encoder.WriteValue(value);
        return encoder.ToArray();
    }

    private static List<PgInterval> Intervals()
    {
        var random = new Random(8);
        var values = new List<PgInterval>
        {
            new(0, 0, 0), new(1, 0, 0), new(0, 30, 0), new(0, 1, -IntervalMath.MicrosecondsPerDay), new(0, 0, IntervalMath.MicrosecondsPerDay),
            new(int.MaxValue, int.MaxValue, long.MaxValue), new(int.MinValue, int.MinValue, long.MinValue), new(-1, 30, 0), new(0, -1, 1),
        };
        for (int index = 0; index < 120; index++)
        {
            // Small fields collide often under the flattening, large ones exercise the 128-bit span.
            int scale = random.Next(2);
            values.Add(scale == 0
                ? new PgInterval(random.Next(-3, 4), random.Next(-95, 96), random.Next(-3, 4) * IntervalMath.MicrosecondsPerDay / 2)
                : new PgInterval(random.Next(), random.Next(int.MinValue, int.MaxValue), random.NextInt64(long.MinValue, long.MaxValue)));
        }
        return values;
    }

    [Fact]
    public void Interval_keys_and_hashes_follow_interval_cmp()
    {
        List<PgInterval> values = Intervals();
        TypeHandler handler = TypeRegistry.Get(TypeKind.Interval);
        foreach (PgInterval left in values)
        {
            foreach (PgInterval right in values)
            {
                int expected = Math.Sign(ValueComparer.CompareNonNull(left, right));
                Assert.Equal(expected, Math.Sign(Key(left).AsSpan().SequenceCompareTo(Key(right))));
                if (expected == 0) Assert.Equal(handler.Hash(left), handler.Hash(right));
            }
        }
        Assert.Equal(0, ValueComparer.CompareNonNull(new PgInterval(1, 0, 0), new PgInterval(0, 30, 0)));
        Assert.Equal(0, ValueComparer.CompareNonNull(new PgInterval(0, 1, 0), new PgInterval(0, 0, IntervalMath.MicrosecondsPerDay)));
    }

    [Fact]
    public void Time_keys_follow_time_order_with_24_00_last()
    {
        var random = new Random(24);
        var values = new List<TimeOnly> { TimeOnly.MinValue, PgTypes.EndOfDay, PgTypes.MicrosecondsToTime(IntervalMath.MicrosecondsPerDay - 1) };
        for (int index = 0; index < 100; index++) values.Add(PgTypes.MicrosecondsToTime(random.NextInt64(0, IntervalMath.MicrosecondsPerDay)));
        foreach (TimeOnly left in values)
        {
            foreach (TimeOnly right in values)
            {
                int expected = Math.Sign(ValueComparer.CompareNonNull(left, right));
                Assert.Equal(expected, Math.Sign(Key(left).AsSpan().SequenceCompareTo(Key(right))));
            }
        }
        Assert.True(ValueComparer.CompareNonNull(PgTypes.EndOfDay, values[2]) > 0);
    }

    [Fact]
    public void Stored_values_read_back_field_for_field()
    {
        object[] values = [.. Intervals().Cast<object>(), TimeOnly.MinValue, PgTypes.EndOfDay, PgTypes.MicrosecondsToTime(45_296_789_012)];
        foreach (object value in values)
        {
            TypeHandler handler = TypeRegistry.ForValue(value)!;
            var buffer = new ArrayBufferWriter<byte>();
            var writer = new MessagePackWriter(buffer);
            handler.WriteStored(ref writer, value);
            writer.Flush();
            var reader = new MessagePackReader(buffer.WrittenMemory);
            Assert.Equal(value, handler.ReadStored(ref reader, new SqlType(handler.Kind)));
            Assert.True(reader.End);
        }
    }
}
