using Log.QueryNode.Execution;
using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>jsonb: a parsed, normalised <see cref="JsonbValue"/>, ordered and hashed as jsonb's btree and hash
/// opclasses do. Stored in a row as its jsonb_out text: one compact format that any reader of the row understands,
/// at the price of a parse when the row is read. As a key it is encoded in jsonb_cmp's order (see <see cref="WriteKey"/>).</summary>
internal sealed class JsonbHandler : TypeHandler
{
    public override TypeKind Kind => TypeKind.Jsonb;

    public override Type ValueType => typeof(JsonbValue);

    public override IReadOnlyList<string> Names { get; } = ["jsonb"];

    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings) => JsonParser.ParseJsonb(text, position);

    public override string Format(object value, DateTimeSettings settings) => ((JsonbValue)value).ToString();

    public override int Compare(object left, object right) => JsonbValue.Compare((JsonbValue)left, (JsonbValue)right);

    public override int Hash(object value) => value.GetHashCode();

    public override void WriteStored(ref MessagePackWriter writer, object value) => writer.Write(((JsonbValue)value).ToString());

    public override object ReadStored(ref MessagePackReader reader, SqlType type) =>
        JsonParser.ParseJsonb(reader.ReadString() ?? throw new InvalidDataException("jsonb stored as nil"));

    /// <summary>Tag of a jsonb key element (the other tags are KeyEncoder's; a column holds values of one type only).</summary>
    private const byte KeyTag = 0x80;

    /// <summary>jsonb_cmp's order as bytes: at the top, objects after arrays, then the element or pair count, then a
    /// scalar (PostgreSQL's one-element raw scalar array) before a real array of the same count, then the contents.
    /// Inside, a kind byte in jsonb's kind order, then the value; counts are fixed-width and strings and numbers end
    /// with terminators, so no encoding is a prefix of another.</summary>
    public override void WriteKey(ref Encoding.KeyEncoder encoder, object value)
    {
        var json = (JsonbValue)value;
        encoder.WriteRaw([KeyTag]);
        if (json.Kind == JsonbKind.Object)
        {
            encoder.WriteRaw([1]);
            WriteKeyContents(ref encoder, json);
            return;
        }
        encoder.WriteRaw([0]);
        WriteCount(ref encoder, json.IsScalar ? 1 : json.Count);
        encoder.WriteRaw([json.IsScalar ? (byte)0 : (byte)1]);
        if (json.IsScalar)
        {
            WriteKeyNested(ref encoder, json);
            return;
        }
        foreach (JsonbValue element in json.Values) WriteKeyNested(ref encoder, element);
    }

    private static void WriteKeyNested(ref Encoding.KeyEncoder encoder, JsonbValue json)
    {
        encoder.WriteRaw([(byte)json.Kind]);
        switch (json.Kind)
        {
            case JsonbKind.String:
                encoder.WriteText(json.Text);
                break;
            case JsonbKind.Number:
                WriteKeyNumber(ref encoder, json.Text);
                break;
            case JsonbKind.Bool:
                encoder.WriteRaw([json.Bool ? (byte)1 : (byte)0]);
                break;
            case JsonbKind.Array or JsonbKind.Object:
                WriteKeyContents(ref encoder, json);
                break;
        }
    }

    private static void WriteKeyContents(ref Encoding.KeyEncoder encoder, JsonbValue json)
    {
        WriteCount(ref encoder, json.Count);
        for (int index = 0; index < json.Count; index++)
        {
            if (json.Kind == JsonbKind.Object) encoder.WriteText(json.Keys[index]);
            WriteKeyNested(ref encoder, json.Values[index]);
        }
    }

    private static void WriteCount(ref Encoding.KeyEncoder encoder, int count)
    {
        Span<byte> bytes = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, count);
        encoder.WriteRaw(bytes);
    }

    /// <summary>A number of any size: sign, the decimal exponent of its first significant digit (4 bytes, biased), the
    /// significant digits and a terminator; inverted when negative so larger magnitudes sort lower.</summary>
    private static void WriteKeyNumber(ref Encoding.KeyEncoder encoder, string numeric)
    {
        string canonical = JsonNumber.Canonical(numeric);
        if (canonical == "0")
        {
            encoder.WriteRaw([1]);
            return;
        }
        bool negative = canonical[0] == '-';
        string body = negative ? canonical[1..] : canonical;
        int point = body.IndexOf('.');
        string integer = point < 0 ? body : body[..point];
        string fraction = point < 0 ? "" : body[(point + 1)..];
        string digits = (integer + fraction).TrimStart('0').TrimEnd('0');
        int exponent = integer.Length > 0 ? integer.Length : -(fraction.Length - fraction.TrimStart('0').Length);
        var bytes = new byte[1 + 4 + digits.Length + 1];
        bytes[0] = negative ? (byte)0 : (byte)2;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), (uint)exponent ^ 0x8000_0000u);
        for (int index = 0; index < digits.Length; index++) bytes[5 + index] = (byte)digits[index];
        bytes[^1] = 0x00;
        if (negative)
        {
            for (int index = 1; index < bytes.Length; index++) bytes[index] = (byte)~bytes[index];
        }
        encoder.WriteRaw(bytes);
    }

    /// <summary>jsonb to json (assignment) and the explicit casts to bool and the numbers (jsonb_bool, jsonb_int4 ...).</summary>
    public override bool? CanCastTo(SqlType from, SqlType to, ValueCast.Context context) => to.Kind switch
    {
        TypeKind.Json => context != ValueCast.Context.Implicit,
        TypeKind.Bool or TypeKind.Int2 or TypeKind.Int4 or TypeKind.Int8 or TypeKind.Float4 or TypeKind.Float8 or TypeKind.Numeric =>
            context == ValueCast.Context.Explicit,
        _ => null,
    };

    public override object ConvertTo(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings)
    {
        var json = (JsonbValue)value;
        if (to.Kind == TypeKind.Json) return new JsonText(json.ToString());
        JsonbKind wanted = to.Kind == TypeKind.Bool ? JsonbKind.Bool : JsonbKind.Number;
        if (json.Kind != wanted)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"cannot cast jsonb {json.TypeName} to type {to.DisplayName}");
        }
        if (to.Kind == TypeKind.Bool) return json.Bool;
        // Through numeric, as jsonb_int4 and friends do (numeric_int4 rounds half away from zero).
        object number = ValueInput.Parse(json.Text, SqlType.Numeric, settings);
        return ValueCast.Convert(number, SqlType.Numeric, to, ValueCast.Context.Explicit, settings)!;
    }
}
