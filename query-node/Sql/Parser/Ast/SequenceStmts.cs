namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>One option of CREATE/ALTER SEQUENCE or of an identity column (PostgreSQL's DefElem in SeqOptList): the
/// option's name as gram.y spells it ("as", "increment", "minvalue", "maxvalue", "start", "restart", "cache", "cycle",
/// "owned_by"), and its value: a TypeName for "as"; a long, or null for NO MINVALUE / NO MAXVALUE / RESTART without a
/// value; a bool for "cycle"; the qualified column name (list of names) for "owned_by", or null for OWNED BY NONE.</summary>
public sealed record SequenceOption(string Name, object? Value, int Location) : Node(Location);

/// <summary>CREATE SEQUENCE [IF NOT EXISTS] name [options].</summary>
public sealed record CreateSeqStmt(RangeVar Sequence, IReadOnlyList<SequenceOption> Options, bool IfNotExists, int Location) : Statement(Location);

/// <summary>ALTER SEQUENCE [IF EXISTS] name options.</summary>
public sealed record AlterSeqStmt(RangeVar Sequence, IReadOnlyList<SequenceOption> Options, bool MissingOk, int Location) : Statement(Location);
