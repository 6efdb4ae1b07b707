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

/// <summary>ALTER [COLUMN] name SET DEFAULT expression | DROP DEFAULT (Default is null).</summary>
public sealed record ColumnDefaultCmd(string Column, Expression? Default, string? DefaultText, int Location) : AlterTableCmd(Location);

/// <summary>ALTER [COLUMN] name SET NOT NULL | DROP NOT NULL.</summary>
public sealed record ColumnNotNullCmd(string Column, bool NotNull, int Location) : AlterTableCmd(Location);

/// <summary>ALTER [COLUMN] name [SET DATA] TYPE type [COLLATE collation] [USING expression] (HasUsing: a USING clause
/// was given; UsingText: its SQL text).</summary>
public sealed record ColumnTypeCmd(string Column, TypeName TypeName, bool HasUsing, int Location) : AlterTableCmd(Location)
{
    public string? UsingText { get; init; }

    public string? Collation { get; init; }
}

/// <summary>ALTER [COLUMN] name ADD GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [(options)].</summary>
public sealed record AddIdentityCmd(string Column, char Identity, IReadOnlyList<SequenceOption> Options, int Location) : AlterTableCmd(Location);

/// <summary>ALTER [COLUMN] name SET GENERATED {ALWAYS | BY DEFAULT}.</summary>
public sealed record SetIdentityCmd(string Column, char Identity, int Location) : AlterTableCmd(Location);

/// <summary>ALTER [COLUMN] name DROP IDENTITY [IF EXISTS].</summary>
public sealed record DropIdentityCmd(string Column, bool MissingOk, int Location) : AlterTableCmd(Location);

/// <summary>SET SCHEMA schema: moves the table, its indexes and the sequences it owns (AlterObjectSchemaStmt).</summary>
public sealed record SetSchemaCmd(string Schema, int Location) : AlterTableCmd(Location);

/// <summary>OWNER TO role.</summary>
public sealed record OwnerCmd(string Role, int Location) : AlterTableCmd(Location);

/// <summary>ADD [CONSTRAINT name] PRIMARY KEY | UNIQUE | CHECK | FOREIGN KEY ... [NOT VALID]; a PRIMARY KEY comes as a
/// UNIQUE constraint with <see cref="IsPrimaryKey"/> set.</summary>
public sealed record AddConstraintCmd(TableConstraint Constraint, bool IsPrimaryKey, bool NotValid, int Location) : AlterTableCmd(Location);

/// <summary>DROP CONSTRAINT [IF EXISTS] name [RESTRICT].</summary>
public sealed record DropConstraintCmd(string Name, bool MissingOk, int Location) : AlterTableCmd(Location);

/// <summary>VALIDATE CONSTRAINT name: checks the rows already there against a constraint added NOT VALID.</summary>
public sealed record ValidateConstraintCmd(string Name, int Location) : AlterTableCmd(Location);
