namespace Log.Wire.Types;

/// <summary>
/// A value of an anonymous record type (PostgreSQL's record, OID 2249): a row constructor's or a multi-column
/// function's fields, each with the OID of its type, which the record carries itself (record_out and record_send
/// write each field with its own type's output). A NULL field is null.
/// </summary>
public sealed class PgRecord
{
    public PgRecord(object?[] values, int[] fieldTypeOids)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(fieldTypeOids);
        if (values.Length != fieldTypeOids.Length) throw new ArgumentException("a record needs one type per field", nameof(fieldTypeOids));
        Values = values;
        FieldTypeOids = fieldTypeOids;
    }

    public IReadOnlyList<object?> Values { get; }

    public IReadOnlyList<int> FieldTypeOids { get; }

    /// <summary>The fields' names where the record's maker knows them (a whole-row reference's columns), or null: then
    /// they are f1, f2, ... as PostgreSQL names a row constructor's. Only what turns a record into names (to_json,
    /// row_to_json) reads them; the wire formats carry none.</summary>
    public IReadOnlyList<string>? FieldNames { get; init; }

    /// <summary>The name of field <paramref name="index"/> (0-based).</summary>
    public string FieldName(int index) => FieldNames is { } names ? names[index] : "f" + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public int Count => Values.Count;
}
