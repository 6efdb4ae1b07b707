using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>Whether a statement reads the catalog while its expressions are evaluated (a cast to regclass, a catalog
/// function), which is synchronous: the engine then reads the statement's <see cref="CatalogSnapshot"/> before binding
/// (casts of constants are folded while the statement is bound and planned).</summary>
internal static class CatalogUse
{
    private static readonly HashSet<string> CatalogFunctions = new(StringComparer.Ordinal)
    {
        "pg_get_indexdef", "pg_get_constraintdef", "pg_get_viewdef", "pg_table_is_visible", "to_regclass", "pg_get_serial_sequence",
        "has_table_privilege", "has_any_column_privilege", "has_column_privilege", "has_sequence_privilege",
        "has_schema_privilege", "pg_has_role", "pg_get_userbyid",
        "pg_relation_size", "pg_table_size", "pg_indexes_size", "pg_total_relation_size", "pg_database_size",
        "obj_description", "col_description", "pg_get_expr",
    };

    /// <summary>Whether a statement calls current_schema, current_schemas or pg_type_is_visible, which read search_path's schemas.</summary>
    public static bool NeedsSearchPath(Node tree) =>
        ParseTree.Walk(tree).Any(node => node is FuncCall { Name: "current_schema" or "current_schemas" or "pg_type_is_visible" });

    public static bool NeedsSnapshot(Node tree) => ParseTree.Walk(tree).Any(node => node switch
    {
        TypeCast cast => cast.TypeName.Name is "regclass" or "regrole",
        FuncCall call => CatalogFunctions.Contains(call.Name),
        _ => false,
    });
}
