namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>INSERT INTO relation [(columns)] VALUES (...), ... | DEFAULT VALUES | SELECT ... [RETURNING ...].
/// Columns is null when no column list was given; ValuesLists is empty for DEFAULT VALUES.</summary>
public sealed record InsertStmt(
    RangeVar Relation,
    IReadOnlyList<ResTarget>? Columns,
    IReadOnlyList<IReadOnlyList<Expression>> ValuesLists,
    SelectStmt? Select,
    IReadOnlyList<ResTarget>? ReturningList,
    int Location) : Statement(Location);
