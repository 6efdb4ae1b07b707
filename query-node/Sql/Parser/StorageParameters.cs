using System.Globalization;
using Log.QueryNode.Execution;

namespace Log.QueryNode.Sql.Parser;

/// <summary>
/// The storage parameters of CREATE TABLE ... WITH (...), PostgreSQL's heap reloptions (reloptions.c): each is checked
/// by name, type and range as PostgreSQL checks it, so a script written for PostgreSQL (pgbench's fillfactor=100) runs
/// and a misspelt option fails the same way (22023). Log keeps none of them: they tune PostgreSQL's heap pages,
/// autovacuum and TOAST, none of which Log has.
/// </summary>
internal static class StorageParameters
{
    private enum Kind
    {
        Boolean,
        Integer,
        Real,
        IndexCleanup,
    }

    /// <summary>One heap option: its type, its bounds (integer and real ones) and whether the toast. namespace has it too.</summary>
    private sealed record Option(Kind Kind, double Minimum, double Maximum, bool OnToast);

    private static readonly Dictionary<string, Option> Options = new(StringComparer.Ordinal)
    {
        ["fillfactor"] = new(Kind.Integer, 10, 100, OnToast: false),
        ["toast_tuple_target"] = new(Kind.Integer, 128, 8160, OnToast: false),
        ["parallel_workers"] = new(Kind.Integer, 0, 1024, OnToast: false),
        ["user_catalog_table"] = new(Kind.Boolean, 0, 0, OnToast: false),
        ["autovacuum_enabled"] = new(Kind.Boolean, 0, 0, OnToast: true),
        ["vacuum_truncate"] = new(Kind.Boolean, 0, 0, OnToast: true),
        ["vacuum_index_cleanup"] = new(Kind.IndexCleanup, 0, 0, OnToast: true),
        ["autovacuum_vacuum_threshold"] = new(Kind.Integer, 0, int.MaxValue, OnToast: true),
        ["autovacuum_vacuum_insert_threshold"] = new(Kind.Integer, -1, int.MaxValue, OnToast: true),
        ["autovacuum_analyze_threshold"] = new(Kind.Integer, 0, int.MaxValue, OnToast: false),
        ["autovacuum_vacuum_cost_limit"] = new(Kind.Integer, 1, 10000, OnToast: true),
        ["autovacuum_freeze_min_age"] = new(Kind.Integer, 0, 1000000000, OnToast: true),
        ["autovacuum_multixact_freeze_min_age"] = new(Kind.Integer, 0, 1000000000, OnToast: true),
        ["autovacuum_freeze_max_age"] = new(Kind.Integer, 100000, 2000000000, OnToast: true),
        ["autovacuum_multixact_freeze_max_age"] = new(Kind.Integer, 10000, 2000000000, OnToast: true),
        ["autovacuum_freeze_table_age"] = new(Kind.Integer, 0, 2000000000, OnToast: true),
        ["autovacuum_multixact_freeze_table_age"] = new(Kind.Integer, 0, 2000000000, OnToast: true),
        ["log_autovacuum_min_duration"] = new(Kind.Integer, -1, int.MaxValue, OnToast: true),
        ["autovacuum_vacuum_cost_delay"] = new(Kind.Real, 0, 100, OnToast: true),
        ["autovacuum_vacuum_scale_factor"] = new(Kind.Real, 0, 100, OnToast: true),
        ["autovacuum_vacuum_insert_scale_factor"] = new(Kind.Real, 0, 100, OnToast: true),
        ["autovacuum_analyze_scale_factor"] = new(Kind.Real, 0, 100, OnToast: false),
    };

    /// <summary>Checks one [namespace.]name [= value] (value null when absent, which PostgreSQL reads as "true").
    /// <paramref name="seen"/> collects the options already given, for "specified more than once".</summary>
    public static void Check(string? space, string name, string? value, HashSet<string> seen)
    {
        if (space is not null && space != "toast")
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"unrecognized parameter namespace \"{space}\"");
        }
        if (!Options.TryGetValue(name, out Option? option) || space is not null && !option.OnToast)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"unrecognized parameter \"{name}\"");
        }
        if (!seen.Add((space is null ? "" : space + ".") + name))
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"parameter \"{name}\" specified more than once");
        }
        string text = value ?? "true";
        switch (option.Kind)
        {
            case Kind.Boolean:
                if (ParseBoolean(text) is null) throw InvalidValue("boolean", name, text);
                break;
            case Kind.IndexCleanup:
                if (text.ToLowerInvariant() != "auto" && ParseBoolean(text) is null)
                {
                    throw new SqlException(SqlState.InvalidParameterValue, $"invalid value for enum option \"{name}\": {text}",
                        detail: "Valid values are \"on\", \"off\", and \"auto\".");
                }
                break;
            case Kind.Integer:
                if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int integer))
                {
                    throw InvalidValue("integer", name, text);
                }
                if (integer < option.Minimum || integer > option.Maximum)
                {
                    throw OutOfBounds(text, name, option.Minimum.ToString("0", CultureInfo.InvariantCulture), option.Maximum.ToString("0", CultureInfo.InvariantCulture));
                }
                break;
            case Kind.Real:
                if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double real))
                {
                    throw InvalidValue("floating point", name, text);
                }
                if (real < option.Minimum || real > option.Maximum)
                {
                    throw OutOfBounds(text, name, option.Minimum.ToString("F6", CultureInfo.InvariantCulture), option.Maximum.ToString("F6", CultureInfo.InvariantCulture));
                }
                break;
        }
    }

    /// <summary>PostgreSQL's parse_bool: true/false, yes/no and their unique prefixes, on/off, 1/0.</summary>
    private static bool? ParseBoolean(string text)
    {
        string word = text.Trim().ToLowerInvariant();
        if (word.Length == 0) return null;
        if ("true".StartsWith(word, StringComparison.Ordinal) || "yes".StartsWith(word, StringComparison.Ordinal) || word is "on" or "1") return true;
        if ("false".StartsWith(word, StringComparison.Ordinal) || "no".StartsWith(word, StringComparison.Ordinal) || word is "off" or "0") return false;
        return null;
    }

    private static SqlException InvalidValue(string type, string name, string text) =>
        new(SqlState.InvalidParameterValue, $"invalid value for {type} option \"{name}\": {text}");

    private static SqlException OutOfBounds(string text, string name, string minimum, string maximum) =>
        new(SqlState.InvalidParameterValue, $"value {text} out of bounds for option \"{name}\"",
            detail: $"Valid values are between \"{minimum}\" and \"{maximum}\".");
}
