namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>
/// The OIDs the catalogs show. They are computed from ids the stored catalog already holds, so every query node and
/// every restart gives the same ones: a relation (table, sequence, view) is 16384 + its id, as RowDescription
/// reports (ResultColumn.TableOidOf). A table's indexes and constraints take the table's OID with a small number in
/// the top 8 bits: the index id for an index (the primary key is index 1) and for the constraint an index backs,
/// <see cref="CheckConstraintBase"/> + its position for a CHECK constraint, <see cref="ForeignKeyConstraintBase"/> + its
/// position for a FOREIGN KEY; a column default, the column's number. That needs table OIDs below 2^24
/// (<see cref="RelationOidMax"/>), index ids below <see cref="CheckConstraintBase"/>, fewer CHECK constraints than
/// ForeignKeyConstraintBase - CheckConstraintBase and fewer foreign keys than 256 - ForeignKeyConstraintBase.
/// </summary>
internal static class ObjectIds
{
    public const long PgCatalogNamespace = 11;
    public const long PublicNamespace = 2200;
    public const long PgToastNamespace = 99;
    /// <summary>information_schema's OID in a PostgreSQL 15 installed by initdb.</summary>
    public const long InformationSchemaNamespace = 13207;
    /// <summary>The bootstrap superuser.</summary>
    public const long SuperuserRole = 10;
    /// <summary>pg_database_owner, which owns public since PostgreSQL 15.</summary>
    public const long DatabaseOwnerRole = 6171;
    /// <summary>The database, as initdb numbers "postgres".</summary>
    public const long Database = 5;
    public const long DefaultTablespace = 1663;
    public const long GlobalTablespace = 1664;
    public const long HeapAccessMethod = 2;
    public const long BtreeAccessMethod = 403;
    public const long DefaultCollation = 100;
    public const long CCollation = 950;
    public const long PosixCollation = 951;
    public const long PlpgsqlExtension = 13560;
    public const long PlpgsqlLanguage = 13559;

    private const int SubObjectShift = 24;
    public const long RelationOidMax = (1L << SubObjectShift) - 1;
    public const int CheckConstraintBase = 128;
    public const int ForeignKeyConstraintBase = 192;

    public static long Relation(long relationId) => Sql.ResultColumn.TableOidOf(relationId) is int oid and not 0 ? (uint)oid : 0;

    public static long Index(long tableOid, int indexId) => ((long)indexId << SubObjectShift) | tableOid;

    public static long CheckConstraint(long tableOid, int position) => ((long)(CheckConstraintBase + position) << SubObjectShift) | tableOid;

    public static long ForeignKeyConstraint(long tableOid, int position) => ((long)(ForeignKeyConstraintBase + position) << SubObjectShift) | tableOid;

    public static long AttributeDefault(long tableOid, int attributeNumber) => ((long)attributeNumber << SubObjectShift) | tableOid;

    /// <summary>The row type of a table or view (pg_class.reltype) and its array type: the relation's OID with sub-object
    /// 1 and 2 in pg_type's own number space (OIDs are unique within a catalog, as in PostgreSQL; pg_class's index OIDs
    /// share the numbers).</summary>
    public static long RowType(long relationOid) => (1L << SubObjectShift) | relationOid;

    public static long RowTypeArray(long relationOid) => (2L << SubObjectShift) | relationOid;

    /// <summary>The table OID and the sub-object number an index, constraint or default OID is made of.</summary>
    public static (long TableOid, int SubObject) Split(long oid) => (oid & RelationOidMax, (int)(oid >> SubObjectShift));
}
