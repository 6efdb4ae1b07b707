using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Log.Wire.Tests;

/// <summary>Builds protocol bytes by hand, independently of the server's writers.</summary>
internal sealed class Bytes
{
    private readonly List<byte> bytes = [];

    public Bytes Byte(byte value)
    {
        bytes.Add(value);
        return this;
    }

    public Bytes Char(char value) => Byte((byte)value);

    public Bytes Int16(short value)
    {
        Span<byte> span = stackalloc byte[2];
        BinaryPrimitives.WriteInt16BigEndian(span, value);
        bytes.AddRange(span.ToArray());
        return this;
    }

    public Bytes Int32(int value)
    {
        Span<byte> span = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(span, value);
        bytes.AddRange(span.ToArray());
        return this;
    }

    public Bytes CString(string value)
    {
        bytes.AddRange(Encoding.UTF8.GetBytes(value));
        bytes.Add(0);
        return this;
    }

    public Bytes Raw(params byte[] values)
    {
        bytes.AddRange(values);
        return this;
    }

    public byte[] ToArray() => [.. bytes];

    /// <summary>A frontend or backend message: type, Int32 length counting itself, body.</summary>
    public static byte[] Message(char type, byte[] body) =>
        new Bytes().Char(type).Int32(body.Length + 4).Raw(body).ToArray();

    public static byte[] Message(char type, Bytes body) => Message(type, body.ToArray());

    public static byte[] Query(string text) => Message('Q', new Bytes().CString(text));

    public static byte[] Terminate() => Message('X', []);

    /// <summary>A StartupMessage (protocol 3.0 unless told) with name/value pairs.</summary>
    public static byte[] Startup(int major, int minor, params (string Name, string Value)[] parameters)
    {
        var body = new Bytes().Int32((major << 16) | minor);
        foreach ((string name, string value) in parameters)
        {
            body.CString(name).CString(value);
        }
        body.Byte(0);
        byte[] bodyBytes = body.ToArray();
        return new Bytes().Int32(bodyBytes.Length + 4).Raw(bodyBytes).ToArray();
    }

    public static byte[] Startup(params (string Name, string Value)[] parameters) => Startup(3, 0, parameters);

    public static byte[] Request(int code) => new Bytes().Int32(8).Int32(code).ToArray();

    /// <summary>Splits bytes into a sequence of many segments, to exercise parsing across segment edges.</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] data, int segmentBytes)
    {
        if (data.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }
        Segment first = new(data.AsMemory(0, Math.Min(segmentBytes, data.Length)), 0);
        Segment last = first;
        for (int offset = segmentBytes; offset < data.Length; offset += segmentBytes)
        {
            last = last.Append(data.AsMemory(offset, Math.Min(segmentBytes, data.Length - offset)));
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
