namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>COMMENT ON {TABLE | SEQUENCE | VIEW} relation IS 'text' | NULL, and COMMENT ON COLUMN relation.column IS ...
/// (Column is set, Kind is then Table: the relation may be a table or a view). A NULL comment removes it.</summary>
public sealed record CommentStmt(ObjectType Kind, RangeVar Relation, string? Column, string? Comment, int Location) : Statement(Location);
