namespace Log.QueryNode.Sql.Types;

/// <summary>A regclass value: a relation's oid with the text it prints as (resolved when the value was made, from the
/// statement's snapshot of the catalog, so that printing it later needs no catalog): quoted where needed and qualified
/// with its schema when search_path would not find it by its name alone, or the oid's digits for an unknown oid.</summary>
public readonly record struct RegClass(long Oid, string Name) : IComparable<RegClass>
{
    public int CompareTo(RegClass other) => Oid.CompareTo(other.Oid);

    public bool Equals(RegClass other) => Oid == other.Oid;

    public override int GetHashCode() => Oid.GetHashCode();

    /// <summary>regclassout (the wire's text codec writes a value of an OID it has no codec for with ToString).</summary>
    public override string ToString() => Name;
}

/// <summary>A regtype value: a type's oid with the name it prints as (format_type's).</summary>
public readonly record struct RegType(long Oid, string Name)
{
    public bool Equals(RegType other) => Oid == other.Oid;

    public override int GetHashCode() => Oid.GetHashCode();

    public override string ToString() => Name;
}

/// <summary>A regproc value: a function's oid and name (pg_type's typinput and the like).</summary>
public readonly record struct RegProc(long Oid, string Name)
{
    public bool Equals(RegProc other) => Oid == other.Oid && Name == other.Name;

    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Name;
}

/// <summary>A regnamespace value: a schema's oid and name.</summary>
public readonly record struct RegNamespace(long Oid, string Name)
{
    public bool Equals(RegNamespace other) => Oid == other.Oid;

    public override int GetHashCode() => Oid.GetHashCode();

    public override string ToString() => Name;
}

/// <summary>A regrole value: a role's oid and name.</summary>
public readonly record struct RegRole(long Oid, string Name)
{
    public bool Equals(RegRole other) => Oid == other.Oid;

    public override int GetHashCode() => Oid.GetHashCode();

    public override string ToString() => Name;
}

/// <summary>A regprocedure value: a function's oid and its signature, name(argument types).</summary>
public readonly record struct RegProcedure(long Oid, string Signature)
{
    public bool Equals(RegProcedure other) => Oid == other.Oid;

    public override int GetHashCode() => Oid.GetHashCode();

    public override string ToString() => Signature;
}

/// <summary>The comparisons between the object identifier types PostgreSQL resolves through implicit casts: oid
/// with an integer (the integer becomes an oid), and a reg* type with oid or an integer (both compared as oid).</summary>
internal static class ObjectIdentifierComparison
{
    public static bool IsObjectIdentifier(SqlType type) =>
        type.Kind is TypeKind.Oid or TypeKind.RegClass or TypeKind.RegType or TypeKind.RegProc or TypeKind.RegNamespace or TypeKind.RegRole or TypeKind.RegProcedure;

    /// <summary>The type both sides of a comparison become, or null when this is not such a comparison.</summary>
    public static SqlType? CommonType(SqlType left, SqlType right)
    {
        if (left.Kind == right.Kind) return null;
        bool leftFits = IsObjectIdentifier(left) || left.IsInteger;
        bool rightFits = IsObjectIdentifier(right) || right.IsInteger;
        if (!leftFits || !rightFits || !(IsObjectIdentifier(left) || IsObjectIdentifier(right))) return null;
        return new SqlType(TypeKind.Oid);
    }

    /// <summary>An oid as PostgreSQL's oidin reads integers: -1 is 4294967295 (negative values wrap), beyond 32 bits is 22003.</summary>
    public static long FromInteger(long value)
    {
        if (value < int.MinValue || value > uint.MaxValue)
        {
            throw new Execution.SqlException(Execution.SqlState.NumericValueOutOfRange, "OID out of range");
        }
        return value < 0 ? (long)unchecked((uint)(int)value) : value;
    }

    public static long ToOid(object value) => value switch
    {
        long oid => oid,
        RegClass regClass => regClass.Oid,
        RegType regType => regType.Oid,
        RegProc regProc => regProc.Oid,
        RegNamespace regNamespace => regNamespace.Oid,
        RegRole regRole => regRole.Oid,
        RegProcedure regProcedure => regProcedure.Oid,
        int integer => FromInteger(integer),
        short small => FromInteger(small),
        _ => throw new InvalidOperationException($"not an object identifier: {value.GetType()}"),
    };
}
