using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>Resolves a written type name to a type with its modifier, with PostgreSQL's checks on the modifiers.</summary>
internal static class TypeResolver
{
    /// <summary>numeric(p,s): NUMERIC_MAX_PRECISION, the largest p (and |s|).</summary>
    public const int NumericPrecisionMax = Log.Wire.Types.PgNumeric.PrecisionMax;

    /// <summary>varchar(n) and char(n) limit, as PostgreSQL's MaxAttrSize in characters.</summary>
    public const int StringLengthMax = 10_485_760;

    /// <summary>The names <see cref="Resolve"/> reads itself, besides the registry's and pg_type's.</summary>
    private static readonly HashSet<string> OwnNames = ["int", "integer", "int4", "bigint", "int8", "smallint", "int2", "text", "boolean", "bool",
        "float8", "float", "numeric", "decimal", "dec", "varchar", "bpchar", "date", "timestamp", "timestamptz"];

    /// <summary>Whether a written name (without modifiers or []) is a built-in type's, supported or not: anything else
    /// may be a table's row type.</summary>
    public static bool IsBuiltinName(string name)
    {
        if (name.StartsWith("pg_catalog.", StringComparison.Ordinal)) return true;
        return OwnNames.Contains(name) || TypeRegistry.ForName(name) is not null || Catalog.System.BuiltinTypes.FindByName(name) is not null
            || ResolveInformationSchemaDomain(name) is not null;
    }

    /// <summary>The type and PostgreSQL's internal name for it (the output column name of a bare cast).</summary>
    public static (SqlType Type, string InternalName) Resolve(TypeName typeName)
    {
        string name = typeName.Name;
        if (name.StartsWith("pg_catalog.", StringComparison.Ordinal)) name = name["pg_catalog.".Length..];
        if (ResolveInformationSchemaDomain(name) is { } domain) return domain;
        IReadOnlyList<int> modifiers = typeName.Modifiers;
        if (name.EndsWith("[]", StringComparison.Ordinal)) return ResolveArray(typeName with { Name = typeName.Name[..^2] }, typeName);
        if (name.StartsWith('_') && IsInternalName(name[1..])) return ResolveArray(typeName with { Name = name[1..] }, typeName);
        switch (name)
        {
            case "int" or "integer" or "int4":
                NoModifiers(typeName);
                return (SqlType.Int4, "int4");
            case "bigint" or "int8":
                NoModifiers(typeName);
                return (SqlType.Int8, "int8");
            case "smallint" or "int2":
                NoModifiers(typeName);
                return (SqlType.Int2, "int2");
            case "text":
                NoModifiers(typeName);
                return (SqlType.Text, "text");
            case "boolean" or "bool":
                NoModifiers(typeName);
                return (SqlType.Bool, "bool");
            case "float8":
                NoModifiers(typeName);
                return (SqlType.Float8, "float8");
            case "float":
                if (modifiers.Count > 1) throw Syntax(typeName);
                if (modifiers.Count == 1 && modifiers[0] < 1)
                {
                    throw new SqlException(SqlState.InvalidParameterValue, "precision for type float must be at least 1 bit", typeName.Location + 1);
                }
                if (modifiers.Count == 1 && modifiers[0] > 53)
                {
                    throw new SqlException(SqlState.InvalidParameterValue, "precision for type float must be less than 54 bits", typeName.Location + 1);
                }
                return modifiers.Count == 1 && modifiers[0] <= 24 ? (SqlType.Float4, "float4") : (SqlType.Float8, "float8");
            case "numeric" or "decimal" or "dec":
                if (modifiers.Count == 0) return (SqlType.Numeric, "numeric");
                if (modifiers.Count > 2) throw Syntax(typeName);
                int precision = modifiers[0];
                int scale = modifiers.Count == 2 ? modifiers[1] : 0;
                if (precision < 1 || precision > NumericPrecisionMax)
                {
                    throw new SqlException(SqlState.InvalidParameterValue, $"NUMERIC precision {precision} must be between 1 and {NumericPrecisionMax}", typeName.Location + 1);
                }
                if (scale < -NumericPrecisionMax || scale > NumericPrecisionMax)
                {
                    throw new SqlException(SqlState.InvalidParameterValue, $"NUMERIC scale {scale} must be between -{NumericPrecisionMax} and {NumericPrecisionMax}", typeName.Location + 1);
                }
                return (SqlType.NumericWithModifier(precision, scale), "numeric");
            case "varchar" or "bpchar":
                TypeKind kind = name == "varchar" ? TypeKind.Varchar : TypeKind.Bpchar;
                if (modifiers.Count == 0) return (new SqlType(kind), name);
                if (modifiers.Count > 1) throw Syntax(typeName);
                int length = modifiers[0];
                string display = kind == TypeKind.Varchar ? "varchar" : "char";
                if (length < 1)
                {
                    throw new SqlException(SqlState.InvalidParameterValue, $"length for type {display} must be at least 1", typeName.Location + 1);
                }
                if (length > StringLengthMax)
                {
                    throw new SqlException(SqlState.InvalidParameterValue, $"length for type {display} cannot exceed {StringLengthMax}", typeName.Location + 1);
                }
                return (new SqlType(kind, length + SqlType.VariableLengthModifierOffset), name);
            case "date":
                NoModifiers(typeName);
                return (SqlType.Date, "date");
            case "timestamp" or "timestamptz":
                // timestamp(p): values keep microseconds whatever p is (a simplification).
                if (modifiers.Count > 1 || (modifiers.Count == 1 && modifiers[0] > 6)) throw Syntax(typeName);
                return name == "timestamp" ? (SqlType.Timestamp, "timestamp") : (SqlType.TimestampTz, "timestamptz");
            default:
                if (TypeRegistry.ForName(name) is { } handler)
                {
                    SqlType type = handler.Resolve(name, modifiers, typeName.Location + 1);
                    return (type, type.InternalName);
                }
                // A PostgreSQL type pg_type lists (inet, int4range) but Log cannot store or compute with.
                if (Catalog.System.BuiltinTypes.FindByName(name) is not null)
                {
                    throw new SqlException(SqlState.FeatureNotSupported, $"type {name} is not supported", typeName.Location + 1);
                }
                throw new SqlException(SqlState.UndefinedObject, $"type \"{typeName.Name}\" does not exist", typeName.Location + 1);
        }
    }

