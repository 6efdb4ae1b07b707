using Log.QueryNode.Execution;
using Log.Wire.Types;
using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>real (float4): a true 4-byte IEEE float. Arithmetic between two reals stays real (ValueArithmetic); with
/// any other number it is done in double precision, as PostgreSQL's operators resolve.</summary>
internal sealed class Float4Handler : TypeHandler
{
    public override TypeKind Kind => TypeKind.Float4;

    public override Type ValueType => typeof(float);

    public override IReadOnlyList<string> Names { get; } = ["real", "float4"];

    /// <summary>float4in: like float8in, then out of range when the value does not fit a float (22003).</summary>
    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings)
    {
        double wide = ValueInput.ParseFloat(text, "real", position);
        float value = (float)wide;
        if ((float.IsInfinity(value) && !double.IsInfinity(wide)) || (value == 0 && wide != 0))
        {
            throw new SqlException(SqlState.NumericValueOutOfRange, $"\"{text.Trim()}\" is out of range for type real", position);
        }
        return value;
    }

    public override string Format(object value, DateTimeSettings settings) => PgTypes.FormatFloat4((float)value, settings.ExtraFloatDigits);

    public override int Compare(object left, object right) => ValueComparer.CompareFloat8((float)left, (float)right);

    public override int Hash(object value) => (float)value == 0 ? 0 : value.GetHashCode();

    public override void WriteStored(ref MessagePackWriter writer, object value) => writer.Write((float)value);

    public override object ReadStored(ref MessagePackReader reader, SqlType type) => reader.ReadSingle();

    public override bool HasKeyEncoding => true;

    public override void WriteKey(ref Encoding.KeyEncoder encoder, object value) => encoder.WriteFloat8((float)value);
}
