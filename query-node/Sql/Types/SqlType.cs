namespace Log.QueryNode.Sql.Types;

/// <summary>The built-in types the engine knows. Unknown is PostgreSQL's type of an untyped string literal or NULL,
/// which takes its real type from context (coercion) and falls back to text.</summary>
public enum TypeKind : byte
{
    Unknown,
    Bool,
    Int2,
    Int4,
    Int8,
    Float8,
    Numeric,
    Text,
    Varchar,
    Bpchar,
    Date,
    Timestamp,
    TimestampTz,
    /// <summary>The result type of functions that return nothing (pg_sleep); its only value is the empty string.</summary>
    Void,
    /// <summary>real: a 4-byte IEEE float (CLR float).</summary>
    Float4,
    /// <summary>bytea (CLR byte[]).</summary>
    Bytea,
    /// <summary>uuid (CLR Guid).</summary>
    Uuid,
    /// <summary>time without time zone (CLR TimeOnly).</summary>
    Time,
    /// <summary>interval (CLR PgInterval: months, days, microseconds).</summary>
    Interval,
    /// <summary>json: the text as written, validated.</summary>
    Json,
    /// <summary>jsonb: a parsed, normalised document.</summary>
    Jsonb,
    /// <summary>An array of <see cref="SqlType.Element"/> (all dimensionalities are one type, as in PostgreSQL).</summary>
    Array,
    /// <summary>oid: an object identifier (CLR long holding the unsigned 32-bit value).</summary>
    Oid,
    /// <summary>name: a catalog identifier (CLR string), category S like text.</summary>
    Name,
    /// <summary>"char": the catalogs' single-byte code (pg_class.relkind; CLR string of zero or one character).</summary>
    Char,
    /// <summary>regclass: a relation's oid that reads and prints as the relation's name (CLR <see cref="RegClass"/>).</summary>
    RegClass,
    /// <summary>regtype: a type's oid that reads and prints as the type's name (CLR <see cref="RegType"/>).</summary>
    RegType,
    /// <summary>regproc: a function's oid that reads and prints as the function's name (CLR <see cref="RegProc"/>).</summary>
    RegProc,
    /// <summary>regnamespace: a schema's oid that reads and prints as the schema's name (CLR <see cref="RegNamespace"/>).</summary>
    RegNamespace,
    /// <summary>aclitem: one access privilege entry, "grantee=privileges/grantor" (CLR string).</summary>
    AclItem,
    /// <summary>regrole: a role's oid that reads and prints as the role's name (CLR <see cref="RegRole"/>).</summary>
    RegRole,
    /// <summary>regprocedure: a function's oid that reads and prints as its signature (CLR <see cref="RegProcedure"/>).</summary>
    RegProcedure,
    /// <summary>record: an anonymous row, ROW(...) or a function's several OUT columns (CLR <see cref="Log.Wire.Types.PgRecord"/>,
    /// which carries its fields' types).</summary>
    Record,
    /// <summary>int2vector: the catalogs' zero-based vector of int2 (pg_index.indkey), an array to every array operation
    /// (CLR <see cref="Log.Wire.Types.PgArray"/> with lower bound 0), written "1 2".</summary>
    Int2Vector,
    /// <summary>oidvector: the catalogs' zero-based vector of oid (pg_proc.proargtypes), like <see cref="Int2Vector"/>.</summary>
    OidVector,
    /// <summary>xid: a 32-bit transaction id (CLR long), as the catalogs' relfrozenxid and datfrozenxid are typed.</summary>
    Xid,
    /// <summary>cid: a 32-bit command id (CLR long), the type of the system columns cmin and cmax.</summary>
    Cid,
    /// <summary>tid: a row's (block, offset) (CLR long, see <see cref="Log.Wire.Types.PgTypes.Tid"/>), the type of the
    /// system column ctid.</summary>
    Tid,
    /// <summary>pg_node_tree: an expression stored in a catalog (CLR string holding its text).</summary>
    PgNodeTree,
    /// <summary>anyarray: the pseudo-type of pg_attribute.attmissingval; no value of it is ever made.</summary>
    AnyArray,
    /// <summary>time with time zone (CLR <see cref="Log.Wire.Types.PgTimeTz"/>: a time of day and the offset it was written with).</summary>
    TimeTz,
}

