namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>
/// pg_type's rows for the types Log has (every TypeKind and its array type), with PostgreSQL 15's values: the same
/// OIDs, lengths, categories, I/O function names and alignment, so that drivers that load types (Npgsql, pgjdbc,
/// asyncpg) see what they see on PostgreSQL. The columns every row shares (namespace pg_catalog, owner, ...) are filled
/// in by the pg_type relation. The rest of PostgreSQL 15's types are in BuiltinTypes.PostgreSql.cs.
/// </summary>
internal static partial class BuiltinTypes
{
    private static readonly BuiltinType[] LogTypes =
    [
        new(16, "bool", 1, true, 'b', 'B', true, ',', 0, 1000, "boolin", "boolout", "boolrecv", "boolsend", "-", "-", 'c', 'p', 0, "-", "-"),
        new(17, "bytea", -1, false, 'b', 'U', false, ',', 0, 1001, "byteain", "byteaout", "bytearecv", "byteasend", "-", "-", 'i', 'x', 0, "-", "-"),
        new(18, "char", 1, true, 'b', 'Z', false, ',', 0, 1002, "charin", "charout", "charrecv", "charsend", "-", "-", 'c', 'p', 0, "-", "-"),
        new(19, "name", 64, false, 'b', 'S', false, ',', 18, 1003, "namein", "nameout", "namerecv", "namesend", "-", "-", 'c', 'p', 950, "raw_array_subscript_handler", "-"),
        new(20, "int8", 8, true, 'b', 'N', false, ',', 0, 1016, "int8in", "int8out", "int8recv", "int8send", "-", "-", 'd', 'p', 0, "-", "-"),
        new(21, "int2", 2, true, 'b', 'N', false, ',', 0, 1005, "int2in", "int2out", "int2recv", "int2send", "-", "-", 's', 'p', 0, "-", "-"),
        new(22, "int2vector", -1, false, 'b', 'A', false, ',', 21, 1006, "int2vectorin", "int2vectorout", "int2vectorrecv", "int2vectorsend", "-", "-", 'i', 'p', 0, "array_subscript_handler", "-"),
        new(23, "int4", 4, true, 'b', 'N', false, ',', 0, 1007, "int4in", "int4out", "int4recv", "int4send", "-", "-", 'i', 'p', 0, "-", "-"),
        new(24, "regproc", 4, true, 'b', 'N', false, ',', 0, 1008, "regprocin", "regprocout", "regprocrecv", "regprocsend", "-", "-", 'i', 'p', 0, "-", "-"),
        new(25, "text", -1, false, 'b', 'S', true, ',', 0, 1009, "textin", "textout", "textrecv", "textsend", "-", "-", 'i', 'x', 100, "-", "-"),
        new(26, "oid", 4, true, 'b', 'N', true, ',', 0, 1028, "oidin", "oidout", "oidrecv", "oidsend", "-", "-", 'i', 'p', 0, "-", "-"),
        new(30, "oidvector", -1, false, 'b', 'A', false, ',', 26, 1013, "oidvectorin", "oidvectorout", "oidvectorrecv", "oidvectorsend", "-", "-", 'i', 'p', 0, "array_subscript_handler", "-"),
        new(114, "json", -1, false, 'b', 'U', false, ',', 0, 199, "json_in", "json_out", "json_recv", "json_send", "-", "-", 'i', 'x', 0, "-", "-"),
        new(199, "_json", -1, false, 'b', 'A', false, ',', 114, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'i', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(700, "float4", 4, true, 'b', 'N', false, ',', 0, 1021, "float4in", "float4out", "float4recv", "float4send", "-", "-", 'i', 'p', 0, "-", "-"),
        new(701, "float8", 8, true, 'b', 'N', true, ',', 0, 1022, "float8in", "float8out", "float8recv", "float8send", "-", "-", 'd', 'p', 0, "-", "-"),
        new(705, "unknown", -2, false, 'p', 'X', false, ',', 0, 0, "unknownin", "unknownout", "unknownrecv", "unknownsend", "-", "-", 'c', 'p', 0, "-", "-"),
        new(1000, "_bool", -1, false, 'b', 'A', false, ',', 16, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'i', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(1001, "_bytea", -1, false, 'b', 'A', false, ',', 17, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'i', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(1002, "_char", -1, false, 'b', 'A', false, ',', 18, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'i', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(1003, "_name", -1, false, 'b', 'A', false, ',', 19, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'i', 'x', 950, "array_subscript_handler", "array_typanalyze"),
        new(1005, "_int2", -1, false, 'b', 'A', false, ',', 21, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'i', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(1007, "_int4", -1, false, 'b', 'A', false, ',', 23, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'i', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(1008, "_regproc", -1, false, 'b', 'A', false, ',', 24, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'i', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(1009, "_text", -1, false, 'b', 'A', false, ',', 25, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'i', 'x', 100, "array_subscript_handler", "array_typanalyze"),
        new(1014, "_bpchar", -1, false, 'b', 'A', false, ',', 1042, 0, "array_in", "array_out", "array_recv", "array_send", "bpchartypmodin", "bpchartypmodout", 'i', 'x', 100, "array_subscript_handler", "array_typanalyze"),
        new(1015, "_varchar", -1, false, 'b', 'A', false, ',', 1043, 0, "array_in", "array_out", "array_recv", "array_send", "varchartypmodin", "varchartypmodout", 'i', 'x', 100, "array_subscript_handler", "array_typanalyze"),
        new(1016, "_int8", -1, false, 'b', 'A', false, ',', 20, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'd', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(1021, "_float4", -1, false, 'b', 'A', false, ',', 700, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'i', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(1022, "_float8", -1, false, 'b', 'A', false, ',', 701, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'd', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(1028, "_oid", -1, false, 'b', 'A', false, ',', 26, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'i', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(1033, "aclitem", 12, false, 'b', 'U', false, ',', 0, 1034, "aclitemin", "aclitemout", "-", "-", "-", "-", 'i', 'p', 0, "-", "-"),
        new(1034, "_aclitem", -1, false, 'b', 'A', false, ',', 1033, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'i', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(1042, "bpchar", -1, false, 'b', 'S', false, ',', 0, 1014, "bpcharin", "bpcharout", "bpcharrecv", "bpcharsend", "bpchartypmodin", "bpchartypmodout", 'i', 'x', 100, "-", "-"),
        new(1043, "varchar", -1, false, 'b', 'S', false, ',', 0, 1015, "varcharin", "varcharout", "varcharrecv", "varcharsend", "varchartypmodin", "varchartypmodout", 'i', 'x', 100, "-", "-"),
        new(1082, "date", 4, true, 'b', 'D', false, ',', 0, 1182, "date_in", "date_out", "date_recv", "date_send", "-", "-", 'i', 'p', 0, "-", "-"),
        new(1083, "time", 8, true, 'b', 'D', false, ',', 0, 1183, "time_in", "time_out", "time_recv", "time_send", "timetypmodin", "timetypmodout", 'd', 'p', 0, "-", "-"),
        new(1114, "timestamp", 8, true, 'b', 'D', false, ',', 0, 1115, "timestamp_in", "timestamp_out", "timestamp_recv", "timestamp_send", "timestamptypmodin", "timestamptypmodout", 'd', 'p', 0, "-", "-"),
        new(1115, "_timestamp", -1, false, 'b', 'A', false, ',', 1114, 0, "array_in", "array_out", "array_recv", "array_send", "timestamptypmodin", "timestamptypmodout", 'd', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(1182, "_date", -1, false, 'b', 'A', false, ',', 1082, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'i', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(1183, "_time", -1, false, 'b', 'A', false, ',', 1083, 0, "array_in", "array_out", "array_recv", "array_send", "timetypmodin", "timetypmodout", 'd', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(1184, "timestamptz", 8, true, 'b', 'D', true, ',', 0, 1185, "timestamptz_in", "timestamptz_out", "timestamptz_recv", "timestamptz_send", "timestamptztypmodin", "timestamptztypmodout", 'd', 'p', 0, "-", "-"),
        new(1185, "_timestamptz", -1, false, 'b', 'A', false, ',', 1184, 0, "array_in", "array_out", "array_recv", "array_send", "timestamptztypmodin", "timestamptztypmodout", 'd', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(1186, "interval", 16, false, 'b', 'T', true, ',', 0, 1187, "interval_in", "interval_out", "interval_recv", "interval_send", "intervaltypmodin", "intervaltypmodout", 'd', 'p', 0, "-", "-"),
        new(1187, "_interval", -1, false, 'b', 'A', false, ',', 1186, 0, "array_in", "array_out", "array_recv", "array_send", "intervaltypmodin", "intervaltypmodout", 'd', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(1231, "_numeric", -1, false, 'b', 'A', false, ',', 1700, 0, "array_in", "array_out", "array_recv", "array_send", "numerictypmodin", "numerictypmodout", 'i', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(1700, "numeric", -1, false, 'b', 'N', false, ',', 0, 1231, "numeric_in", "numeric_out", "numeric_recv", "numeric_send", "numerictypmodin", "numerictypmodout", 'i', 'm', 0, "-", "-"),
        new(2205, "regclass", 4, true, 'b', 'N', false, ',', 0, 2210, "regclassin", "regclassout", "regclassrecv", "regclasssend", "-", "-", 'i', 'p', 0, "-", "-"),
        new(2206, "regtype", 4, true, 'b', 'N', false, ',', 0, 2211, "regtypein", "regtypeout", "regtyperecv", "regtypesend", "-", "-", 'i', 'p', 0, "-", "-"),
        new(2210, "_regclass", -1, false, 'b', 'A', false, ',', 2205, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'i', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(2211, "_regtype", -1, false, 'b', 'A', false, ',', 2206, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'i', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(2249, "record", -1, false, 'p', 'P', false, ',', 0, 2287, "record_in", "record_out", "record_recv", "record_send", "-", "-", 'd', 'x', 0, "-", "-"),
        new(2278, "void", 4, true, 'p', 'P', false, ',', 0, 0, "void_in", "void_out", "void_recv", "void_send", "-", "-", 'i', 'p', 0, "-", "-"),
        new(2950, "uuid", 16, false, 'b', 'U', false, ',', 0, 2951, "uuid_in", "uuid_out", "uuid_recv", "uuid_send", "-", "-", 'c', 'p', 0, "-", "-"),
        new(2951, "_uuid", -1, false, 'b', 'A', false, ',', 2950, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'i', 'x', 0, "array_subscript_handler", "array_typanalyze"),
        new(3802, "jsonb", -1, false, 'b', 'U', false, ',', 0, 3807, "jsonb_in", "jsonb_out", "jsonb_recv", "jsonb_send", "-", "-", 'i', 'x', 0, "jsonb_subscript_handler", "-"),
        new(3807, "_jsonb", -1, false, 'b', 'A', false, ',', 3802, 0, "array_in", "array_out", "array_recv", "array_send", "-", "-", 'i', 'x', 0, "array_subscript_handler", "array_typanalyze"),
    ];

    /// <summary>Every pg_type row: Log's types, then PostgreSQL's others (a type in both is Log's row).</summary>
    public static readonly IReadOnlyList<BuiltinType> All = LogTypes.Concat(PostgreSqlTypes).DistinctBy(type => type.Oid).ToArray();

    private static readonly Dictionary<long, BuiltinType> ByOid = All.ToDictionary(type => type.Oid);

    private static readonly Dictionary<string, BuiltinType> ByName = All.ToDictionary(type => type.Name, StringComparer.Ordinal);

    public static BuiltinType? Find(long oid) => ByOid.GetValueOrDefault(oid);

    public static BuiltinType? FindByName(string name) => ByName.GetValueOrDefault(name);
}

/// <summary>One pg_type row's own values (PostgreSQL's column names, without the "typ" prefix).</summary>
internal sealed record BuiltinType(long Oid, string Name, short Length, bool ByValue, char Type, char Category, bool IsPreferred, char Delimiter,
    long Element, long Array, string Input, string Output, string Receive, string Send, string ModifierInput, string ModifierOutput,
    char Align, char Storage, long Collation, string Subscript, string Analyze,
    long Namespace = ObjectIds.PgCatalogNamespace, long BaseType = 0, int TypeModifier = -1, bool NotNull = false, string? Default = null);
