using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>Subqueries as expressions (PostgreSQL's parse_expr.c transformSubLink): EXISTS, scalar, IN / op ANY / op ALL.
/// Each is bound as a query level of its own under this one; the outer values it reads become its arguments.</summary>
internal sealed partial class SqlBinder
{
    private BoundExpression BindSubLink(SubLink link)
    {
        if (link.Type is SubLinkType.Any or SubLinkType.All && link.TestExpression is RowExpr) return BindRowSubLink(link);
        var levelScope = new BindScope(_scope);
        var child = new SqlBinder(_context, levelScope);
        BoundQuery query = child.BindQuery(link.Subselect);
        int id = _context.NextSubqueryId();
        IReadOnlyList<BoundExpression> arguments = levelScope.Captures.ToArray();
        switch (link.Type)
        {
            case SubLinkType.Exists:
                return new BoundSubquery(id, SubLinkType.Exists, query.Plan, arguments, null, null, SqlType.Bool);
            case SubLinkType.Expr:
            {
                if (query.Columns.Count != 1)
                {
                    throw new SqlException(SqlState.SyntaxError, query.Columns.Count == 0 ? "subquery must return only one column" : "subquery must return only one column", link.Location + 1);
                }
                SqlType type = query.Types[0].Kind == TypeKind.Unknown ? SqlType.Text : query.Types[0];
                return new BoundSubquery(id, SubLinkType.Expr, CastColumns(query.Plan, [type]), arguments, null, null, type)
                {
                    Shape = query.Shapes is [var shape] ? shape : null,
                };
            }
            case SubLinkType.Any:
            case SubLinkType.All:
            {
                if (query.Columns.Count != 1)
                {
                    throw new SqlException(SqlState.SyntaxError, query.Columns.Count > 1 ? "subquery has too many columns" : "subquery has too few columns", link.Location + 1);
                }
                BoundExpression test = Bind(link.TestExpression!);
                if (test.Type.Kind == TypeKind.Unknown && query.Types[0].Kind == TypeKind.Unknown) test = CoerceUnknown(test, SqlType.Text, link.TestExpression!.Location);
                SqlType valueType = query.Types[0].Kind == TypeKind.Unknown ? (test.Type.Kind == TypeKind.Unknown ? SqlType.Text : test.Type.WithoutModifier) : query.Types[0];
                LogicalPlan plan = CastColumns(query.Plan, [valueType]);
                // The comparison reads a two-column row: the test value, then one value of the subquery.
                var testColumn = new BoundColumn(0, test.Type, "test", link.Location);
                var valueColumn = new BoundColumn(1, valueType, "subquery", link.Location);
                string op = link.OperatorName ?? "=";
                ComparisonOperator comparisonOperator = ComparisonOf(op) ?? throw OperatorDoesNotExist(op, test.Type, valueType, link.Location);
                var shape = new A_Expr(op, link.TestExpression!, link.TestExpression!, link.Location);
                (BoundExpression left, BoundExpression right, SqlType operandType) = ResolveComparisonOperands(op,
                    shape, test.Type.Kind == TypeKind.Unknown ? test : testColumn, valueColumn);
                if (test.Type.Kind == TypeKind.Unknown)
                {
                    // An untyped literal on the left takes the subquery's type once, as a constant.
                    test = left;
                    left = new BoundColumn(0, test.Type, "test", link.Location);
                }
                var comparison = new BoundComparison(comparisonOperator, left, right, operandType);
                return new BoundSubquery(id, link.Type, plan, arguments, test, comparison, SqlType.Bool);
            }
            default:
            {
                // ARRAY(subquery): the one column's values, in the subquery's order, as a one-dimensional array.
                if (query.Columns.Count != 1)
                {
                    throw new SqlException(SqlState.SyntaxError, "subquery must return only one column", link.Location + 1);
                }
                SqlType element = query.Types[0].Kind == TypeKind.Unknown ? SqlType.Text : query.Types[0];
                if (element.IsArray)
                {
                    throw new SqlException(SqlState.FeatureNotSupported, "ARRAY(subquery) over an array column is not supported", link.Location + 1);
                }
                return new BoundSubquery(id, SubLinkType.Array, CastColumns(query.Plan, [element]), arguments, null, null, SqlType.ArrayOf(element));
            }
        }
    }
}
