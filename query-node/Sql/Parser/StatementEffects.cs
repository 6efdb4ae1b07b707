using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

/// <summary>What running a parsed statement may do beyond reading: write rows (INSERT / UPDATE / DELETE, also inside
/// WITH) or lock them (FOR UPDATE and its kin, anywhere in a query), so the session knows whether it is read-only.
/// (<see cref="ParseTree.Walk"/> keeps its own stack: a long left-deep operator chain is deeper than the thread's stack.)</summary>
internal static class StatementEffects
{
    public static bool WritesOrLocks(Statement statement) =>
        ParseTree.Walk(statement, descend: node => node is not ExplainStmt explain || IsAnalyze(explain))
            .Any(node => node is InsertStmt or UpdateStmt or DeleteStmt or SelectStmt { ForUpdate: true });

    /// <summary>EXPLAIN runs its statement only with ANALYZE (bare, or with a true value).</summary>
    public static bool IsAnalyze(ExplainStmt explain) =>
        explain.Options.TryGetValue("analyze", out string? value) && value?.ToLowerInvariant() is null or "true" or "on" or "1" or "yes";
}
