using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>name: the catalogs' identifier type, a string of at most 63 bytes (longer input is truncated, as namein
/// does). It is one of the string types (category S), so it compares and casts as text does.</summary>
internal sealed class NameHandler : TypeHandler
{
    /// <summary>NAMEDATALEN - 1: the bytes a name holds.</summary>
    public const int NameBytesMax = 63;

    public override TypeKind Kind => TypeKind.Name;

    public override Type? ValueType => null;

    public override IReadOnlyList<string> Names { get; } = ["name"];

    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings) => Truncate(text);

    public override string Format(object value, DateTimeSettings settings) => (string)value;

    public override int Compare(object left, object right) => ValueComparer.CompareText((string)left, (string)right);

    public override void WriteStored(ref MessagePackWriter writer, object value) => writer.Write((string)value);

    public override object ReadStored(ref MessagePackReader reader, SqlType type) => reader.ReadString()!;

    public override bool HasKeyEncoding => true;

    public override void WriteKey(ref Encoding.KeyEncoder encoder, object value) => encoder.WriteText((string)value);

    public override object ApplyModifier(object value, SqlType type, bool isExplicit) => Truncate((string)value);

    /// <summary>namein: at most <see cref="NameBytesMax"/> bytes of UTF-8, cut at a character boundary.</summary>
    public static string Truncate(string text)
    {
        if (global::System.Text.Encoding.UTF8.GetByteCount(text) <= NameBytesMax) return text;
        int length = text.Length;
        while (global::System.Text.Encoding.UTF8.GetByteCount(text.AsSpan(0, length)) > NameBytesMax) length--;
        if (length > 0 && char.IsHighSurrogate(text[length - 1])) length--;
        return text[..length];
    }
}
