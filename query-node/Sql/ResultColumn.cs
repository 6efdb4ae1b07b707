using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql;

/// <summary>
/// One column of a row description, as PostgreSQL's RowDescription carries it. When the column is a plain
/// reference to a table column (also through <c>*</c>, <c>t.*</c> and an alias), <paramref name="TableOid"/> and
/// <paramref name="ColumnAttributeNumber"/> name it, as PostgreSQL's resorigtbl/resorigcol do; for any other
/// expression (operators, functions, aggregates, constants, casts that change the type) both are 0.
/// </summary>
public sealed record ResultColumn(string Name, int TypeOid, short TypeSize, int TypeModifier, int TableOid = 0, short ColumnAttributeNumber = 0)
{
    /// <summary>PostgreSQL's FirstNormalObjectId: the first OID it gives to user objects.</summary>
    public const long FirstNormalObjectId = 16384;

    /// <summary>The column of a result of <paramref name="type"/>.</summary>
    internal static ResultColumn For(string name, SqlType type) => new(name, type.Oid, type.Size, type.Modifier);

    /// <summary>
    /// The column of a result that reads column <paramref name="ordinal"/> of <paramref name="table"/> unchanged: its
    /// table's OID (<see cref="TableOidOf"/>) and, as attribute number, the column's catalog id, which numbers
    /// columns as pg_attribute.attnum does (1-based in creation order, ADD COLUMN takes the next number, a dropped
    /// column's number is never reused).
    /// </summary>
    internal static ResultColumn ForTableColumn(string name, SqlType type, TableDescriptor table, int ordinal)
    {
        int columnId = table.Columns[ordinal].Id;
        short attributeNumber = columnId is > 0 and <= short.MaxValue ? (short)columnId : (short)0;
        return new(name, type.Oid, type.Size, type.Modifier, TableOidOf(table.Id), attributeNumber);
    }

    /// <summary>
    /// The OID a table is known by on the wire (RowDescription's table OID): FirstNormalObjectId (16384) plus the
    /// catalog's table id. Table ids are never reused, so the OID is stable for the table's life (renames and
    /// ALTERs included). An id whose OID would not fit in an unsigned 32-bit OID gives 0 ("not a table column").
    /// </summary>
    public static int TableOidOf(long tableId)
    {
        long oid = FirstNormalObjectId + tableId;
        return tableId >= 0 && oid <= uint.MaxValue ? unchecked((int)(uint)oid) : 0;
    }

    /// <summary>PostgreSQL's text output for the value (t/f, shortest float8, numeric with its scale) as a session with
    /// the default settings (TimeZone UTC, DateStyle ISO) shows it; null stays null.</summary>
    public string? FormatText(object? value) => ValueFormatter.Format(value, DateTimeSettings.Default);
}
