using System.Collections.Frozen;
using Log.QueryNode.Sql.Types.Handlers;

namespace Log.QueryNode.Sql.Types;

/// <summary>
/// The types whose behaviour lives in a <see cref="TypeHandler"/> (pg_type with its I/O, ordering and cast functions):
/// by kind, by the CLR type of a value, by written name and by OID. The older built-in types (integers, float8,
/// numeric, the string and date/time types) still have their behaviour in ValueInput, ValueCast, ValueComparer and
/// RowEncoder, which fall through to the registry for every other kind.
/// </summary>
internal static class TypeRegistry
{
    private static readonly TypeHandler[] Handlers =
    [
        new Float4Handler(),
        new ByteaHandler(),
        new UuidHandler(),
        new IntervalHandler(),
        new TimeHandler(),
        new TimeTzHandler(),
        new ArrayHandler(),
        new JsonHandler(),
        new JsonbHandler(),
        new OidHandler(),
        new NameHandler(),
        new CharHandler(),
        new RegClassHandler(),
        new RegTypeHandler(),
        new RegProcHandler(),
        new RegNamespaceHandler(),
        new AclItemHandler(),
        new RegRoleHandler(),
        new RegProcedureHandler(),
        new RecordHandler(),
        new VectorHandler(TypeKind.Int2Vector, "int2vector"),
        new VectorHandler(TypeKind.OidVector, "oidvector"),
        new XidHandler(),
        new CidHandler(),
        new TidHandler(),
        new NodeTreeHandler(),
        new AnyArrayHandler(),
    ];

    private static readonly FrozenDictionary<TypeKind, TypeHandler> ByKind = Handlers.ToFrozenDictionary(handler => handler.Kind);

    private static readonly FrozenDictionary<Type, TypeHandler> ByValueType = Handlers
        .Where(handler => handler.ValueType is not null)
        .ToFrozenDictionary(handler => handler.ValueType!);

    private static readonly FrozenDictionary<string, TypeHandler> ByName = Handlers
        .SelectMany(handler => handler.Names.Select(name => (name, handler)))
        .ToFrozenDictionary(entry => entry.name, entry => entry.handler, StringComparer.Ordinal);

    private static readonly FrozenDictionary<int, TypeKind> KindByOid = Handlers
        .Where(handler => handler.Kind != TypeKind.Array)
        .ToFrozenDictionary(handler => new SqlType(handler.Kind).Oid, handler => handler.Kind);

    /// <summary>The handler of a kind, or null for the kinds the older code paths implement.</summary>
    public static TypeHandler? Find(TypeKind kind) => ByKind.GetValueOrDefault(kind);

    public static TypeHandler Get(TypeKind kind) =>
        ByKind.GetValueOrDefault(kind) ?? throw new InvalidOperationException($"no handler for type {kind}");

    /// <summary>The handler of a value's CLR type, or null.</summary>
    public static TypeHandler? ForValue(object value) => ByValueType.GetValueOrDefault(value.GetType());

    /// <summary>The handler of a written type name (already stripped of pg_catalog.), or null.</summary>
    public static TypeHandler? ForName(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The type of a parameter type OID from Parse, or Unknown when no handler has it.</summary>
    public static SqlType TypeOfOid(int oid)
    {
        if (KindByOid.TryGetValue(oid, out TypeKind kind)) return new SqlType(kind);
        int element = Log.Wire.Types.PgTypes.GetElementTypeOid(oid);
        if (element == 0) return SqlType.Unknown;
        SqlType elementType = Binder.ParameterContext.TypeOfOid(element);
        return elementType.Kind == TypeKind.Unknown ? SqlType.Unknown : SqlType.ArrayOf(elementType);
    }

    /// <summary>The type of a CLR parameter value, or null when no handler owns its CLR type.</summary>
    public static SqlType? TypeOfValue(object value) => ForValue(value) is { } handler ? new SqlType(handler.Kind) : null;
}
