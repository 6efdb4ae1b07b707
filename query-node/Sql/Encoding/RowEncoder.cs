using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;
using MessagePack;

namespace Log.QueryNode.Sql.Encoding;

/// <summary>
/// Row values: a MessagePack map from column id to value, NULL columns omitted, so that adding or dropping a column
/// never rewrites old rows (a missing id reads as NULL). numeric is stored as its invariant text (keeps the scale).
/// A table with a column added with a constant default (<see cref="ColumnDescriptor.MissingValue"/>) stores NULLs
/// explicitly, so that a missing id means "written before the column existed" and reads that value.
/// </summary>
internal static class RowEncoder
{
    public static byte[] Encode(TableDescriptor table, object?[] values)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new MessagePackWriter(buffer);
        bool writeNulls = table.HasMissingValues;
        int present = 0;
        for (int index = 0; index < values.Length; index++) if (writeNulls || values[index] is not null) present++;
        writer.WriteMapHeader(present);
        for (int index = 0; index < values.Length; index++)
        {
            object? value = values[index];
            if (value is null)
            {
                if (!writeNulls) continue;
                writer.Write(table.Columns[index].StorageId);
                writer.WriteNil();
                continue;
            }
            writer.Write(table.Columns[index].StorageId);
            WriteValue(ref writer, value);
        }
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One non-null value as a stored row holds it (also an array's elements).</summary>
    internal static void WriteValue(ref MessagePackWriter writer, object value)
    {
        switch (value)
        {
            case int i: writer.Write(i); break;
            case long l: writer.Write(l); break;
            case short s: writer.Write(s); break;
            case bool b: writer.Write(b); break;
            case double d: writer.Write(d); break;
            case string text: writer.Write(text); break;
            case PgNumeric n: writer.Write(n.ToString()); break;
            case DateTime timestamp: writer.Write(timestamp.Ticks); break;
            case DateOnly date: writer.Write(date.DayNumber); break;
            default:
                (TypeRegistry.ForValue(value) ?? throw new InvalidOperationException($"no row encoding for {value.GetType()}"))
                    .WriteStored(ref writer, value);
                break;
        }
    }

    /// <summary>Decodes into an array indexed by column ordinal; ids no longer in the table are skipped. Rows as
    /// <see cref="Encode"/> writes them take a direct path over the bytes (a scan decodes every row it reads, and
    /// MessagePackReader's general sequence reader was a tenth of a scan's time); anything else takes MessagePackReader's.</summary>
    public static object?[] Decode(TableDescriptor table, byte[] bytes) => Decode(table, bytes, decoded: null);

    /// <summary>The same, decoding only the columns whose ordinal is true in <paramref name="decoded"/> (all when it is
    /// null): a scan whose query reads two columns of ten skips the others' bytes, and their strings and boxes.</summary>
    public static object?[] Decode(TableDescriptor table, byte[] bytes, bool[]? decoded)
    {
        if (table.HasMissingValues) return DecodeWithMissingValues(table, bytes);
        var values = new object?[table.Columns.Count];
        return TryDecodeDirect(table, bytes, values, decoded) ? values : DecodeWithReader(table, bytes, decoded, present: null);
    }

    /// <summary>The same from bytes a scan hands over in place (storage's own memory): only a row the direct path cannot
    /// read is copied, for the general one.</summary>
    /// <remarks>The column kinds, when given, are <see cref="KindsOf"/> the table, taken once by a scan for all its rows;
    /// <paramref name="decodedCount"/> is how many ordinals <paramref name="decoded"/> holds true (see <see cref="CountDecoded"/>).</remarks>
    public static object?[] Decode(TableDescriptor table, ReadOnlySpan<byte> bytes, bool[]? decoded, TypeKind[]? kinds = null,
        int decodedCount = int.MaxValue)
    {
        if (table.HasMissingValues) return DecodeWithMissingValues(table, bytes.ToArray());
        var values = new object?[table.Columns.Count];
        return TryDecodeDirect(table, bytes, values, decoded, kinds, decodedCount) ? values : DecodeWithReader(table, bytes.ToArray(), decoded, present: null);
    }

    /// <summary>The type of each column by ordinal: what the direct decoder reads a value as, without going through the
    /// table's column list for every value of every row.</summary>
    public static TypeKind[] KindsOf(TableDescriptor table)
    {
        var kinds = new TypeKind[table.Columns.Count];
        for (int ordinal = 0; ordinal < kinds.Length; ordinal++) kinds[ordinal] = table.Columns[ordinal].Type.Kind;
        return kinds;
    }

    /// <summary>The same into <paramref name="values"/>, an array of the table's width that the caller reuses for row
    /// after row (a scan feeding an aggregate that keeps no row): afterwards it holds this row's values only.</summary>
    public static void DecodeInto(TableDescriptor table, ReadOnlySpan<byte> bytes, bool[]? decoded, TypeKind[]? kinds, object?[] values,
        int decodedCount = int.MaxValue)
    {
        System.Diagnostics.Debug.Assert(values.Length == table.Columns.Count, "a row array of another width");
        Array.Clear(values);
        if (!table.HasMissingValues && TryDecodeDirect(table, bytes, values, decoded, kinds, decodedCount)) return;
        Decode(table, bytes, decoded).CopyTo(values, 0);
    }

    /// <summary>A row of a table with missing values: a column the row has no entry for was added after the row was
    /// written, and reads the value its ADD COLUMN gave the existing rows.</summary>
    private static object?[] DecodeWithMissingValues(TableDescriptor table, byte[] bytes)
    {
        var present = new bool[table.Columns.Count];
        object?[] values = DecodeWithReader(table, bytes, decoded: null, present);
        for (int ordinal = 0; ordinal < values.Length; ordinal++)
        {
            if (!present[ordinal]) values[ordinal] = table.Columns[ordinal].MissingValue;
        }
        return values;
    }

    /// <summary>How many columns <paramref name="decoded"/> selects (all of the table's when it is null): a scan counts
    /// them once and passes the count with each row, so that decoding stops at the last column it wants.</summary>
    public static int CountDecoded(TableDescriptor table, bool[]? decoded) =>
        decoded is null ? table.Columns.Count : decoded.Count(selected => selected);

    /// <summary><paramref name="values"/> is a span so that its stores skip the covariance check of an object array.
    /// With <paramref name="decoded"/>, decoding stops once <paramref name="decodedCount"/> selected columns have been
    /// read: the bytes of the columns after them (a row's text, often its longest part) are not looked at, as
    /// PostgreSQL's slot_getsomeattrs deforms a tuple only up to the last attribute a query needs. A selected column
    /// the row has no value for (NULL) is never reached, and then the whole row is read.</summary>
    private static bool TryDecodeDirect(TableDescriptor table, ReadOnlySpan<byte> bytes, Span<object?> values, bool[]? decoded, TypeKind[]? kinds = null,
        int decodedCount = int.MaxValue)
    {
        int left = decoded is null ? int.MaxValue : decodedCount;
        int position = 0;
        if (!TryReadMapHeader(bytes, ref position, out int count)) return false;
        for (int entry = 0; entry < count; entry++)
        {
            if (!TryReadInteger(bytes, ref position, out long columnId)) return false;
            int ordinal = columnId is >= 0 and <= int.MaxValue ? table.OrdinalOfStorageId((int)columnId) : -1;
            if (ordinal < 0) return false; // a dropped column: the general path skips any value
            if (decoded is not null && !decoded[ordinal])
            {
                if (!TryStepOver(bytes, ref position)) return false;
                continue;
            }
            switch (kinds is null ? table.Columns[ordinal].Type.Kind : kinds[ordinal])
            {
                case TypeKind.Int2:
                    if (!TryReadInteger(bytes, ref position, out long int2)) return false;
                    values[ordinal] = checked((short)int2);
                    break;
                case TypeKind.Int4:
                    if (!TryReadInteger(bytes, ref position, out long int4)) return false;
                    values[ordinal] = BoxedIntegers.Of(checked((int)int4));
                    break;
                case TypeKind.Int8:
                    if (!TryReadInteger(bytes, ref position, out long int8)) return false;
                    values[ordinal] = BoxedIntegers.Of(int8);
                    break;
                case TypeKind.Date:
                    if (!TryReadInteger(bytes, ref position, out long day)) return false;
                    values[ordinal] = DateOnly.FromDayNumber(checked((int)day));
                    break;
                case TypeKind.Timestamp:
                    if (!TryReadInteger(bytes, ref position, out long ticks)) return false;
                    values[ordinal] = new DateTime(ticks, DateTimeKind.Unspecified);
                    break;
                case TypeKind.TimestampTz:
                    if (!TryReadInteger(bytes, ref position, out long utcTicks)) return false;
                    values[ordinal] = new DateTime(utcTicks, DateTimeKind.Utc);
                    break;
                case TypeKind.Bool:
                    if (position >= bytes.Length || (bytes[position] != 0xc2 && bytes[position] != 0xc3)) return false;
                    values[ordinal] = bytes[position++] == 0xc3;
                    break;
                case TypeKind.Float8:
                    if (position + 9 > bytes.Length || bytes[position] != 0xcb) return false;
                    values[ordinal] = BinaryPrimitives.ReadDoubleBigEndian(bytes.Slice(position + 1, 8));
                    position += 9;
                    break;
                case TypeKind.Numeric:
                    if (!TryReadString(bytes, ref position, out string? digits)) return false;
                    values[ordinal] = NumericOperations.Parse(digits, null);
                    break;
                case TypeKind.Text or TypeKind.Varchar or TypeKind.Bpchar:
                    if (!TryReadString(bytes, ref position, out string? text)) return false;
                    values[ordinal] = text;
                    break;
                default:
                    return false; // a type this path does not know decodes through the general one
            }
            if (--left == 0) return true;
        }
        return position == bytes.Length;
    }

    /// <summary>Steps over a value a decoder does not read: one of a fixed size (an integer, a bool, a float8: most
    /// columns) here, the rest (strings, a uint64) by <see cref="TrySkip"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static bool TryStepOver(ReadOnlySpan<byte> bytes, ref int position)
    {
        int size = (uint)position < (uint)bytes.Length ? FixedSizes[bytes[position]] : 0;
        if (size != 0 && position + size <= bytes.Length)
        {
            position += size;
            return true;
        }
        return TrySkip(bytes, ref position);
    }

    /// <summary>
    /// Reads a row's integer columns that a scan's aggregate reads straight into longs, without an object row or a box:
    /// <paramref name="slotOfOrdinal"/> gives, by column ordinal, the slot in <paramref name="values"/> of a column read
    /// (-1 for the others, which are stepped over), and the bit of each slot read is set in <paramref name="present"/>
    /// (a slot left out is NULL). Decoding stops once <paramref name="slotCount"/> slots are read. False, having decided
    /// nothing, for a row that the general path must read: not as <see cref="Encode"/> writes it, a stored NULL, a
    /// dropped column, or a value outside its column's type (which the general path reports as an error). For a table
    /// without missing values (<see cref="TableDescriptor.HasMissingValues"/>).
    /// </summary>
    public static bool TryDecodeIntegers(TableDescriptor table, ReadOnlySpan<byte> bytes, int[] slotOfOrdinal, TypeKind[] kinds, int slotCount,
        Span<long> values, out ulong present)
    {
        present = 0;
        int left = slotCount;
        int position = 0;
        if (!TryReadMapHeader(bytes, ref position, out int count)) return false;
        for (int entry = 0; entry < count; entry++)
        {
            if (!TryReadInteger(bytes, ref position, out long columnId)) return false;
            int ordinal = columnId is >= 0 and <= int.MaxValue ? table.OrdinalOfStorageId((int)columnId) : -1;
            if (ordinal < 0) return false;
            int slot = slotOfOrdinal[ordinal];
            if (slot < 0)
            {
                if (!TryStepOver(bytes, ref position)) return false;
                continue;
            }
            if (!TryReadIntegerInline(bytes, ref position, out long value)) return false;
            bool fits = kinds[ordinal] switch
            {
                TypeKind.Int2 => value == (short)value,
                TypeKind.Int4 => value == (int)value,
                _ => true,
            };
            if (!fits) return false;
            values[slot] = value;
            present |= 1UL << slot;
            if (--left == 0) return true;
        }
        return position == bytes.Length;
    }

    /// <summary>By a value's first byte, its whole size when that byte alone tells it and <see cref="TrySkip"/> steps over
    /// it by that size (fixints, bools, float8, the sized integers but uint64); 0 for the rest.</summary>
    private static readonly byte[] FixedSizes = FixedSizesByCode();

    private static byte[] FixedSizesByCode()
    {
        var sizes = new byte[256];
        for (int code = 0; code < 256; code++)
        {
            sizes[code] = code switch
            {
                <= 0x7f or >= 0xe0 or 0xc2 or 0xc3 => 1,
                0xcc or 0xd0 => 2,
                0xcd or 0xd1 => 3,
                0xce or 0xd2 => 5,
                0xd3 or 0xcb => 9,
                _ => 0,
            };
        }
        return sizes;
    }

    /// <summary>Steps over one value of the kinds <see cref="Encode"/> writes, without decoding it.</summary>
    private static bool TrySkip(ReadOnlySpan<byte> bytes, ref int position)
    {
        if (position >= bytes.Length) return false;
        byte code = bytes[position];
        switch (code)
        {
            case 0xc2 or 0xc3:
                position++;
                return true;
            case 0xcb:
                if (position + 9 > bytes.Length) return false;
                position += 9;
                return true;
            case (>= 0xa0 and <= 0xbf) or 0xd9 or 0xda or 0xdb:
                if (!TryReadStringLength(bytes, position, out int header, out int length)) return false;
                position += header + length;
                return true;
            case <= 0x7f or >= 0xe0:
                position++;
                return true;
            case 0xcc or 0xd0 or 0xcd or 0xd1 or 0xce or 0xd2 or 0xd3:
                // A skipped integer is stepped over by its size, not read (0xcf, a uint64, is read: one above
                // long.MaxValue is not a value Encode writes).
                int size = code switch { 0xcc or 0xd0 => 1, 0xcd or 0xd1 => 2, 0xce or 0xd2 => 4, _ => 8 };
                if (position + 1 + size > bytes.Length) return false;
                position += 1 + size;
                return true;
            default:
                return TryReadInteger(bytes, ref position, out _);
        }
    }

    private static bool TryReadMapHeader(ReadOnlySpan<byte> bytes, ref int position, out int count)
    {
        count = 0;
        if (position >= bytes.Length) return false;
        byte code = bytes[position];
        if (code is >= 0x80 and <= 0x8f)
        {
            count = code & 0x0f;
            position++;
            return true;
        }
        if (code == 0xde && position + 3 <= bytes.Length)
        {
            count = BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(position + 1));
            position += 3;
            return true;
        }
        return false; // map32 never holds a row's columns (at most 1,600)
    }