/// <summary>A type with its modifier (PostgreSQL's typmod: -1 for none, n+4 for varchar(n)/char(n),
/// ((p&lt;&lt;16)|s)+4 for numeric(p,s)). An array type has Kind Array, its element's kind in
/// <paramref name="Element"/> and the element's modifier as its own (as PostgreSQL keeps varchar(10)[]'s typmod).
/// What a type does with values (input, output, ordering, storage, casts) is its <see cref="TypeHandler"/> in the
/// <see cref="TypeRegistry"/>.</summary>
public readonly record struct SqlType(TypeKind Kind, int Modifier = -1, TypeKind Element = TypeKind.Unknown)
{
    public static readonly SqlType Unknown = new(TypeKind.Unknown);
    public static readonly SqlType Bool = new(TypeKind.Bool);
    public static readonly SqlType Int2 = new(TypeKind.Int2);
    public static readonly SqlType Int4 = new(TypeKind.Int4);
    public static readonly SqlType Int8 = new(TypeKind.Int8);
    public static readonly SqlType Float8 = new(TypeKind.Float8);
    public static readonly SqlType Numeric = new(TypeKind.Numeric);
    public static readonly SqlType Text = new(TypeKind.Text);
    public static readonly SqlType Varchar = new(TypeKind.Varchar);
    public static readonly SqlType Bpchar = new(TypeKind.Bpchar);
    public static readonly SqlType Date = new(TypeKind.Date);
    public static readonly SqlType Timestamp = new(TypeKind.Timestamp);
    public static readonly SqlType TimestampTz = new(TypeKind.TimestampTz);
    public static readonly SqlType Void = new(TypeKind.Void);
    public static readonly SqlType Float4 = new(TypeKind.Float4);
    public static readonly SqlType Bytea = new(TypeKind.Bytea);
    public static readonly SqlType Uuid = new(TypeKind.Uuid);
    public static readonly SqlType Time = new(TypeKind.Time);
    public static readonly SqlType TimeTz = new(TypeKind.TimeTz);
    public static readonly SqlType Interval = new(TypeKind.Interval);
    public static readonly SqlType Json = new(TypeKind.Json);
    public static readonly SqlType Jsonb = new(TypeKind.Jsonb);
    public static readonly SqlType Record = new(TypeKind.Record);

    /// <summary>The array type whose elements are <paramref name="element"/> (an array of an array is the same array type).</summary>
    public static SqlType ArrayOf(SqlType element) => element.Kind == TypeKind.Array ? element : new(TypeKind.Array, element.Modifier, element.Kind);

    /// <summary>An array type, or int2vector/oidvector, which subscripts, unnest, ANY and the array functions read as
    /// the one-dimensional arrays they are (PostgreSQL coerces them to int2[]/oid[] for free).</summary>
    public bool IsArray => Kind is TypeKind.Array or TypeKind.Int2Vector or TypeKind.OidVector;

    public bool IsVector => Kind is TypeKind.Int2Vector or TypeKind.OidVector;

    /// <summary>The element type of an array type (with the array's modifier) or of a vector; Unknown for any other type.</summary>
    public SqlType ElementType => Kind switch
    {
        TypeKind.Array => new SqlType(Element, Modifier),
        TypeKind.Int2Vector => Int2,
        TypeKind.OidVector => new SqlType(TypeKind.Oid),
        _ => Unknown,
    };

    public bool IsDateTime => Kind is TypeKind.Date or TypeKind.Timestamp or TypeKind.TimestampTz;

    /// <summary>Promotion order among date/time types: date &lt; timestamp &lt; timestamptz.</summary>
    public int DateTimeRank => Kind switch
    {
        TypeKind.Date => 1,
        TypeKind.Timestamp => 2,
        TypeKind.TimestampTz => 3,
        _ => 0,
    };

    public const int VariableLengthModifierOffset = 4;

    public bool IsInteger => Kind is TypeKind.Int2 or TypeKind.Int4 or TypeKind.Int8;
    public bool IsNumber => Kind is TypeKind.Int2 or TypeKind.Int4 or TypeKind.Int8 or TypeKind.Float4 or TypeKind.Float8 or TypeKind.Numeric;
    public bool IsString => Kind is TypeKind.Text or TypeKind.Varchar or TypeKind.Bpchar or TypeKind.Name;

    /// <summary>The type without its modifier: the type of an expression result (PostgreSQL drops typmods through operators).</summary>
    public SqlType WithoutModifier => new(Kind, -1, Element);

    /// <summary>Maximum length in characters for varchar(n)/char(n), or -1.</summary>
    public int MaxLength => (Kind is TypeKind.Varchar or TypeKind.Bpchar) && Modifier >= VariableLengthModifierOffset
        ? Modifier - VariableLengthModifierOffset
        : -1;

    public int NumericPrecision => Kind == TypeKind.Numeric && Modifier >= VariableLengthModifierOffset
        ? ((Modifier - VariableLengthModifierOffset) >> 16) & 0xFFFF
        : -1;

    /// <summary>numeric's scale: the typmod's low 11 bits, sign-extended (PostgreSQL 15 allows -1000 to 1000).</summary>
    public int NumericScale => Kind == TypeKind.Numeric && Modifier >= VariableLengthModifierOffset
        ? (((Modifier - VariableLengthModifierOffset) & NumericScaleMask) ^ NumericScaleSignBit) - NumericScaleSignBit
        : -1;

    private const int NumericScaleMask = 0x7FF;
    private const int NumericScaleSignBit = 0x400;

    /// <summary>numeric(p,s) with PostgreSQL's typmod layout: ((p &lt;&lt; 16) | (s &amp; 0x7ff)) + VARHDRSZ.</summary>
    public static SqlType NumericWithModifier(int precision, int scale) =>
        new(TypeKind.Numeric, ((precision << 16) | (scale & NumericScaleMask)) + VariableLengthModifierOffset);

    public int Oid => Kind switch
    {
        TypeKind.Bool => 16,
        TypeKind.Int8 => 20,
        TypeKind.Int2 => 21,
        TypeKind.Int4 => 23,
        TypeKind.Text => 25,
        TypeKind.Float8 => 701,
        TypeKind.Bpchar => 1042,
        TypeKind.Varchar => 1043,
        TypeKind.Numeric => 1700,
        TypeKind.Date => 1082,
        TypeKind.Timestamp => 1114,
        TypeKind.TimestampTz => 1184,
        TypeKind.Void => 2278,
        TypeKind.Float4 => 700,
        TypeKind.Bytea => 17,
        TypeKind.Uuid => 2950,
        TypeKind.Time => 1083,
        TypeKind.TimeTz => 1266,
        TypeKind.Interval => 1186,
        TypeKind.Json => 114,
        TypeKind.Jsonb => 3802,
        TypeKind.Array => Log.Wire.Types.PgTypes.GetArrayTypeOid(ElementType.Oid),
        TypeKind.Oid => 26,
        TypeKind.Name => 19,
        TypeKind.Char => 18,
        TypeKind.RegClass => 2205,
        TypeKind.RegType => 2206,
        TypeKind.RegProc => 24,
        TypeKind.RegNamespace => 4089,
        TypeKind.AclItem => 1033,
        TypeKind.RegRole => 4096,
        TypeKind.RegProcedure => 2202,
        TypeKind.Record => 2249,
        TypeKind.Int2Vector => 22,
        TypeKind.OidVector => 30,
        TypeKind.Xid => 28,
        TypeKind.Cid => 29,
        TypeKind.Tid => 27,
        TypeKind.PgNodeTree => 194,
        TypeKind.AnyArray => 2277,
        _ => 25, // an unresolved literal is reported as text, as PostgreSQL 10+ does
    };

    public short Size => Kind switch
    {
        TypeKind.Bool => 1,
        TypeKind.Int2 => 2,
        TypeKind.Int4 => 4,
        TypeKind.Int8 => 8,
        TypeKind.Float8 => 8,
        TypeKind.Date => 4,
        TypeKind.Timestamp or TypeKind.TimestampTz => 8,
        TypeKind.Void => 4,
        TypeKind.Float4 => 4,
        TypeKind.Time => 8,
        TypeKind.TimeTz => 12,
        TypeKind.Uuid or TypeKind.Interval => 16,
        TypeKind.Oid or TypeKind.RegClass or TypeKind.RegType or TypeKind.RegProc or TypeKind.RegNamespace or TypeKind.RegRole or TypeKind.RegProcedure => 4,
        TypeKind.Name => 64,
        TypeKind.Char => 1,
        TypeKind.AclItem => 12,
        TypeKind.Xid => 4,
        TypeKind.Cid => 4,
        TypeKind.Tid => 6,
        _ => -1,
    };

    /// <summary>PostgreSQL's internal name (pg_type.typname), used as the output column name of a bare cast.</summary>
    public string InternalName => Kind switch
    {
        TypeKind.Bool => "bool",
        TypeKind.Int2 => "int2",
        TypeKind.Int4 => "int4",
        TypeKind.Int8 => "int8",
        TypeKind.Float8 => "float8",
        TypeKind.Numeric => "numeric",
        TypeKind.Text => "text",
        TypeKind.Varchar => "varchar",
        TypeKind.Bpchar => "bpchar",
        TypeKind.Date => "date",
        TypeKind.Timestamp => "timestamp",
        TypeKind.TimestampTz => "timestamptz",
        TypeKind.Void => "void",
        TypeKind.Float4 => "float4",
        TypeKind.Bytea => "bytea",
        TypeKind.Uuid => "uuid",
        TypeKind.Time => "time",
        TypeKind.TimeTz => "timetz",
        TypeKind.Interval => "interval",
        TypeKind.Json => "json",
        TypeKind.Jsonb => "jsonb",
        TypeKind.Array => "_" + ElementType.InternalName,
        TypeKind.Oid => "oid",
        TypeKind.Name => "name",
        TypeKind.Char => "char",
        TypeKind.RegClass => "regclass",
        TypeKind.RegType => "regtype",
        TypeKind.RegProc => "regproc",
        TypeKind.RegNamespace => "regnamespace",
        TypeKind.AclItem => "aclitem",
        TypeKind.RegRole => "regrole",
        TypeKind.RegProcedure => "regprocedure",
        TypeKind.Record => "record",
        TypeKind.Int2Vector => "int2vector",
        TypeKind.OidVector => "oidvector",
        TypeKind.Xid => "xid",
        TypeKind.Cid => "cid",
        TypeKind.Tid => "tid",
        TypeKind.PgNodeTree => "pg_node_tree",
        TypeKind.AnyArray => "anyarray",
        _ => "unknown",
    };

    /// <summary>format_type() without the modifier, as used in error messages ("integer", "double precision").</summary>
    public string DisplayName => Kind switch
    {
        TypeKind.Bool => "boolean",
        TypeKind.Int2 => "smallint",
        TypeKind.Int4 => "integer",
        TypeKind.Int8 => "bigint",
        TypeKind.Float8 => "double precision",
        TypeKind.Varchar => "character varying",
        TypeKind.Bpchar => "character",
        TypeKind.Timestamp => "timestamp without time zone",
        TypeKind.TimestampTz => "timestamp with time zone",
        TypeKind.Float4 => "real",
        TypeKind.Time => "time without time zone",
        TypeKind.TimeTz => "time with time zone",
        TypeKind.Array => ElementType.DisplayName + "[]",
        TypeKind.Char => "\"char\"",
        // The rest are named as in pg_type.
        _ => InternalName,
    };

    /// <summary>format_type() with the modifier ("character varying(10)", "numeric(10,2)").</summary>
    public string DisplayNameWithModifier => Kind switch
    {
        TypeKind.Varchar or TypeKind.Bpchar when MaxLength >= 0 => $"{DisplayName}({MaxLength})",
        TypeKind.Numeric when NumericPrecision >= 0 => $"numeric({NumericPrecision},{NumericScale})",
        TypeKind.Array => ElementType.DisplayNameWithModifier + "[]",
        _ => DisplayName,
    };

    public override string ToString() => DisplayNameWithModifier;

    /// <summary>pg_type.typcategory, which overload resolution compares: A array, B boolean, D date/time, N numeric,
    /// P pseudo-type, S string, T timespan, U user-defined (uuid, json, jsonb, bytea), X unknown.</summary>
    public char Category => Kind switch
    {
        TypeKind.Bool => 'B',
        TypeKind.Int2 or TypeKind.Int4 or TypeKind.Int8 or TypeKind.Float4 or TypeKind.Float8 or TypeKind.Numeric => 'N',
        TypeKind.Text or TypeKind.Varchar or TypeKind.Bpchar or TypeKind.Name => 'S',
        TypeKind.Oid or TypeKind.RegClass or TypeKind.RegType or TypeKind.RegProc or TypeKind.RegNamespace or TypeKind.RegRole or TypeKind.RegProcedure => 'N',
        TypeKind.Char => 'Z',
        TypeKind.Date or TypeKind.Timestamp or TypeKind.TimestampTz or TypeKind.Time or TypeKind.TimeTz => 'D',
        TypeKind.Interval => 'T',
        TypeKind.Bytea or TypeKind.Uuid or TypeKind.Json or TypeKind.Jsonb or TypeKind.AclItem or TypeKind.Xid or TypeKind.Cid or TypeKind.Tid => 'U',
        TypeKind.PgNodeTree => 'Z',
        TypeKind.Array or TypeKind.Int2Vector or TypeKind.OidVector => 'A',
        TypeKind.Void or TypeKind.Record or TypeKind.AnyArray => 'P',
        _ => 'X',
    };

    /// <summary>pg_type.typispreferred: the type an ambiguous call leans to within its category.</summary>
    public bool IsPreferred => Kind is TypeKind.Bool or TypeKind.Float8 or TypeKind.Text or TypeKind.TimestampTz or TypeKind.Interval;

    /// <summary>Rank in PostgreSQL's numeric promotion order: int2 &lt; int4 &lt; int8 &lt; numeric &lt; float4 &lt; float8.</summary>
    public int NumericRank => Kind switch
    {
        TypeKind.Int2 => 1,
        TypeKind.Int4 => 2,
        TypeKind.Int8 => 3,
        TypeKind.Numeric => 4,
        TypeKind.Float4 => 5,
        TypeKind.Float8 => 6,
        _ => 0,
    };
}
