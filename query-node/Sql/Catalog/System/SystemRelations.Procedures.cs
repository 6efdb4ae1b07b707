using System.Globalization;
using Log.QueryNode.Sql.Functions;
using Log.QueryNode.Sql.Types;
using Log.QueryNode.Sql.Types.Handlers;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>One of PostgreSQL 15's pg_proc rows (SystemRelations.Procedures.PostgreSql.cs): the catalog's columns, with
/// proargtypes and proallargtypes as space-separated OIDs, proargmodes as one letter a parameter, proargnames joined by
/// commas; what pg_get_function_arguments, pg_get_function_identity_arguments and pg_get_function_result print; and the
/// description initdb gives the function.</summary>
internal sealed record PostgreSqlProcedure(long Oid, string Name, string ArgumentTypes, long Result, char Kind, char Volatility, bool Strict,
    bool ReturnsSet, bool Leakproof, char Parallel, float Cost, float Rows, long Variadic, short ArgumentDefaults, string? AllArgumentTypes,
    string? ArgumentModes, string? ArgumentNames, string Source, RegProc Support, string? Arguments, string? IdentityArguments, string? ResultText,
    string? Description)
{
    public long[] ArgumentTypeOids => OidsOf(ArgumentTypes);

    public static long[] OidsOf(string? text) =>
        string.IsNullOrEmpty(text) ? [] : [.. text.Split(' ').Select(oid => long.Parse(oid, CultureInfo.InvariantCulture))];
}

/// <summary>One pg_proc row: a function of the registry (<see cref="Function"/>), PostgreSQL's row of the same function
/// (<see cref="PostgreSql"/>), or both.</summary>
internal sealed record ListedProcedure(long Oid, FunctionDefinition? Function, PostgreSqlProcedure? PostgreSql)
{
    public string Name => PostgreSql?.Name ?? Function!.Name;

    /// <summary>pg_proc.proargtypes.</summary>
    public long[] ArgumentTypes => PostgreSql?.ArgumentTypeOids
        ?? [.. Function!.Parameters.Select(parameter => SystemRelations.ParameterTypeOid(Function, parameter))];
}

/// <summary>
/// pg_proc. Each function of Log's registry that PostgreSQL 15 has too (same name, same argument types) is listed
/// with PostgreSQL's OID and PostgreSQL's row; so are the functions behind the operators and casts pg_operator and
/// pg_cast list (oprcode, oprrest, oprjoin, castfunc) and behind the types (typinput ...), which Log runs as the
/// operator, cast or type rather than as a callable function, so that joins from those catalogs to pg_proc find
/// them as on PostgreSQL (psql's \dC prints the cast's function). A function only Log has keeps Log's own OID,
/// <see cref="FirstFunctionOid"/> plus its place in the registry: above every OID initdb gives (below 16384), so it
/// takes none of PostgreSQL's. Both are the same on every restart and query node of one version.
/// </summary>
internal static partial class SystemRelations
{
    /// <summary>Where the OIDs of the functions PostgreSQL lacks start.</summary>
    internal const long FirstFunctionOid = 100_000;

    /// <summary>The first OID PostgreSQL gives objects made after initdb (FirstNormalObjectId).</summary>
    internal const long FirstNormalObjectId = 16384;

    private static readonly Lazy<ListedProcedure[]> ListedProcedures = new(ListProcedures);

    private static readonly Lazy<Dictionary<long, ListedProcedure>> ProceduresByOid = new(() => ListedProcedures.Value.ToDictionary(procedure => procedure.Oid));

    /// <summary>pg_proc's rows, in OID order.</summary>
    internal static IReadOnlyList<ListedProcedure> Procedures => ListedProcedures.Value;

    /// <summary>The pg_proc row of an OID, or null.</summary>
    internal static ListedProcedure? ProcedureOf(long oid) => ProceduresByOid.Value.GetValueOrDefault(oid);

    /// <summary>The registry function with a pg_proc OID, or null.</summary>
    public static FunctionDefinition? FunctionOf(long oid) => ProcedureOf(oid)?.Function;

