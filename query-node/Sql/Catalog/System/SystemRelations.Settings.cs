namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>
/// pg_settings: every setting SHOW and current_setting answer, with PostgreSQL 15's description of it (the name as
/// PostgreSQL spells it, category, descriptions, context, type and bounds), so that a client's settings panel (DBeaver's
/// server properties) reads what it reads from PostgreSQL. The values are this server's, the session's where it set one.
/// </summary>
internal static partial class SystemRelations
{
    private sealed record SettingDescription(string Name, string Category, string ShortDescription, string? ExtraDescription, string Context,
        string VariableType, string? EnumValues = null, string? MinimumValue = null, string? MaximumValue = null);

    private const string StatementBehavior = "Client Connection Defaults / Statement Behavior";
    private const string LocaleAndFormatting = "Client Connection Defaults / Locale and Formatting";
    private const string PresetOptions = "Preset Options";
    private const string IsolationLevels = "{serializable,\"repeatable read\",\"read committed\",\"read uncommitted\"}";

    /// <summary>By the lower-case name SHOW takes. A setting PostgreSQL hides from pg_settings (is_superuser) has none.</summary>
    private static readonly Dictionary<string, SettingDescription> SettingDescriptions = new SettingDescription[]
    {
        new("application_name", "Reporting and Logging / What to Log", "Sets the application name to be reported in statistics and logs.", null, "user", "string"),
        new("client_encoding", LocaleAndFormatting, "Sets the client's character set encoding.", null, "user", "string"),
        new("DateStyle", LocaleAndFormatting, "Sets the display format for date and time values.", "Also controls interpretation of ambiguous date inputs.", "user", "string"),
        new("default_transaction_isolation", StatementBehavior, "Sets the transaction isolation level of each new transaction.", null, "user", "enum", IsolationLevels),
        new("default_transaction_read_only", StatementBehavior, "Sets the default read-only status of new transactions.", null, "user", "bool"),
        new("extra_float_digits", LocaleAndFormatting, "Sets the number of digits displayed for floating-point values.",
            "This affects real, double precision, and geometric data types. A zero or negative parameter value is added to the standard number of digits " +
            "(FLT_DIG or DBL_DIG as appropriate). Any value greater than zero selects precise output mode.", "user", "integer", MinimumValue: "-15", MaximumValue: "3"),
        new("integer_datetimes", PresetOptions, "Shows whether datetimes are integer based.", null, "internal", "bool"),
        new("IntervalStyle", LocaleAndFormatting, "Sets the display format for interval values.", null, "user", "enum", "{postgres,postgres_verbose,sql_standard,iso_8601}"),
        new("lc_collate", PresetOptions, "Shows the collation order locale.", null, "internal", "string"),
        new("lc_ctype", PresetOptions, "Shows the character classification and case conversion locale.", null, "internal", "string"),
        new("block_size", PresetOptions, "Shows the size of a disk block.", null, "internal", "integer"),
        new("max_index_keys", PresetOptions, "Shows the maximum number of index keys.", null, "internal", "integer"),
        new("max_identifier_length", PresetOptions, "Shows the maximum identifier length.", null, "internal", "integer", MinimumValue: "63", MaximumValue: "63"),
        new("search_path", StatementBehavior, "Sets the schema search order for names that are not schema-qualified.", null, "user", "string"),
        new("server_encoding", PresetOptions, "Shows the server (database) character set encoding.", null, "internal", "string"),
        new("server_version", PresetOptions, "Shows the server version.", null, "internal", "string"),
        new("server_version_num", PresetOptions, "Shows the server version as an integer.", null, "internal", "integer"),
        new("standard_conforming_strings", "Version and Platform Compatibility / Previous PostgreSQL Versions", "Causes '...' strings to treat backslashes literally.",
            null, "user", "bool"),
        new("TimeZone", LocaleAndFormatting, "Sets the time zone for displaying and interpreting time stamps.", null, "user", "string"),
        new("transaction_isolation", StatementBehavior, "Sets the current transaction's isolation level.", null, "user", "enum", IsolationLevels),
        new("transaction_read_only", StatementBehavior, "Sets the current transaction's read-only status.", null, "user", "bool"),
    }.ToDictionary(description => description.Name.ToLowerInvariant(), StringComparer.Ordinal);

    private static IEnumerable<object?[]> SettingRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        var described = Executor.VariableExecutor.SettingNames.Where(SettingDescriptions.ContainsKey)
            .Select(name => (Name: name, Description: SettingDescriptions[name])).OrderBy(setting => setting.Description.Name, StringComparer.Ordinal);
        foreach ((string name, SettingDescription description) in described)
        {
            string? boot = Executor.VariableExecutor.DefaultSetting(name);
            string? value = catalog.Session?.GetSetting(name) ?? boot;
            // An internal setting cannot change, so its bounds are its value (server_version_num's are this server's).
            bool fixedInteger = description is { Context: "internal", VariableType: "integer" };
            yield return relation.Row(("name", description.Name), ("setting", value), ("category", description.Category),
                ("short_desc", description.ShortDescription), ("extra_desc", description.ExtraDescription), ("context", description.Context),
                ("vartype", description.VariableType), ("source", "default"),
                ("min_val", fixedInteger ? boot : description.MinimumValue), ("max_val", fixedInteger ? boot : description.MaximumValue),
                ("enumvals", description.EnumValues), ("boot_val", boot), ("reset_val", boot), ("sourceline", null), ("pending_restart", false));
        }
    }
}
