using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>
/// pg_index.indclass and indcollation: per key column, the btree operator class it is ordered by (the type's default
/// one, the only kind Log builds) and its collation (the column's, for a collatable type). OIDs are PostgreSQL 15's,
/// recorded with SELECT oid, opcname, opcintype::regtype FROM pg_opclass WHERE opcmethod = 403 AND opcdefault.
/// </summary>
internal static partial class SystemRelations
{
    /// <summary>The default btree operator class of a type, or 0 where Log cannot tell (an expression key).</summary>
    private static long DefaultOperatorClass(SqlType type) => type.Kind switch
    {
        TypeKind.Bool => 10003,
        TypeKind.Bytea => 10006,
        TypeKind.Char => 10007,
        TypeKind.Name => 10028,
        TypeKind.Int8 => 3124,
        TypeKind.Int2 => 1979,
        TypeKind.Int4 => 1978,
        // varchar has no operator class of its own: text_ops serves it (binary coercible).
        TypeKind.Text or TypeKind.Varchar => 3126,
        TypeKind.Oid => 1981,
        TypeKind.OidVector => 10032,
        TypeKind.Float4 => 10012,
        TypeKind.Float8 => 3123,
        TypeKind.Bpchar => 10004,
        TypeKind.Date => 3122,
        TypeKind.Time => 10038,
        TypeKind.Timestamp => 3128,
        TypeKind.TimestampTz => 3127,
        TypeKind.Interval => 10022,
        TypeKind.Numeric => 3125,
        TypeKind.Record => 10034,
        TypeKind.Array => 10000,
        TypeKind.Uuid => 10065,
        TypeKind.Jsonb => 10088,
        _ => 0,
    };

    /// <summary>pg_opclass: the default btree operator classes of the types Log orders keys by (the ones
    /// <see cref="DefaultOperatorClass"/> names), with PostgreSQL 15's OIDs, families and types, in OID order.</summary>
    private static readonly (long Oid, string Name, long Family, long InputType, long KeyType)[] BtreeOperatorClasses =
    [
        (1978, "int4_ops", 1976, 23, 0),
        (1979, "int2_ops", 1976, 21, 0),
        (1981, "oid_ops", 1989, 26, 0),
        (3122, "date_ops", 434, 1082, 0),
        (3123, "float8_ops", 1970, 701, 0),
        (3124, "int8_ops", 1976, 20, 0),
        (3125, "numeric_ops", 1988, 1700, 0),
        (3126, "text_ops", 1994, 25, 0),
        (3127, "timestamptz_ops", 434, 1184, 0),
        (3128, "timestamp_ops", 434, 1114, 0),
        (10000, "array_ops", 397, 2277, 0),
        (10003, "bool_ops", 424, 16, 0),
        (10004, "bpchar_ops", 426, 1042, 0),
        (10006, "bytea_ops", 428, 17, 0),
        (10007, "char_ops", 429, 18, 0),
        (10012, "float4_ops", 1970, 700, 0),
        (10022, "interval_ops", 1982, 1186, 0),
        (10028, "name_ops", 1994, 19, 2275),
        (10032, "oidvector_ops", 1991, 30, 0),
        (10034, "record_ops", 2994, 2249, 0),
        (10038, "time_ops", 1996, 1083, 0),
        (10065, "uuid_ops", 2968, 2950, 0),
        (10088, "jsonb_ops", 4033, 3802, 0),
    ];

    private static IEnumerable<object?[]> OperatorClassRows(CatalogSnapshot catalog, SystemRelation relation) =>
        BtreeOperatorClasses.Select(opclass => relation.Row(("oid", opclass.Oid), ("opcmethod", ObjectIds.BtreeAccessMethod), ("opcname", opclass.Name),
            ("opcnamespace", ObjectIds.PgCatalogNamespace), ("opcowner", ObjectIds.SuperuserRole), ("opcfamily", opclass.Family),
            ("opcintype", opclass.InputType), ("opcdefault", true), ("opckeytype", opclass.KeyType)));

    /// <summary>The type of an index's expression key, bound over its table as CREATE INDEX bound it; null if it no
    /// longer binds.</summary>
    private static SqlType? ExpressionKeyType(TableDescriptor table, string expression)
    {
        try
        {
            return new Binder.SqlBinder(table, alias: null).Bind(Parser.SqlParser.ParseExpressionText(expression)).Type;
        }
        catch (Execution.SqlException)
        {
            return null;
        }
    }

    /// <summary>indclass and indcollation of an index over these key column types (null for an expression key).</summary>
    private static (PgArray OperatorClasses, PgArray Collations) IndexKeyClasses(IEnumerable<SqlType?> keyTypes)
    {
        SqlType?[] types = keyTypes.ToArray();
        PgArray classes = PgTypes.ZeroBasedVector([.. types.Select(type => (object?)(type is { } known ? DefaultOperatorClass(known) : 0L))]);
        PgArray collations = PgTypes.ZeroBasedVector([.. types.Select(type => (object?)(type is { } known ? BuiltinTypes.Find(known.Oid)?.Collation ?? 0L : 0L))]);
        return (classes, collations);
    }
}
