namespace Log.QueryNode.Sql.Parser;

/// <summary>PostgreSQL's keyword categories (kwlist.h) where the grammar cares: reserved keywords can be neither a
/// column nor a table name unquoted; type/function-name keywords cannot be a bare table alias.</summary>
internal static class Keywords
{
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast", "check",
        "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role", "current_time",
        "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except",
        "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in", "initially", "intersect", "into",
        "lateral", "leading", "limit", "localtime", "localtimestamp", "not", "null", "offset", "on", "only", "or", "order",
        "placing", "primary", "references", "returning", "select", "session_user", "some", "symmetric", "system_user",
        "table", "then", "to", "trailing", "true", "union", "unique", "user", "using", "variadic", "when", "where",
        "window", "with",
    };

    private static readonly HashSet<string> TypeFunctionName = new(StringComparer.Ordinal)
    {
        "authorization", "binary", "collation", "concurrently", "cross", "current_schema", "freeze", "full", "ilike",
        "inner", "is", "isnull", "join", "left", "like", "natural", "notnull", "outer", "overlaps", "right", "similar",
        "tablesample", "verbose",
    };

    public static bool IsReserved(string word) => Reserved.Contains(word);

    /// <summary>Whether an unquoted word can stand as a table alias or column name without AS (ColId).</summary>
    public static bool CanBeColumnIdentifier(string word) => !Reserved.Contains(word) && !TypeFunctionName.Contains(word);
}
