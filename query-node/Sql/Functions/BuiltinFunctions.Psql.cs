using Log.QueryNode.Sql.Catalog.System;

namespace Log.QueryNode.Sql.Functions;

/// <summary>The catalog functions psql's describe commands call beside those of BuiltinFunctions.Catalog.cs: the
/// signatures of pg_proc's functions (\df), comments (\d+, \dt+, \dx), and visibility and partition questions about
/// objects Log has none of.</summary>
internal static partial class BuiltinFunctions
{
    private static void AddPsql(FunctionRegistry registry)
    {
        Add(registry, "pg_get_function_result", [Oid], Text, (arguments, _) => SystemRelations.ProcedureResult((long)arguments[0]!), Volatility.Stable);
        Add(registry, "pg_get_function_arguments", [Oid], Text,
            (arguments, _) => SystemRelations.ProcedureArguments((long)arguments[0]!, identity: false), Volatility.Stable);
        Add(registry, "pg_get_function_identity_arguments", [Oid], Text,
            (arguments, _) => SystemRelations.ProcedureArguments((long)arguments[0]!, identity: true), Volatility.Stable);
        Add(registry, "obj_description", [Oid], Text,
            (arguments, context) => SystemRelations.Description(CatalogOf(context), (long)arguments[0]!, null, 0), Volatility.Stable);
        Add(registry, "obj_description", [Oid, Name], Text,
            (arguments, context) => SystemRelations.Description(CatalogOf(context), (long)arguments[0]!, (string)arguments[1]!, 0), Volatility.Stable);
        Add(registry, "col_description", [Oid, Int4], Text,
            (arguments, context) => SystemRelations.Description(CatalogOf(context), (long)arguments[0]!, "pg_class", (int)arguments[1]!), Volatility.Stable);
        // Log has no operators, operator classes or families, conversions or statistics objects of users: the
        // catalogs list only built-in ones, in pg_catalog, which is always on the search path.
        foreach (string visibility in new[] { "pg_operator_is_visible", "pg_opclass_is_visible", "pg_opfamily_is_visible", "pg_conversion_is_visible",
                     "pg_statistics_obj_is_visible" })
        {
            Add(registry, visibility, [Oid], Bool, (_, _) => true, Volatility.Stable);
        }
        // Definitions of objects Log has none of, with psql's pretty-print flag (\d reads them over empty catalogs).
        foreach (string name in new[] { "pg_get_triggerdef", "pg_get_ruledef" })
        {
            Add(registry, name, [Oid, Bool], Text, (_, _) => null, Volatility.Stable);
        }
        // Log's tablespaces are the two built-in ones, which live in the data directory: their location is empty.
        Add(registry, "pg_tablespace_location", [Oid], Text, (_, _) => "", Volatility.Stable);
        // Log's functions are built in: none has an SQL-standard body.
        Add(registry, "pg_get_function_sqlbody", [Oid], Text, (_, _) => null, Volatility.Stable);
        // pg_proc's row for the set-returning function: calls never reach this entry, the binder runs them as set-returning
        // functions (TableFunction.PartitionAncestors), which list nothing since no Log relation is a partition.
        Add(registry, "pg_partition_ancestors", [RegClassType], RegClassType, (_, _) => null, Volatility.Volatile, strict: false);
    }
}
