using System.Globalization;
using Log.QueryNode.Execution;
using Log.Wire.Types;
using MessagePack;

namespace Log.QueryNode.Sql.Types.Handlers;

/// <summary>
/// Arrays of any element type (one type for every dimensionality, as in PostgreSQL): values are <see cref="PgArray"/>s
/// (elements in row-major order, dimension lengths and lower bounds). Text input and output are the wire codec's
/// array_in/array_out with the element type's own input and output in between; ordering is array_cmp's (element by
/// element with NULL above every value, then the element count, the number of dimensions, the lengths and the lower
/// bounds); casts between array types convert element by element (array_map over the element cast).
/// </summary>
internal sealed class ArrayHandler : TypeHandler
{
    public override TypeKind Kind => TypeKind.Array;

    public override Type ValueType => typeof(PgArray);

    /// <summary>Array type names are the element's with "[]" (or its internal name with "_"): TypeResolver reads them.</summary>
    public override IReadOnlyList<string> Names { get; } = [];

    public override object Parse(string text, SqlType type, int? position, DateTimeSettings settings)
    {
        SqlType element = type.ElementType;
        try
        {
            return PgTypes.ParseArray(text, item => ValueInput.Parse(item, element, settings, position));
        }
        catch (Log.Wire.PgException exception)
        {
            throw new SqlException(exception.Error.SqlState, exception.Error.Message, position, exception.Error.Detail, exception.Error.Hint);
        }
    }

    public override string Format(object value, DateTimeSettings settings) =>
        PgTypes.FormatArray((PgArray)value, item => ValueFormatter.Format(item, settings)!);

    public override int Compare(object left, object right)
    {
        var a = (PgArray)left;
        var b = (PgArray)right;
        int count = Math.Min(a.Count, b.Count);
        for (int index = 0; index < count; index++)
        {
            int order = ValueComparer.Instance.Compare(a[index], b[index]);
            if (order != 0) return order;
        }
        int result = a.Count.CompareTo(b.Count);
        if (result != 0) return result;
        result = a.Dimensions.CompareTo(b.Dimensions);
        for (int dimension = 0; result == 0 && dimension < a.Dimensions; dimension++)
        {
            result = a.Lengths[dimension].CompareTo(b.Lengths[dimension]);
            if (result == 0) result = a.LowerBounds[dimension].CompareTo(b.LowerBounds[dimension]);
        }
        return result;
    }

    public override int Hash(object value)
    {
        var hash = new HashCode();
        foreach (object? element in (PgArray)value) hash.Add(ValueComparer.Hash(element));
        return hash.ToHashCode();
    }

    /// <summary>Stored as a MessagePack array: the dimension lengths, the lower bounds, then the elements (nil for NULL),
    /// each as a column of the element type is stored.</summary>
    public override void WriteStored(ref MessagePackWriter writer, object value)
    {
        var array = (PgArray)value;
        writer.WriteArrayHeader(3);
        writer.WriteArrayHeader(array.Dimensions);
        foreach (int length in array.Lengths) writer.Write(length);
        writer.WriteArrayHeader(array.Dimensions);
        foreach (int lower in array.LowerBounds) writer.Write(lower);
        writer.WriteArrayHeader(array.Count);
        foreach (object? element in array)
        {
            if (element is null) writer.WriteNil();
            else Encoding.RowEncoder.WriteValue(ref writer, element);
        }
    }

    public override object ReadStored(ref MessagePackReader reader, SqlType type)
    {
        SqlType element = type.ElementType;
        if (reader.ReadArrayHeader() != 3) throw new InvalidDataException("an array is stored as three parts");
        int[] lengths = new int[reader.ReadArrayHeader()];
        for (int index = 0; index < lengths.Length; index++) lengths[index] = reader.ReadInt32();
        int[] lowerBounds = new int[reader.ReadArrayHeader()];
        for (int index = 0; index < lowerBounds.Length; index++) lowerBounds[index] = reader.ReadInt32();
        var elements = new object?[reader.ReadArrayHeader()];
        for (int index = 0; index < elements.Length; index++)
        {
            if (reader.TryReadNil())
            {
                continue;
            }
            elements[index] = Encoding.RowEncoder.ReadValue(ref reader, element);
        }
        return elements.Length == 0 ? PgArray.Empty : new PgArray(elements, lengths, lowerBounds);
    }

    /// <summary>The elements' own key encodings (NULL sorts after every value), then an end mark below every element
    /// tag (so a shorter array that is a prefix sorts first), then the number of dimensions, the lengths and the lower
    /// bounds: array_cmp's order.</summary>
    public override void WriteKey(ref Encoding.KeyEncoder encoder, object value)
    {
        var array = (PgArray)value;
        foreach (object? element in array) encoder.WriteValue(element);
        encoder.WriteArrayEnd();
        encoder.WriteInteger(array.Dimensions);
        foreach (int length in array.Lengths) encoder.WriteInteger(length);
        foreach (int lower in array.LowerBounds) encoder.WriteInteger(lower);
    }

    /// <summary>Between array types: when the element types have a cast in the context (array_coerce).</summary>
    public override bool? CanCastFrom(SqlType from, SqlType to, ValueCast.Context context)
    {
        if (!from.IsArray || !to.IsArray) return null;
        return ValueCast.CanCast(from.ElementType, to.ElementType, context);
    }

    public override object ConvertFrom(object value, SqlType from, SqlType to, ValueCast.Context context, DateTimeSettings settings) =>
        Map((PgArray)value, element => ValueCast.Convert(element, from.ElementType, to.ElementType, context, settings));

    /// <summary>varchar(3)[] and numeric(5,2)[]: the element's modifier applies to every element.</summary>
    public override object ApplyModifier(object value, SqlType type, bool isExplicit)
    {
        if (type.Modifier < 0) return value;
        SqlType element = type.ElementType;
        var context = isExplicit ? ValueCast.Context.Explicit : ValueCast.Context.Assignment;
        // Only the modifier changes, never the kind, so no TimeZone or DateStyle is read: the defaults serve.
        return Map((PgArray)value, item => ValueCast.Convert(item, element.WithoutModifier, element, context, DateTimeSettings.Default));
    }

    /// <summary>The same shape with each element replaced (NULL stays NULL).</summary>
    public static PgArray Map(PgArray array, Func<object, object?> map)
    {
        if (array.Count == 0) return array;
        var elements = new object?[array.Count];
        for (int index = 0; index < elements.Length; index++)
        {
            elements[index] = array[index] is { } element ? map(element) : null;
        }
        return new PgArray(elements, [.. array.Lengths], [.. array.LowerBounds]);
    }
}
