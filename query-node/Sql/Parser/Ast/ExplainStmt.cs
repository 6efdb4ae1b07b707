namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>EXPLAIN [ANALYZE] [VERBOSE] statement, or EXPLAIN (option [value], ...) statement. Options are kept by
/// lower-case name (analyze, verbose, costs, buffers, timing, summary, format) with their value as written (null for
/// a bare option, which means true).</summary>
public sealed record ExplainStmt(Statement Query, IReadOnlyDictionary<string, string?> Options, int Location) : Statement(Location);
