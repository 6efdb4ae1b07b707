using System.Text;

namespace Log.Wire.Types;

/// <summary>
/// int2vector and oidvector (int2vectorin/out, oidvectorin/out): one-dimensional vectors whose subscripts start at 0,
/// written as their elements separated by single spaces ("1 2"), an empty vector as the empty string. Their binary
/// form is array_send's with the element type and lower bound 0. The value is a <see cref="PgArray"/> like any array's.
/// </summary>
public static partial class PgTypes
{
    /// <summary>PostgreSQL's FUNC_MAX_ARGS: the most elements int2vectorin and oidvectorin accept.</summary>
    public const int MaxVectorElements = 100;

    /// <summary>The element type of int2vector (int2) and oidvector (oid); 0 for any other type.</summary>
    public static int GetVectorElementTypeOid(int typeOid) => typeOid switch
    {
        PgTypeOid.Int2Vector => PgTypeOid.Int2,
        PgTypeOid.OidVector => PgTypeOid.Oid,
        _ => 0,
    };

    private static string FormatVector(object value, int elementTypeOid, PgTypeSettings settings)
    {
        var builder = new StringBuilder();
        foreach (object? element in ToArray(value))
        {
            if (builder.Length > 0) builder.Append(' ');
            builder.Append(EncodeText(element, elementTypeOid, settings));
        }
        return builder.ToString();
    }

    /// <summary>Elements separated by any run of spaces, leading and trailing spaces ignored; the element type's own
    /// input checks each one (so "x" is 22P02 for smallint, as PostgreSQL says).</summary>
    private static PgArray ParseVector(string text, int elementTypeOid, PgTypeSettings settings)
    {
        string[] items = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0) return PgArray.Empty;
        if (items.Length > MaxVectorElements)
        {
            string typeName = elementTypeOid == PgTypeOid.Int2 ? "int2vector" : "oidvector";
            throw new PgException(PgError.Error(InvalidParameterValue, $"{typeName} has too many elements"));
        }
        var elements = new object?[items.Length];
        for (int index = 0; index < items.Length; index++) elements[index] = DecodeText(items[index], elementTypeOid, settings);
        return ZeroBasedVector(elements);
    }

    /// <summary>A one-dimensional array whose first subscript is 0, as int2vector and oidvector values are.</summary>
    public static PgArray ZeroBasedVector(object?[] elements) =>
        elements.Length == 0 ? PgArray.Empty : new PgArray(elements, [elements.Length], [0]);
}
