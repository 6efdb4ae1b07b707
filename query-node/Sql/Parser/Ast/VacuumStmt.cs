namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>VACUUM [(options)] [FULL] [FREEZE] [VERBOSE] [ANALYZE] [table [(columns)], ...] or ANALYZE [(options)]
/// [VERBOSE] [table [(columns)], ...] (PostgreSQL's VacuumStmt, is_vacuumcmd telling the two apart). Log has no dead
/// tuples to reclaim and no statistics to gather, so both only check what they name.</summary>
public sealed record VacuumStmt(bool IsVacuum, IReadOnlyList<VacuumRelation> Relations, int Location) : Statement(Location);

/// <summary>One table of VACUUM or ANALYZE and the columns named for it (empty when none).</summary>
public sealed record VacuumRelation(RangeVar Relation, IReadOnlyList<string> Columns);
