using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>SET is accepted (the session may act on it; the engine keeps no session state) and SHOW answers the
/// settings drivers ask for with the server's fixed values.</summary>
internal static class VariableExecutor
{
    private static readonly Dictionary<string, string> Settings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["server_version"] = ServerVersion.Number,
        ["server_version_num"] = ServerVersion.NumberAsInteger,
        ["server_encoding"] = "UTF8",
        ["client_encoding"] = "UTF8",
        ["standard_conforming_strings"] = "on",
        ["transaction_isolation"] = "repeatable read",
        ["default_transaction_isolation"] = "repeatable read",
        ["datestyle"] = "ISO, MDY",
        ["timezone"] = "UTC",
        ["integer_datetimes"] = "on",
        ["intervalstyle"] = "postgres",
        ["search_path"] = "\"$user\", public",
        ["max_identifier_length"] = "63",
        ["application_name"] = "",
        ["extra_float_digits"] = "1",
        ["is_superuser"] = "off",
        ["default_transaction_read_only"] = "off",
        ["transaction_read_only"] = "off",
        ["lc_collate"] = "C",
        ["lc_ctype"] = "C",
        // Log's own limit (DSQL's), which pgjdbc reads to know how many key columns an index or foreign key can have.
        ["max_index_keys"] = SqlLimits.IndexKeyColumnsMax.ToString(System.Globalization.CultureInfo.InvariantCulture),
        // The page the size functions count in.
        ["block_size"] = Functions.BuiltinFunctions.PageSizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The value current_setting() reads when no session is there to ask: the server's fixed value, or null.</summary>
    /// <summary>The settings the server knows (pg_settings lists them), in lower case.</summary>
    public static IEnumerable<string> SettingNames => Settings.Keys.Select(name => name.ToLowerInvariant());

    public static string? DefaultSetting(string name) => Settings.TryGetValue(name, out string? value) ? value : null;

    public static StatementResult Execute(Statement statement)
    {
        switch (statement)
        {
            case VariableSetStmt set:
                return new StatementResult(null, null, set.Value is null && set.Name is not ("transaction" or "session_characteristics") ? "RESET" : "SET");
            case VariableShowStmt show:
                if (show.Name == "all")
                {
                    var rows = Settings.OrderBy(setting => setting.Key, StringComparer.Ordinal)
                        .Select(setting => new object?[] { setting.Key, setting.Value, "" }).ToList();
                    return new StatementResult(
                        [ResultColumn.For("name", SqlType.Text), ResultColumn.For("setting", SqlType.Text), ResultColumn.For("description", SqlType.Text)],
                        rows, "SHOW");
                }
                if (!Settings.TryGetValue(show.Name, out string? value))
                {
                    throw new SqlException(SqlState.UndefinedObject, $"unrecognized configuration parameter \"{show.Name}\"");
                }
                return new StatementResult([ResultColumn.For(show.Name, SqlType.Text)], [[value]], "SHOW");
            default:
                throw new InvalidOperationException(statement.GetType().Name);
        }
    }
}
