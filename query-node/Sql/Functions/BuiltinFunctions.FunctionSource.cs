using System.Text;
using Log.QueryNode.Sql.Catalog.System;

namespace Log.QueryNode.Sql.Functions;

/// <summary>pg_get_functiondef, which psql's \sf and \ef print: the CREATE OR REPLACE FUNCTION statement of a pg_proc
/// row, laid out as ruleutils.c lays it out, from what Log's pg_proc says of the function (every one is built in,
/// LANGUAGE internal, with PostgreSQL's prosrc, parallel safety and leakproofness: SystemRelations.DetailOf).</summary>
internal static partial class BuiltinFunctions
{
    private static void AddFunctionSource(FunctionRegistry registry)
    {
        Add(registry, "pg_get_functiondef", [Oid], Text, (arguments, _) => FunctionDefinitionText((long)arguments[0]!), Volatility.Stable);
    }

    private static string? FunctionDefinitionText(long oid)
    {
        if (SystemRelations.FunctionOf(oid) is not { } function || function.SpecialForm != SpecialForm.None) return null;
        var text = new StringBuilder();
        text.Append("CREATE OR REPLACE FUNCTION pg_catalog.").Append(QualifiedNames.Quote(function.Name))
            .Append('(').Append(SystemRelations.FunctionArguments(function)).Append(")\n")
            .Append(" RETURNS ").Append(SystemRelations.FunctionTypeName(SystemRelations.ResultTypeOid(function))).Append('\n')
            .Append(" LANGUAGE internal\n");
        // The options line: volatility (VOLATILE is the default, not written), parallel safety (UNSAFE, the default,
        // not written), strictness, leakproofness.
        ProcedureDetail detail = SystemRelations.DetailOf(function);
        text.Append(function.Volatility switch { Volatility.Immutable => " IMMUTABLE", Volatility.Stable => " STABLE", _ => "" })
            .Append(detail.Parallel switch { 's' => " PARALLEL SAFE", 'r' => " PARALLEL RESTRICTED", _ => "" });
        if (function.Strict) text.Append(" STRICT");
        if (detail.Leakproof) text.Append(" LEAKPROOF");
        text.Append('\n');
        text.Append("AS $function$").Append(detail.Source).Append("$function$\n");
        return text.ToString();
    }
}
