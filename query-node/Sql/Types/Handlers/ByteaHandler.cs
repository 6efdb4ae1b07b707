using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>bytea: a byte[], ordered as memcmp then length (byteacmp); input in the hex or escape format, output in
/// hex (bytea_output = hex).</summary>
internal sealed class ByteaHandler : TypeHandler
{
    public override TypeKind Kind => TypeKind.Bytea;

    public override Type ValueType => typeof(byte[]);

    public override IReadOnlyList<string> Names { get; } = ["bytea"];

    public override int Compare(object left, object right) => ((byte[])left).AsSpan().SequenceCompareTo((byte[])right);

    public override int Hash(object value)
    {
        var hash = new HashCode();
        hash.AddBytes((byte[])value);
        return hash.ToHashCode();
    }

    public override void WriteStored(ref MessagePackWriter writer, object value) => writer.Write((byte[])value);

    public override object ReadStored(ref MessagePackReader reader, SqlType type)
    {
        System.Buffers.ReadOnlySequence<byte>? bytes = reader.ReadBytes();
        return bytes is null ? [] : System.Buffers.BuffersExtensions.ToArray(bytes.Value);
    }

    public override bool HasKeyEncoding => true;

    public override void WriteKey(ref Encoding.KeyEncoder encoder, object value) => encoder.WriteBytes((byte[])value);
}
