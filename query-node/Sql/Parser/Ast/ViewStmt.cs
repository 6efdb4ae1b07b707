namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>CREATE [OR REPLACE] VIEW name [(column, ...)] AS query; QueryText is the query's source text, which the
/// catalog stores and the binder parses again wherever the view is read.</summary>
public sealed record ViewStmt(RangeVar View, IReadOnlyList<string>? Aliases, SelectStmt Query, string QueryText, bool Replace, int Location) : Statement(Location)
{
    /// <summary>WITH LOCAL CHECK OPTION: "local"; WITH [CASCADED] CHECK OPTION: "cascaded"; none: null.</summary>
    public string? CheckOption { get; init; }
}
