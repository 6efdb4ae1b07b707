using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// CREATE SCHEMA and DROP SCHEMA where only "public" exists (and pg_catalog, implicitly): what pg_dump-style scripts
/// and ORM migrations run works (CREATE SCHEMA IF NOT EXISTS public; DROP SCHEMA IF EXISTS of a schema that is not
/// there), with PostgreSQL's answers; making another schema, or dropping public, is 0A000. Schemas as catalog objects
/// (tables unique within their schema, search_path) are not built yet.
/// </summary>
internal static class SchemaExecutor
{
    public static StatementResult Create(CreateSchemaStmt create)
    {
        if (IsBuiltIn(create.Name))
        {
            if (create.IfNotExists)
            {
                return new StatementResult(null, null, "CREATE SCHEMA") { Notices = [$"schema \"{create.Name}\" already exists, skipping"] };
            }
            throw new SqlException("42P06", $"schema \"{create.Name}\" already exists");
        }
        throw new SqlException(SqlState.FeatureNotSupported, $"CREATE SCHEMA is not supported: only the schema \"{SqlCatalog.DefaultSchema}\" exists");
    }

    public static StatementResult Drop(DropSchemaStmt drop)
    {
        var notices = new List<string>();
        foreach (string name in drop.Names)
        {
            if (IsBuiltIn(name)) throw new SqlException(SqlState.FeatureNotSupported, $"DROP SCHEMA {name} is not supported");
            if (!drop.MissingOk) throw new SqlException("3F000", $"schema \"{name}\" does not exist");
            notices.Add($"schema \"{name}\" does not exist, skipping");
        }
        return new StatementResult(null, null, "DROP SCHEMA") { Notices = notices };
    }

    private static bool IsBuiltIn(string name) => name is SqlCatalog.DefaultSchema or "pg_catalog" or "information_schema";
}