    private static ListedProcedure[] ListProcedures()
    {
        PostgreSqlProcedure[] all = PostgreSqlProcedures;
        Dictionary<string, PostgreSqlProcedure> bySignature = all.ToDictionary(procedure => ProcedureKey(procedure.Name, procedure.ArgumentTypes), StringComparer.Ordinal);
        Dictionary<long, PostgreSqlProcedure> byOid = all.ToDictionary(procedure => procedure.Oid);
        var listed = new Dictionary<long, ListedProcedure>();
        for (int position = 0; position < FunctionsByOid.Length; position++)
        {
            FunctionDefinition function = FunctionsByOid[position];
            // COALESCE, NULLIF, GREATEST and LEAST are SQL constructs, not functions, on PostgreSQL.
            if (function.SpecialForm != SpecialForm.None) continue;
            if (bySignature.TryGetValue(SignatureKey(function), out PostgreSqlProcedure? postgreSql) && !listed.ContainsKey(postgreSql.Oid))
            {
                listed.Add(postgreSql.Oid, new ListedProcedure(postgreSql.Oid, function, postgreSql));
            }
            else
            {
                listed.Add(FirstFunctionOid + position, new ListedProcedure(FirstFunctionOid + position, function, null));
            }
        }
        IEnumerable<long> behind = Operators.SelectMany(op => new[] { op.Code.Oid, op.Restrict.Oid, op.Join.Oid })
            .Concat(Casts.Select(cast => cast.Function))
            .Concat(TypeFunctions.All.Select(function => function.Oid));
        foreach (long oid in behind)
        {
            if (oid != 0 && !listed.ContainsKey(oid) && byOid.TryGetValue(oid, out PostgreSqlProcedure? postgreSql))
            {
                listed.Add(oid, new ListedProcedure(oid, null, postgreSql));
            }
        }
        return [.. listed.Values.OrderBy(procedure => procedure.Oid)];
    }

    private static string SignatureKey(FunctionDefinition function) =>
        ProcedureKey(function.Name, string.Join(' ', function.Parameters.Select(parameter => ParameterTypeOid(function, parameter))));

    private static string ProcedureKey(string name, string argumentTypes) => $"{name}({argumentTypes})";

    /// <summary>PostgreSQL's row of a registry function, or null when PostgreSQL has no function of its name and types.</summary>
    internal static PostgreSqlProcedure? PostgreSqlProcedureOf(FunctionDefinition function) =>
        Procedures.FirstOrDefault(procedure => ReferenceEquals(procedure.Function, function))?.PostgreSql;

    /// <summary>PostgreSQL's prosrc, proleakproof, proparallel and description of a registry function; a function
    /// PostgreSQL does not have keeps Log's own: its SQL name as prosrc, not leakproof, parallel safe, no description.</summary>
    public static ProcedureDetail DetailOf(FunctionDefinition function) =>
        PostgreSqlProcedureOf(function) is { } postgreSql
            ? new ProcedureDetail(postgreSql.Source, postgreSql.Leakproof, postgreSql.Parallel, postgreSql.Description)
            : new ProcedureDetail(function.Name, Leakproof: false, Parallel: 's', Description: null);

    private const long ProcedureCatalogOid = 1255;

    /// <summary>pg_description's rows of the listed functions PostgreSQL describes.</summary>
    private static IEnumerable<(long ObjectOid, long CatalogOid, string Description)> FunctionDescriptions =>
        Procedures.Where(procedure => procedure.PostgreSql?.Description is not null)
            .Select(procedure => (procedure.Oid, ProcedureCatalogOid, procedure.PostgreSql!.Description!));

    /// <summary>regproc input of a bare function name: the OID of the one pg_proc row of that name, or null when there
    /// is none or more than one (PostgreSQL's regprocin then fails; Log's regproc keeps the name with OID 0).</summary>
    public static long? UniqueFunctionOid(string name)
    {
        ListedProcedure[] named = [.. Procedures.Where(procedure => procedure.Name == name).Take(2)];
        return named.Length == 1 ? named[0].Oid : null;
    }

    /// <summary>pg_get_function_result: PostgreSQL's text for its functions, the declared result for Log's own.</summary>
    public static string? ProcedureResult(long oid) => ProcedureOf(oid) switch
    {
        { PostgreSql: { } postgreSql } => postgreSql.ResultText,
        { Function: { } function } => FunctionTypeName(ResultTypeOid(function)),
        _ => null,
    };

