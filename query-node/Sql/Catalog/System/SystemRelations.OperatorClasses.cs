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
