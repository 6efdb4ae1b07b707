namespace Log.QueryNode.Sql.Parser.Ast;

public abstract record AlterTableCmd(int Location) : Node(Location);

/// <summary>ADD [COLUMN] [IF NOT EXISTS] column definition.</summary>
public sealed record AddColumnCmd(ColumnDef Column, bool MissingOk, int Location) : AlterTableCmd(Location);

/// <summary>DROP [COLUMN] [IF EXISTS] name.</summary>
public sealed record DropColumnCmd(string Name, bool MissingOk, int Location) : AlterTableCmd(Location);

/// <summary>RENAME [COLUMN] old TO new.</summary>
public sealed record RenameColumnCmd(string OldName, string NewName, int Location) : AlterTableCmd(Location);

/// <summary>RENAME TO new.</summary>
public sealed record RenameTableCmd(string NewName, int Location) : AlterTableCmd(Location);

/// <summary>ALTER TABLE [IF EXISTS] relation command, ... (PostgreSQL's AlterTableStmt).</summary>
public sealed record AlterTableStmt(RangeVar Relation, bool MissingOk, IReadOnlyList<AlterTableCmd> Commands, int Location) : Statement(Location);
