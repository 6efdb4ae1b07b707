using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>One of PostgreSQL 15's pg_operator rows (SystemRelations.Operators.PostgreSql.cs), with the description
/// initdb gives it (pg_description), which psql's \do shows.</summary>
internal sealed record PostgreSqlOperator(long Oid, string Name, char Kind, bool CanMerge, bool CanHash, long Left, long Right, long Result,
    long Commutator, long Negator, RegProc Code, RegProc Restrict, RegProc Join, string? Description);

/// <summary>One of PostgreSQL 15's pg_cast rows: castcontext e (explicit), a (assignment) or i (implicit); castmethod
/// f (a function), b (binary coercible) or i (I/O conversion).</summary>
internal sealed record PostgreSqlCast(long Oid, long Source, long Target, long Function, char Context, char Method);

/// <summary>
/// pg_operator and pg_cast. Comparison, arithmetic and || are bound nodes of Log's binder rather than entries of a
/// registry of operators, and casts are the type handlers' answers (ValueCast.CanCast), so neither has a list to print.
/// Both relations are PostgreSQL 15's rows over Log's types, kept where Log implements them: an operator is listed if
/// the binder binds it over NULLs of its operand types (a polymorphic operand as int4 or int4[]) to its result type; a
/// cast if ValueCast allows it explicitly. OIDs, commutators, negators and the cast's context and method are
/// PostgreSQL's. oprcode, oprrest, oprjoin and castfunc are PostgreSQL's functions under PostgreSQL's OIDs, and
/// pg_proc lists each of them (SystemRelations.Procedures.cs), so a join from pg_operator or pg_cast to pg_proc finds them.
/// The lists are worked out once, on first use, and are the same on every query node.
/// </summary>
internal static partial class SystemRelations
{
    /// <summary>anyelement, anyarray, anynonarray, anycompatible, anycompatiblearray and anycompatiblenonarray.</summary>
    private static readonly HashSet<long> PolymorphicElementTypes = [2283, 2776, 5077, 5079];

    private static readonly HashSet<long> PolymorphicArrayTypes = [2277, 5078];

    private static readonly Lazy<PostgreSqlOperator[]> ImplementedOperators = new(() => PostgreSqlOperators.Where(Binds).ToArray());

    private static readonly Lazy<PostgreSqlCast[]> ImplementedCasts = new(() => PostgreSqlCasts.Where(IsImplemented).ToArray());

    /// <summary>The operators of PostgreSQL 15 Log implements, in OID order.</summary>
    internal static IReadOnlyList<PostgreSqlOperator> Operators => ImplementedOperators.Value;

    /// <summary>The casts of PostgreSQL 15 Log implements, in OID order.</summary>
    internal static IReadOnlyList<PostgreSqlCast> Casts => ImplementedCasts.Value;

    private static IEnumerable<object?[]> OperatorRows(CatalogSnapshot catalog, SystemRelation relation) =>
        Operators.Select(op => relation.Row(("oid", op.Oid), ("oprname", op.Name), ("oprnamespace", ObjectIds.PgCatalogNamespace),
            ("oprowner", ObjectIds.SuperuserRole), ("oprkind", op.Kind.ToString()), ("oprcanmerge", op.CanMerge), ("oprcanhash", op.CanHash),
            ("oprleft", op.Left), ("oprright", op.Right), ("oprresult", op.Result), ("oprcom", ListedOperator(op.Commutator)),
            ("oprnegate", ListedOperator(op.Negator)), ("oprcode", op.Code), ("oprrest", op.Restrict), ("oprjoin", op.Join)));

    /// <summary>pg_operator's OID in pg_class (pg_description.classoid of an operator's description).</summary>
    private const long OperatorCatalogOid = 2617;

    /// <summary>The descriptions of the listed operators.</summary>
    private static IEnumerable<(long ObjectOid, long CatalogOid, string Description)> OperatorDescriptions =>
        Operators.Where(op => op.Description is not null).Select(op => (op.Oid, OperatorCatalogOid, op.Description!));

    private static IEnumerable<object?[]> CastRows(CatalogSnapshot catalog, SystemRelation relation) =>
        Casts.Select(cast => relation.Row(("oid", cast.Oid), ("castsource", cast.Source), ("casttarget", cast.Target), ("castfunc", cast.Function),
            ("castcontext", cast.Context.ToString()), ("castmethod", cast.Method.ToString())));

    /// <summary>A commutator or negator as listed: 0 where Log lacks it, so that oprcom and oprnegate join to a row.</summary>
    private static long ListedOperator(long oid) => oid != 0 && Operators.Any(op => op.Oid == oid) ? oid : 0;

    /// <summary>Whether Log's binder binds the operator over its operand types to its result type.</summary>
    private static bool Binds(PostgreSqlOperator op)
    {
        string? right = TypeText(op.Right);
        string? left = op.Kind == 'l' ? "" : TypeText(op.Left);
        if (left is null || right is null) return false;
        string text = $"{left} OPERATOR(pg_catalog.{op.Name}) {right}";
        try
        {
            BoundExpression bound = new SqlBinder(table: null, alias: null).Bind(Parser.SqlParser.ParseExpressionText(text));
            long expected = PolymorphicElementTypes.Contains(op.Result) ? SqlType.Int4.Oid
                : PolymorphicArrayTypes.Contains(op.Result) ? SqlType.ArrayOf(SqlType.Int4).Oid
                : op.Result;
            return bound.Type.Oid == expected;
        }
        catch (SqlException)
        {
            return false;
        }
    }

    /// <summary>A NULL of the type as SQL text (a polymorphic type as int4 or int4[]), or null for a type Log lacks.</summary>
    private static string? TypeText(long oid)
    {
        if (PolymorphicElementTypes.Contains(oid)) return "NULL::pg_catalog.int4";
        if (PolymorphicArrayTypes.Contains(oid)) return "NULL::pg_catalog.int4[]";
        SqlType type = ParameterContext.TypeOfOid((int)oid);
        if (type.Kind == TypeKind.Unknown) return null;
        return type.Kind == TypeKind.Array ? $"NULL::pg_catalog.\"{type.ElementType.InternalName}\"[]" : $"NULL::pg_catalog.\"{type.InternalName}\"";
    }

    /// <summary>Whether Log casts between the two types (explicitly, the widest context).</summary>
    private static bool IsImplemented(PostgreSqlCast cast)
    {
        SqlType source = ParameterContext.TypeOfOid((int)cast.Source);
        SqlType target = ParameterContext.TypeOfOid((int)cast.Target);
        return source.Kind != TypeKind.Unknown && target.Kind != TypeKind.Unknown && ValueCast.CanCast(source, target, ValueCast.Context.Explicit);
    }
}