    /// <summary>information_schema's domains (cardinal_number, sql_identifier, ...), which Log has no domains for: a cast
    /// to one is a cast to its base type with the domain's modifier, named after the domain (their constraints, such as
    /// cardinal_number's VALUE &gt;= 0, are not checked). Null for any other name.</summary>
    private static (SqlType Type, string InternalName)? ResolveInformationSchemaDomain(string name)
    {
        const string prefix = Catalog.System.SystemRelations.InformationSchemaSchema + ".";
        if (!name.StartsWith(prefix, StringComparison.Ordinal)) return null;
        string domainName = name[prefix.Length..];
        if (Catalog.System.BuiltinTypes.FindByName(domainName) is not { Type: 'd' } domain
            || domain.Namespace != Catalog.System.ObjectIds.InformationSchemaNamespace
            || Catalog.System.TypeNames.Find(domain.BaseType) is not { } baseType)
        {
            return null;
        }
        // A date/time precision is not kept by Log's values (see timestamp(p) above), so only string lengths carry over.
        SqlType type = baseType.Kind is TypeKind.Varchar or TypeKind.Bpchar ? baseType with { Modifier = domain.TypeModifier } : baseType;
        return (type, domainName);
    }

    /// <summary>element[] (and _element, the array's internal name): the element's type with its modifier, as an array.</summary>
    private static (SqlType Type, string InternalName) ResolveArray(TypeName element, TypeName written)
    {
        SqlType elementType;
        try
        {
            (elementType, _) = Resolve(element);
        }
        catch (SqlException exception) when (exception.SqlState == SqlState.UndefinedObject)
        {
            throw new SqlException(SqlState.UndefinedObject, $"type \"{written.Name}\" does not exist", written.Location + 1);
        }
        SqlType array = SqlType.ArrayOf(elementType);
        return (array, array.InternalName);
    }

    /// <summary>Whether a name is some type's pg_type.typname (what follows the "_" of an array's internal name).</summary>
    private static bool IsInternalName(string name)
    {
        try
        {
            return Resolve(new TypeName(name, [], 0)).InternalName == name;
        }
        catch (SqlException)
        {
            return false;
        }
    }

    private static void NoModifiers(TypeName typeName)
    {
        if (typeName.Modifiers.Count > 0)
        {
            throw new SqlException(SqlState.SyntaxError, $"type modifier is not allowed for type \"{typeName.Name}\"", typeName.Location + 1);
        }
    }

    private static SqlException Syntax(TypeName typeName) =>
        new(SqlState.SyntaxError, "invalid type modifier", typeName.Location + 1);
}
