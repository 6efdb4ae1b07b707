namespace Log.Wire;

/// <summary>One field of a RowDescription, with PostgreSQL's meanings (pg_attribute, pg_type).</summary>
public sealed record PgField(
    string Name,
    int TableOid,
    short ColumnAttributeNumber,
    int TypeOid,
    short TypeSize,
    int TypeModifier,
    short FormatCode = 0);
