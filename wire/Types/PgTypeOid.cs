namespace Log.Wire.Types;

/// <summary>The type OIDs of pg_type that the protocol layer has codecs for (PostgreSQL's pg_type.dat names).</summary>
public static class PgTypeOid
{
    /// <summary>"Unspecified" in Parse: the server infers the type.</summary>
    public const int Unspecified = 0;
    public const int Bool = 16;
    public const int Bytea = 17;
    public const int Char = 18;
    public const int Name = 19;
    public const int Int8 = 20;
    public const int Int2 = 21;
    public const int Int4 = 23;
    public const int Text = 25;
    public const int Oid = 26;
    public const int Tid = 27;
    public const int Xid = 28;
    public const int Cid = 29;
    public const int Json = 114;
    public const int Float4 = 700;
    public const int Float8 = 701;
    public const int Unknown = 705;
    public const int Bpchar = 1042;
    public const int Varchar = 1043;
    public const int Date = 1082;
    public const int Time = 1083;
    public const int TimeTz = 1266;
    public const int Timestamp = 1114;
    public const int Timestamptz = 1184;
    public const int Interval = 1186;
    public const int Numeric = 1700;
    public const int Void = 2278;
    public const int Uuid = 2950;
    public const int Jsonb = 3802;
    /// <summary>record: an anonymous row (ROW(...), a function's several OUT columns).</summary>
    public const int Record = 2249;

    public const int JsonArray = 199;
    public const int BoolArray = 1000;
    public const int ByteaArray = 1001;
    public const int CharArray = 1002;
    public const int NameArray = 1003;
    public const int Int2Array = 1005;
    public const int Int4Array = 1007;
    public const int TextArray = 1009;
    public const int BpcharArray = 1014;
    public const int VarcharArray = 1015;
    public const int Int8Array = 1016;
    public const int Float4Array = 1021;
    public const int Float8Array = 1022;
    public const int OidArray = 1028;
    public const int TimestampArray = 1115;
    public const int DateArray = 1182;
    public const int TimeArray = 1183;
    public const int TimeTzArray = 1270;
    public const int TimestamptzArray = 1185;
    public const int IntervalArray = 1187;
    public const int NumericArray = 1231;
    public const int UuidArray = 2951;
    public const int JsonbArray = 3807;
    /// <summary>aclitem and aclitem[]: named here for their array pairing; like PostgreSQL's, they have no binary form.</summary>
    public const int AclItem = 1033;
    public const int AclItemArray = 1034;
    /// <summary>int2vector and oidvector: the catalogs' one-dimensional, zero-based vectors (pg_index.indkey,
    /// pg_proc.proargtypes); their text form separates elements with spaces, their binary form is an array's.</summary>
    public const int Int2Vector = 22;
    public const int OidVector = 30;

    /// <summary>The object identifier types (an oid that reads and prints as an object's name) and their arrays. The
    /// protocol layer writes their text form only, the value's own (its ToString); the engine reads their input.</summary>
    public const int RegProc = 24;
    public const int RegProcedure = 2202;
    public const int RegOper = 2203;
    public const int RegOperator = 2204;
    public const int RegClass = 2205;
    public const int RegType = 2206;
    public const int RegNamespace = 4089;
    public const int RegRole = 4096;
    public const int RegProcArray = 1008;
    public const int RegProcedureArray = 2207;
    public const int RegOperArray = 2208;
    public const int RegOperatorArray = 2209;
    public const int RegClassArray = 2210;
    public const int RegTypeArray = 2211;
    public const int RegNamespaceArray = 4090;
    public const int RegRoleArray = 4097;
}
