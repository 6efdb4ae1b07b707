using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// The fields of a record value as the binder knows them (what PostgreSQL's get_expr_result_tupdesc finds for an
/// expression of type record): names and types in order. Log's record type carries no field names of its own, so
/// the expressions that make records (row constructors, whole-row references, functions with OUT columns) carry
/// their shape, and subquery columns, outer references and scalar subqueries pass it on.
/// </summary>
/// <param name="TypeName">The named composite type the records are of (a table's row type), or null for an anonymous record.</param>
/// <param name="RelationName">For a whole-row reference itself: the FROM item it names (PostgreSQL reports a missing
/// field of it as a missing column of that relation).</param>
internal sealed record RecordShape(IReadOnlyList<string> Names, IReadOnlyList<SqlType> Types, string? TypeName = null, string? RelationName = null)
{
    /// <summary>The position of a field, or -1.</summary>
    public int IndexOf(string name)
    {
        for (int index = 0; index < Names.Count; index++)
        {
            if (Names[index] == name) return index;
        }
        return -1;
    }

    /// <summary>The shape of a record-valued expression, or null when it is unknown (or the value is no record).</summary>
    public static RecordShape? Of(BoundExpression expression) => expression switch
    {
        BoundRow row => row.Shape ?? new RecordShape(
            Enumerable.Range(1, row.Fields.Count).Select(position => "f" + position).ToArray(), row.Fields.Select(field => field.Type).ToArray()),
        BoundSetFunctionCall { RecordFields: { } types, RecordFieldNames: { } names } => new RecordShape(names, types),
        BoundColumn column => column.Shape,
        BoundOuterParam parameter => parameter.Shape,
        BoundSubquery subquery => subquery.Shape,
        _ => null,
    };

    /// <summary>The shape as a column of a subquery passes it on: no longer a reference to a FROM item.</summary>
    public static RecordShape? PassedOn(BoundExpression expression) => Of(expression) is { } shape ? shape with { RelationName = null } : null;
}
