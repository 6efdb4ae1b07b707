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

    public int Count => Values.Count;
}
