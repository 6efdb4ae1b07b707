using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Plan;

internal enum ModifyKind : byte
{
    Insert,
    Update,
    Delete,
}

/// <summary>
/// INSERT, UPDATE or DELETE of one table (PostgreSQL's ModifyTable). The input produces the rows to write, and is read
/// to its end before anything is written, so the statement never reads its own writes (the Halloween problem):
/// <list type="bullet">
/// <item>Insert: one row of the table's width per row to insert (defaults filled in, values cast by assignment).</item>
/// <item>Update: the new values of every table column, the row's storage key, then the columns of the FROM items.</item>
/// <item>Delete: the old values of every table column, the row's storage key, then the columns of the USING items.</item>
/// </list>
/// Returning is evaluated over the written row (for Insert the row, else the input row with the new values) and is
/// the node's output; without RETURNING the node outputs one empty row per row written, which the statement counts.
/// </summary>
internal sealed class LogicalModify(ModifyKind kind, TableDescriptor table, string referenceName, LogicalPlan input,
    BoundOnConflict? onConflict, IReadOnlyList<BoundExpression>? returning) : LogicalPlan
{
    /// <summary>The type of the row key column (a byte[] the expressions never read).</summary>
    public static readonly SqlType RowKeyType = SqlType.Unknown;

    public ModifyKind Kind { get; } = kind;
    public TableDescriptor Table { get; } = table;
    public string ReferenceName { get; } = referenceName;
    public LogicalPlan Input { get; } = input;
    public BoundOnConflict? OnConflict { get; } = onConflict;
    public IReadOnlyList<BoundExpression>? Returning { get; } = returning;

    /// <summary>WITH CHECK OPTION conditions of the views the statement writes through, over each new row.</summary>
    public IReadOnlyList<ViewCheck> ViewChecks { get; init; } = [];

    public override IReadOnlyList<SqlType> OutputTypes { get; } = returning?.Select(expression => expression.Type).ToArray() ?? [];
}

/// <summary>
/// INSERT's ON CONFLICT: DO NOTHING, or DO UPDATE whose Assignments (one per table column) and Where are evaluated
/// over the existing row followed by the row proposed for insertion (<c>excluded</c>). The only unique index is the
/// primary key, so a conflict is a row at the proposed row's key.
/// </summary>
internal sealed record BoundOnConflict(Parser.Ast.OnConflictAction Action, IReadOnlyList<BoundExpression>? Assignments, BoundExpression? Where)
{
    /// <summary>Whether the statement named the conflict target (columns or constraint), which EXPLAIN shows as the arbiter.</summary>
    public bool HasTarget { get; init; }
}