    /// <summary>pg_get_function_arguments and pg_get_function_identity_arguments: PostgreSQL's text for its functions
    /// (with names and defaults), the argument types for Log's own (which have neither).</summary>
    public static string? ProcedureArguments(long oid, bool identity) => ProcedureOf(oid) switch
    {
        { PostgreSql: { } postgreSql } => identity ? postgreSql.IdentityArguments : postgreSql.Arguments,
        { Function: { } function } => FunctionArguments(function),
        _ => null,
    };

    /// <summary>regprocedure's text: name(argument types), as regprocedureout prints it.</summary>
    public static string ProcedureSignature(ListedProcedure procedure) =>
        $"{QualifiedNames.Quote(procedure.Name)}({string.Join(",", procedure.ArgumentTypes.Select(FunctionTypeName))})";

    private static IEnumerable<object?[]> ProcedureRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (ListedProcedure procedure in Procedures)
        {
            yield return procedure.PostgreSql is { } postgreSql ? PostgreSqlProcedureRow(relation, postgreSql) : LogProcedureRow(relation, procedure.Oid, procedure.Function!);
        }
    }

    private static object?[] PostgreSqlProcedureRow(SystemRelation relation, PostgreSqlProcedure procedure) =>
        relation.Row(("oid", procedure.Oid), ("proname", procedure.Name), ("pronamespace", ObjectIds.PgCatalogNamespace), ("proowner", ObjectIds.SuperuserRole),
            ("prolang", InternalLanguage), ("procost", procedure.Cost), ("prorows", procedure.Rows), ("provariadic", procedure.Variadic),
            ("prosupport", procedure.Support), ("prokind", procedure.Kind.ToString()), ("prosecdef", false), ("proleakproof", procedure.Leakproof),
            ("proisstrict", procedure.Strict), ("proretset", procedure.ReturnsSet), ("provolatile", procedure.Volatility.ToString()),
            ("proparallel", procedure.Parallel.ToString()), ("pronargs", (short)procedure.ArgumentTypeOids.Length),
            ("pronargdefaults", procedure.ArgumentDefaults), ("prorettype", procedure.Result),
            ("proargtypes", PgTypes.ZeroBasedVector([.. procedure.ArgumentTypeOids.Select(oid => (object?)oid)])),
            ("proallargtypes", procedure.AllArgumentTypes is null ? null : PgArray.OneDimensional([.. PostgreSqlProcedure.OidsOf(procedure.AllArgumentTypes).Select(oid => (object?)oid)])),
            ("proargmodes", procedure.ArgumentModes is null ? null : PgArray.OneDimensional([.. procedure.ArgumentModes.Select(mode => (object?)mode.ToString())])),
            ("proargnames", procedure.ArgumentNames is null ? null : PgArray.OneDimensional([.. procedure.ArgumentNames.Split(',').Select(name => (object?)name)])),
            ("prosrc", procedure.Source));

    private static object?[] LogProcedureRow(SystemRelation relation, long oid, FunctionDefinition function) =>
        relation.Row(("oid", oid), ("proname", function.Name), ("pronamespace", ObjectIds.PgCatalogNamespace), ("proowner", ObjectIds.SuperuserRole),
            ("prolang", InternalLanguage), ("procost", 1f), ("provariadic", function.VariadicAny ? AnyPseudoType : 0L), ("prokind", "f"),
            ("proisstrict", function.Strict), ("proleakproof", false), ("provolatile", Volatility(function)), ("proparallel", "s"),
            ("pronargs", (short)function.Parameters.Count), ("prorettype", ResultTypeOid(function)),
            ("proargtypes", PgTypes.ZeroBasedVector([.. function.Parameters.Select(parameter => (object?)ParameterTypeOid(function, parameter))])),
            ("proargmodes", function.VariadicAny ? PgArray.OneDimensional(function.Parameters.Select((_, index) => (object?)(index == function.Parameters.Count - 1 ? "v" : "i")).ToArray()) : null),
            ("prosrc", function.Name));

    private static string Volatility(FunctionDefinition function) => function.Volatility switch
    {
        Functions.Volatility.Immutable => "i",
        Functions.Volatility.Stable => "s",
        _ => "v",
    };
}

/// <summary>One built-in function's pg_proc values that Log's registry does not hold itself.</summary>
internal sealed record ProcedureDetail(string Source, bool Leakproof, char Parallel, string? Description);
