using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>A sequence named in FROM reads as PostgreSQL's one-row relation (last_value, log_cnt, is_called), which
/// clients such as DBeaver read for a sequence's current value.</summary>
internal sealed partial class SqlBinder
{
    /// <summary>The sequence relation's columns, as pg_attribute lists them.</summary>
    internal static readonly (string Name, SqlType Type)[] SequenceRelationColumns =
        [("last_value", SqlType.Int8), ("log_cnt", SqlType.Int8), ("is_called", SqlType.Bool)];

    private static BoundFromItem BindSequenceRelation(SequenceDescriptor sequence, RangeVar rangeVar, string referenceName)
    {
        IReadOnlyList<string> names = ApplyColumnAliases(SequenceRelationColumns.Select(column => column.Name).ToArray(), rangeVar.ColumnAliases,
            referenceName, rangeVar.Location);
        var columns = new ScopeColumn[names.Count];
        for (int index = 0; index < columns.Length; index++)
        {
            columns[index] = new ScopeColumn(names[index], new BoundColumn(index, SequenceRelationColumns[index].Type, $"{referenceName}.{names[index]}", -1));
        }
        BoundExpression[] arguments = [new BoundConstant(sequence.Id, SqlType.Int8)];
        var plan = new LogicalFunctionScan(TableFunction.SequenceRelation, arguments, SequenceRelationColumns.Select(column => column.Type).ToArray(),
            withOrdinality: false, RelationNames.NameOf(sequence.Name));
        var item = new ScopeItem(referenceName, columns, rangeVar.Location, SystemColumns: SystemColumns.Of(Catalog.System.ObjectIds.Relation(sequence.Id)));
        return new BoundFromItem(plan, [item], item, Lateral: false);
    }
}
