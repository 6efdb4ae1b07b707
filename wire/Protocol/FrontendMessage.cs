using System.Buffers;

namespace Log.Wire.Protocol;

/// <summary>
/// One framed frontend message: its type byte and its body (after the length word).
/// The body is a slice of the input buffer and is valid only until the reader advances past it.
/// </summary>
internal readonly record struct FrontendMessage(byte Type, ReadOnlySequence<byte> Body);
