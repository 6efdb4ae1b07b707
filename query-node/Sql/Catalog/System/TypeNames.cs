using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>Type OIDs to types and names: format_type(oid, typmod), regtype input and the attributes' type columns.</summary>
internal static class TypeNames
{
    /// <summary>The OID of the unknown pseudo-type (TypeKind.Unknown reports text's OID in RowDescription).</summary>
    private const long UnknownOid = 705;

    private static readonly Dictionary<long, SqlType> TypesByOid = BuildTypesByOid();

    private static Dictionary<long, SqlType> BuildTypesByOid()
    {
        var types = new Dictionary<long, SqlType>();
        foreach (TypeKind kind in Enum.GetValues<TypeKind>())
        {
            if (kind is TypeKind.Unknown or TypeKind.Array) continue;
            var type = new SqlType(kind);
            types.TryAdd(type.Oid, type);
            int arrayOid = Log.Wire.Types.PgTypes.GetArrayTypeOid(type.Oid);
            if (arrayOid != 0) types.TryAdd(arrayOid, SqlType.ArrayOf(type));
        }
        return types;
    }

    public static SqlType? Find(long oid) => TypesByOid.TryGetValue(oid, out SqlType type) ? type : null;

    /// <summary>format_type: the SQL name with the modifier applied ("character varying(20)"), null for an OID no type has.</summary>
    public static string? Format(long oid, int modifier)
    {
        if (oid == UnknownOid) return "unknown";
        if (modifier >= 0 && WithPrecision(oid, modifier) is { } precise) return precise;
        if (Find(oid) is not { } type)
        {
            return FormatPostgreSqlOnly(oid) ?? SystemRelations.PseudoTypeName(oid);
        }
        var withModifier = new SqlType(type.Kind, modifier, type.Element);
        if (modifier >= 0 && type.Kind is TypeKind.Timestamp or TypeKind.TimestampTz or TypeKind.Time)
        {
            // A date/time typmod is the fractional-second precision, which format_type writes after the first word.
            string name = withModifier.DisplayName;
            int space = name.IndexOf(' ');
            return $"{name[..space]}({modifier}){name[space..]}";
        }
        return modifier >= 0 ? withModifier.DisplayNameWithModifier : withModifier.DisplayName;
    }

    /// <summary>format_type of the types whose modifier is a precision or length written inside the name: the date/time
    /// types (timestamp(3) with time zone) and the bit strings; null for another type.</summary>
    private static string? WithPrecision(long oid, int modifier) => oid switch
    {
        1114 => $"timestamp({modifier}) without time zone",
        1184 => $"timestamp({modifier}) with time zone",
        1083 => $"time({modifier}) without time zone",
        1266 => $"time({modifier}) with time zone",
        1560 => $"bit({modifier})",
        1562 => $"bit varying({modifier})",
        _ => null,
    };

    /// <summary>The SQL names format_type gives the PostgreSQL types Log lacks whose name is not their typname.</summary>
    private static readonly Dictionary<string, string> SqlNames = new(StringComparer.Ordinal)
    {
        ["timetz"] = "time with time zone",
        ["bit"] = "\"bit\"",
        ["varbit"] = "bit varying",
        ["any"] = "\"any\"",
    };

    /// <summary>format_type of a type only pg_type knows (int4range, inet[]): an array (an element, not stored plain as
    /// int2vector is) is its element's name and [], as PostgreSQL's format_type writes it.</summary>
    private static string? FormatPostgreSqlOnly(long oid)
    {
        if (BuiltinTypes.Find(oid) is not { } builtin) return null;
        if (builtin.Element != 0 && builtin.Storage != 'p') return Format(builtin.Element, -1) + "[]";
        return SqlNames.GetValueOrDefault(builtin.Name) ?? builtin.Name;
    }

    /// <summary>A type's OID by its SQL name or pg_type.typname ("integer", "int4", "character varying", "text[]").</summary>
    public static long? FindOid(string name)
    {
        string lowered = name.ToLowerInvariant();
        if (lowered.EndsWith("[]", StringComparison.Ordinal))
        {
            if (FindOid(lowered[..^2]) is not long element) return null;
            int array = Log.Wire.Types.PgTypes.GetArrayTypeOid((int)element);
            return array != 0 ? array : BuiltinTypes.Find(element) is { Array: not 0 } elementType ? elementType.Array : null;
        }
        if (BuiltinTypes.FindByName(lowered) is { } builtin) return builtin.Oid;
        if (lowered == "\"char\"") return new SqlType(TypeKind.Char).Oid;
        foreach ((long oid, SqlType type) in TypesByOid)
        {
            if (!type.IsArray && type.DisplayName == lowered) return oid;
        }
        return lowered switch
        {
            "int" => SqlType.Int4.Oid,
            "float" => SqlType.Float8.Oid,
            "decimal" => SqlType.Numeric.Oid,
            "char" or "character" => SqlType.Bpchar.Oid,
            "timestamptz" or "timestamp with time zone" => SqlType.TimestampTz.Oid,
            _ => null,
        };
    }
}
