using System.Buffers;
using Log.QueryNode.Sql.Types;
using MessagePack;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>Sequence descriptors and states as MessagePack arrays, a format version first.</summary>
internal static class SequenceCodec
{
    private const int FormatVersion = 1;
    private const int DescriptorFields = 14;

    public static byte[] Encode(SequenceDescriptor sequence)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(DescriptorFields);
        writer.Write(FormatVersion);
        writer.Write(sequence.Id);
        writer.Write(sequence.Name);
        writer.Write(sequence.Version);
        writer.Write((int)sequence.Type.Kind);
        writer.Write(sequence.Start);
        writer.Write(sequence.Increment);
        writer.Write(sequence.MinValue);
        writer.Write(sequence.MaxValue);
        writer.Write(sequence.Cache);
        writer.Write(sequence.Cycle);
        WriteOptional(ref writer, sequence.OwnedByTable);
        WriteOptional(ref writer, sequence.OwnedByColumn);
        writer.Write(sequence.IsIdentity);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static SequenceDescriptor Decode(byte[] bytes)
    {
        var reader = new MessagePackReader(bytes);
        int fields = reader.ReadArrayHeader();
        int version = reader.ReadInt32();
        if (fields < DescriptorFields || version != FormatVersion)
        {
            throw new InvalidOperationException($"unknown sequence descriptor format {version} with {fields} fields");
        }
        var sequence = new SequenceDescriptor(
            Id: reader.ReadInt64(),
            Name: reader.ReadString()!,
            Version: reader.ReadInt32(),
            Type: new SqlType((TypeKind)reader.ReadInt32()),
            Start: reader.ReadInt64(),
            Increment: reader.ReadInt64(),
            MinValue: reader.ReadInt64(),
            MaxValue: reader.ReadInt64(),
            Cache: reader.ReadInt64(),
            Cycle: reader.ReadBoolean(),
            OwnedByTable: reader.TryReadNil() ? null : reader.ReadString(),
            OwnedByColumn: reader.TryReadNil() ? null : reader.ReadString(),
            IsIdentity: reader.ReadBoolean());
        return sequence;
    }

    public static byte[] EncodeState(SequenceState state) => MessagePackSerializer.Serialize(new object[] { state.LastValue, state.IsCalled });

    public static SequenceState DecodeState(byte[] bytes)
    {
        var reader = new MessagePackReader(bytes);
        if (reader.ReadArrayHeader() != 2) throw new InvalidOperationException("unknown sequence state format");
        return new SequenceState(reader.ReadInt64(), reader.ReadBoolean());
    }

    private static void WriteOptional(ref MessagePackWriter writer, string? value)
    {
        if (value is null) writer.WriteNil();
        else writer.Write(value);
    }
}
