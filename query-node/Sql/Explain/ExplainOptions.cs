using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Explain;

/// <summary>EXPLAIN's options, checked as PostgreSQL's ExplainQuery checks them. Only the text format is written;
/// BUFFERS, WAL and SETTINGS are accepted and print nothing (there are no shared buffers here).</summary>
internal sealed record ExplainOptions(bool Analyze, bool Verbose, bool Costs, bool Timing, bool Summary)
{
    public static ExplainOptions From(ExplainStmt explain)
    {
        bool analyze = false, verbose = false, costs = true, summary = false;
        bool? timing = null, summarySet = null;
        foreach ((string name, string? value) in explain.Options)
        {
            switch (name)
            {
                case "analyze": analyze = Boolean(name, value); break;
                case "verbose": verbose = Boolean(name, value); break;
                case "costs": costs = Boolean(name, value); break;
                case "timing": timing = Boolean(name, value); break;
                case "summary": summarySet = Boolean(name, value); break;
                case "buffers" or "wal" or "settings": Boolean(name, value); break;
                case "format":
                    string format = value?.ToLowerInvariant() ?? "";
                    if (format is "xml" or "json" or "yaml")
                    {
                        throw new SqlException(SqlState.FeatureNotSupported, $"EXPLAIN format {format} is not supported");
                    }
                    if (format != "text")
                    {
                        throw new SqlException(SqlState.InvalidParameterValue, $"unrecognized value for EXPLAIN option \"format\": \"{value}\"");
                    }
                    break;
                default:
                    throw new SqlException(SqlState.SyntaxError, $"unrecognized EXPLAIN option \"{name}\"");
            }
        }
        if (timing == true && !analyze)
        {
            throw new SqlException(SqlState.InvalidParameterValue, "EXPLAIN option TIMING requires ANALYZE");
        }
        summary = summarySet ?? analyze;
        return new ExplainOptions(analyze, verbose, costs, timing ?? analyze, summary);
    }

    private static bool Boolean(string name, string? value) => value?.ToLowerInvariant() switch
    {
        null or "true" or "on" or "1" or "yes" => true,
        "false" or "off" or "0" or "no" => false,
        _ => throw new SqlException(SqlState.SyntaxError, $"{name} requires a Boolean value"),
    };
}