    /// <summary>An integer; a positive fixint (a column id, a small value: most of them) without a call.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static bool TryReadInteger(ReadOnlySpan<byte> bytes, ref int position, out long value)
    {
        if ((uint)position < (uint)bytes.Length && bytes[position] <= 0x7f)
        {
            value = bytes[position++];
            return true;
        }
        return TryReadLongerInteger(bytes, ref position, out value);
    }

    /// <summary>The same with the sized integers of one, two and four bytes (an amount of 128 to 65,535: 0xcc, 0xcd) read
    /// inline too, for a decoder whose every read value is an integer.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static bool TryReadIntegerInline(ReadOnlySpan<byte> bytes, ref int position, out long value)
    {
        if ((uint)position < (uint)bytes.Length)
        {
            byte code = bytes[position];
            if (code <= 0x7f)
            {
                value = code;
                position++;
                return true;
            }
            if (code == 0xcd && position + 3 <= bytes.Length)
            {
                value = BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(position + 1, 2));
                position += 3;
                return true;
            }
            if (code == 0xcc && position + 2 <= bytes.Length)
            {
                value = bytes[position + 1];
                position += 2;
                return true;
            }
        }
        return TryReadLongerInteger(bytes, ref position, out value);
    }

    private static bool TryReadLongerInteger(ReadOnlySpan<byte> bytes, ref int position, out long value)
    {
        value = 0;
        if (position >= bytes.Length) return false;
        byte code = bytes[position];
        if (code <= 0x7f)
        {
            value = code;
            position++;
            return true;
        }
        if (code >= 0xe0)
        {
            value = (sbyte)code;
            position++;
            return true;
        }
        int size = code switch { 0xcc or 0xd0 => 1, 0xcd or 0xd1 => 2, 0xce or 0xd2 => 4, 0xcf or 0xd3 => 8, _ => 0 };
        if (size == 0 || position + 1 + size > bytes.Length) return false;
        ReadOnlySpan<byte> payload = bytes.Slice(position + 1, size);
        switch (code)
        {
            case 0xcc: value = payload[0]; break;
            case 0xcd: value = BinaryPrimitives.ReadUInt16BigEndian(payload); break;
            case 0xce: value = BinaryPrimitives.ReadUInt32BigEndian(payload); break;
            case 0xcf:
                ulong unsigned = BinaryPrimitives.ReadUInt64BigEndian(payload);
                if (unsigned > long.MaxValue) return false;
                value = (long)unsigned;
                break;
            case 0xd0: value = (sbyte)payload[0]; break;
            case 0xd1: value = BinaryPrimitives.ReadInt16BigEndian(payload); break;
            case 0xd2: value = BinaryPrimitives.ReadInt32BigEndian(payload); break;
            default: value = BinaryPrimitives.ReadInt64BigEndian(payload); break;
        }
        position += 1 + size;
        return true;
    }

    private static bool TryReadString(ReadOnlySpan<byte> bytes, ref int position, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        value = null;
        if (!TryReadStringLength(bytes, position, out int header, out int length)) return false;
        value = System.Text.Encoding.UTF8.GetString(bytes.Slice(position + header, length));
        position += header + length;
        return true;
    }

    /// <summary>The header size and byte length of the string at <paramref name="position"/>, checked to fit.</summary>
    private static bool TryReadStringLength(ReadOnlySpan<byte> bytes, int position, out int header, out int length)
    {
        header = 0;
        length = 0;
        if (position >= bytes.Length) return false;
        byte code = bytes[position];
        if (code is >= 0xa0 and <= 0xbf)
        {
            length = code & 0x1f;
            header = 1;
        }
        else if (code == 0xd9 && position + 2 <= bytes.Length)
        {
            length = bytes[position + 1];
            header = 2;
        }
        else if (code == 0xda && position + 3 <= bytes.Length)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(position + 1));
            header = 3;
        }
        else if (code == 0xdb && position + 5 <= bytes.Length)
        {
            uint length32 = BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice(position + 1));
            if (length32 > int.MaxValue) return false;
            length = (int)length32;
            header = 5;
        }
        else
        {
            return false;
        }
        return (long)position + header + length <= bytes.Length;
    }

    /// <summary>The general path: <paramref name="decoded"/> as for <see cref="Decode(TableDescriptor, byte[], bool[])"/>;
    /// <paramref name="present"/>, when given, is set for every column the row has an entry for.</summary>
    private static object?[] DecodeWithReader(TableDescriptor table, byte[] bytes, bool[]? decoded, bool[]? present)
    {
        var values = new object?[table.Columns.Count];
        var reader = new MessagePackReader(bytes);
        int count = reader.ReadMapHeader();
        for (int entry = 0; entry < count; entry++)
        {
            int columnId = reader.ReadInt32();
            int ordinal = table.OrdinalOfStorageId(columnId);
            if (ordinal < 0 || (decoded is not null && !decoded[ordinal]))
            {
                reader.Skip();
                continue;
            }
            if (present is not null) present[ordinal] = true;
            if (reader.TryReadNil()) continue;
            values[ordinal] = ReadValue(ref reader, table.Columns[ordinal].Type);
        }
        return values;
    }

    /// <summary>One non-null value of <paramref name="type"/> as <see cref="WriteValue"/> wrote it.</summary>
    internal static object ReadValue(ref MessagePackReader reader, SqlType type)
    {
        if (TypeRegistry.Find(type.Kind) is { } handler) return handler.ReadStored(ref reader, type);
        return type.Kind switch
        {
            TypeKind.Int2 => reader.ReadInt16(),
            TypeKind.Int4 => reader.ReadInt32(),
            TypeKind.Int8 => reader.ReadInt64(),
            TypeKind.Bool => reader.ReadBoolean(),
            TypeKind.Float8 => reader.ReadDouble(),
            TypeKind.Numeric => NumericOperations.Parse(reader.ReadString()!, null),
            TypeKind.Date => DateOnly.FromDayNumber(reader.ReadInt32()),
            TypeKind.Timestamp => new DateTime(reader.ReadInt64(), DateTimeKind.Unspecified),
            TypeKind.TimestampTz => new DateTime(reader.ReadInt64(), DateTimeKind.Utc),
            _ => reader.ReadString()!,
        };
    }
}
