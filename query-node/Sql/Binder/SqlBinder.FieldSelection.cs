using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// Field selection from composite values (PostgreSQL's parse_expr.c transformIndirection and ParseComplexProjection):
/// (record).field reads one field of a row constructor, a whole-row reference, a function's OUT columns, a subquery's
/// record column or a scalar subquery's record, by the <see cref="RecordShape"/> the binder knows for it; (record).*
/// expands to every field where a list of values is expected (a select list, RETURNING, ROW(...)) and is refused
/// elsewhere, as in PostgreSQL.
/// </summary>
internal sealed partial class SqlBinder
{
    private BoundExpression BindFieldIndirection(FieldIndirection indirection)
    {
        if (indirection.Star)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "row expansion via \"*\" is not supported here", indirection.Location + 1);
        }
        return SelectField(Bind(indirection.Argument), indirection.Field!, indirection.Location);
    }

    /// <summary>One field of a record value: the field's own expression for a row constructor or whole-row reference
    /// (as PostgreSQL simplifies FieldSelect over a RowExpr), a <see cref="BoundFieldSelect"/> otherwise.</summary>
    private static BoundExpression SelectField(BoundExpression record, string field, int location)
    {
        RecordShape shape = ShapeForSelection(record, "." + field, location);
        int index = shape.IndexOf(field);
        if (index < 0)
        {
            string message = shape.RelationName is not null ? $"column {shape.RelationName}.{field} does not exist"
                : shape.TypeName is not null ? $"column \"{field}\" not found in data type {shape.TypeName}"
                : $"could not identify column \"{field}\" in record data type";
            throw new SqlException(SqlState.UndefinedColumn, message, location + 1);
        }
        return record is BoundRow row ? row.Fields[index] : new BoundFieldSelect(record, index, field, shape.Types[index]);
    }

    /// <summary>The fields of a value that (record).field or (record).* reads, with PostgreSQL's errors for a value that
    /// is not a record (42809) and for an anonymous record whose fields are unknown (42703).</summary>
    private static RecordShape ShapeForSelection(BoundExpression record, string notation, int location)
    {
        if (record.Type.Kind != TypeKind.Record)
        {
            throw new SqlException(EngineSqlState.WrongObjectType,
                $"column notation {notation} applied to type {record.Type.DisplayName}, which is not a composite type", location + 1);
        }
        if (RecordShape.Of(record) is { } shape) return shape;
        if (notation == ".*") throw new SqlException(EngineSqlState.WrongObjectType, "record type has not been registered", location + 1);
        throw new SqlException(SqlState.UndefinedColumn, $"could not identify column \"{notation[1..]}\" in record data type", location + 1);
    }

    /// <summary>(record).*: each field with its name, the record computed once (a set-returning call stays one call).</summary>
    private List<(string Name, BoundExpression Field)> ExpandFieldStar(FieldIndirection star)
    {
        BoundExpression record = Bind(star.Argument);
        RecordShape shape = ShapeForSelection(record, ".*", star.Location);
        var fields = new List<(string, BoundExpression)>(shape.Names.Count);
        foreach (string name in shape.Names) fields.Add((name, SelectField(record, name, star.Location)));
        return fields;
    }

    /// <summary>A select-list or RETURNING entry that is (record).*: one output column per field.</summary>
    private void ExpandFieldStarTarget(FieldIndirection star, List<BoundExpression> targets, List<ResultColumn> columns)
    {
        foreach ((string name, BoundExpression field) in ExpandFieldStar(star))
        {
            targets.Add(field);
            columns.Add(ResultColumnOf(name, field));
        }
    }
}
