using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// Every table name a statement's parse tree mentions in a FROM clause, a WITH query, a subquery or as the target of
/// a data-modifying statement. The engine looks these up in the catalog before binding, so that the binder itself
/// never waits on storage. Names that turn out to be WITH queries are looked up too (and not found, or found and
/// unused): harmless.
/// </summary>
internal static class TableReferences
{
    public static List<RangeVar> Collect(Node node) => ParseTree.Walk(node).OfType<RangeVar>().ToList();
}
