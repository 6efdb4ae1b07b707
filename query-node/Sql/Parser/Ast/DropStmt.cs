namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>What a DROP statement removes (PostgreSQL's ObjectType in DropStmt.removeType).</summary>
public enum ObjectType
{
    Table,
    Sequence,
    View,
    /// <summary>COMMENT ON INDEX.</summary>
    Index,
}

/// <summary>DROP TABLE | SEQUENCE | VIEW [IF EXISTS] names [CASCADE | RESTRICT].</summary>
public sealed record DropStmt(IReadOnlyList<RangeVar> Objects, bool MissingOk, int Location, ObjectType RemoveType = ObjectType.Table) : Statement(Location)
{
    /// <summary>DROP TABLE ... CASCADE: the foreign keys of other tables that reference a dropped one go with it.</summary>
    public bool Cascade { get; init; }
}
