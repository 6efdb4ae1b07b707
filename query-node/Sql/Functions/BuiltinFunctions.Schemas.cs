using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>current_schema(), current_schemas(bool) and pg_table_is_visible: search_path's schemas that exist, read before the statement
/// is bound (<see cref="Catalog.System.CatalogUse.NeedsSearchPath"/>) since functions do no I/O.</summary>
internal static partial class BuiltinFunctions
{
    private static void AddSchemas(FunctionRegistry registry)
    {
        Add(registry, "current_schema", [], Name, (_, context) => SearchPathSchemas(context) is { Count: > 0 } path ? path[0] : null, Volatility.Stable, strict: false);
        Add(registry, "pg_table_is_visible", [Oid], Bool, (arguments, context) => CatalogOf(context).IsVisible((long)arguments[0]!), Volatility.Stable);
        Add(registry, "current_schemas", [Bool], SqlType.ArrayOf(Name), (arguments, context) => CurrentSchemas((bool)arguments[0]!, context), Volatility.Stable);
    }

    /// <summary>The schemas of the path that exist; without a session's path read, the default path's (public).</summary>
    private static IReadOnlyList<string> SearchPathSchemas(EvaluationContext context) =>
        context.Statement?.Relations?.LoadedPath ?? [SqlCatalog.DefaultSchema];

    /// <summary>With implicit schemas: pg_catalog first unless the path names it, as PostgreSQL searches it.</summary>
    private static PgArray CurrentSchemas(bool includeImplicit, EvaluationContext context)
    {
        IReadOnlyList<string> path = SearchPathSchemas(context);
        IEnumerable<string> schemas = includeImplicit && !path.Contains(SqlCatalog.CatalogSchema) ? path.Prepend(SqlCatalog.CatalogSchema) : path;
        return PgArray.OneDimensional(schemas.Cast<object?>().ToArray());
    }
}
