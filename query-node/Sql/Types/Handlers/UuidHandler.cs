using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>uuid: a Guid, ordered as PostgreSQL's uuid_cmp does (memcmp of the 16 bytes in RFC 4122 order).</summary>
internal sealed class UuidHandler : TypeHandler
{
    public override TypeKind Kind => TypeKind.Uuid;

    public override Type ValueType => typeof(Guid);

    public override IReadOnlyList<string> Names { get; } = ["uuid"];

    public override int Compare(object left, object right)
    {
        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        ((Guid)left).TryWriteBytes(a, bigEndian: true, out _);
        ((Guid)right).TryWriteBytes(b, bigEndian: true, out _);
        return a.SequenceCompareTo(b);
    }

    public override void WriteStored(ref MessagePackWriter writer, object value)
    {
        writer.Write(((Guid)value).ToByteArray(bigEndian: true));
    }

    public override object ReadStored(ref MessagePackReader reader, SqlType type)
    {
        System.Buffers.ReadOnlySequence<byte> bytes = reader.ReadBytes() ?? throw new InvalidDataException("uuid stored as nil");
        Span<byte> buffer = stackalloc byte[16];
        if (bytes.Length != 16) throw new InvalidDataException("uuid stored with a length other than 16");
        System.Buffers.BuffersExtensions.CopyTo(bytes, buffer);
        return new Guid(buffer, bigEndian: true);
    }

    public override bool HasKeyEncoding => true;

    public override void WriteKey(ref Encoding.KeyEncoder encoder, object value)
    {
        encoder.WriteBytes(((Guid)value).ToByteArray(bigEndian: true));
    }
}
