namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>BEGIN / START TRANSACTION / COMMIT / END / ROLLBACK / ABORT / SAVEPOINT / RELEASE / ROLLBACK TO; the session
/// runs these itself. ReadOnly is true for READ ONLY, false for READ WRITE, null when not said.</summary>
public sealed record TransactionStmt(TransactionControl Kind, string CommandTag, int Location, bool? ReadOnly = null) : Statement(Location)
{
    /// <summary>The savepoint that SAVEPOINT, RELEASE and ROLLBACK TO name; null for the other kinds.</summary>
    public string? SavepointName { get; init; }
}
