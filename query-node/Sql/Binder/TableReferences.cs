using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// Every table name a statement's parse tree mentions in a FROM clause, a WITH query, a subquery or as the target of
/// a data-modifying statement. The engine looks these up in the catalog before binding, so that the binder itself
/// never waits on storage. Names that turn out to be WITH queries are looked up too (and not found, or found and
/// unused): harmless. The row type a jsonb_populate_record in FROM names (<c>NULL::t</c>) is a table's, looked up too.
/// </summary>
internal static class TableReferences
{
    public static List<RangeVar> Collect(Node node)
    {
        var relations = new List<RangeVar>();
        foreach (Node child in ParseTree.Walk(node))
        {
            if (child is RangeVar relation) relations.Add(relation);
            else if (child is RangeFunction { Function: var call } && SqlBinder.PopulateRowType(call) is { } rowType) relations.Add(rowType);
        }
        return relations;
    }
}
