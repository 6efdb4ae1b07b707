namespace Log.QueryNode.Sql.Catalog;

/// <summary>
/// The name a relation (table, view, sequence, index) has in the catalog's keys: its own name in public, so that every
/// descriptor stored before schemas existed reads as public's; schema, a NUL and the name elsewhere. NUL can appear in
/// no SQL identifier, so the two never collide, and everything that names a relation in the catalog (foreign keys,
/// OWNED BY, comments, the names derived from a table's, t_pkey and t_id_seq) carries the schema along with the name.
/// </summary>
internal static class RelationNames
{
    public const char Separator = '\0';

    public static string Compose(string schema, string name) =>
        schema == SqlCatalog.DefaultSchema ? name : schema + Separator + name;

    /// <summary>The schema and the relation's own name of a catalog name.</summary>
    public static (string Schema, string Name) Split(string catalogName)
    {
        int separator = catalogName.IndexOf(Separator, StringComparison.Ordinal);
        return separator < 0 ? (SqlCatalog.DefaultSchema, catalogName) : (catalogName[..separator], catalogName[(separator + 1)..]);
    }

    public static string SchemaOf(string catalogName) => Split(catalogName).Schema;

    public static string NameOf(string catalogName) => Split(catalogName).Name;

    /// <summary>schema.name as messages print a qualified name (the name alone in public).</summary>
    public static string Display(string text) => text.Replace(Separator, '.');

    /// <summary>The name as SQL text that reads back to it (nextval's argument): the name alone in public, else
    /// "schema"."name" quoted where needed.</summary>
    public static string QualifiedText(string catalogName)
    {
        (string schema, string name) = Split(catalogName);
        return schema == SqlCatalog.DefaultSchema ? name : Functions.BuiltinFunctions.QuoteIdentifier(schema) + "." + Functions.BuiltinFunctions.QuoteIdentifier(name);
    }

    /// <summary>The default of a serial or identity column drawing from the sequence: nextval reads its argument as a
    /// relation name, so a name that needs quotes (blogs_Id_seq) is quoted, as PostgreSQL writes it.</summary>
    public static string NextvalDefault(string sequenceName)
    {
        string quotedName = SchemaOf(sequenceName) == SqlCatalog.DefaultSchema
            ? Functions.BuiltinFunctions.QuoteIdentifier(sequenceName)
            : QualifiedText(sequenceName);
        return $"nextval('{quotedName.Replace("'", "''", StringComparison.Ordinal)}')";
    }

    /// <summary>A name derived from another relation's (a constraint's, an index's): in the same schema.</summary>
    public static string InSchemaOf(string catalogName, string name) => Compose(SchemaOf(catalogName), name);
}
