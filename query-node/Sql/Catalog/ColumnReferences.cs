using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>
/// The columns of one relation that a statement reads, found in its parse tree, for column privileges (a role granted
/// SELECT on some columns may run a query that reads only those). Before binding, a column is taken to be the relation's
/// when it is qualified by the relation's alias (or name) or is unqualified and the relation has a column of that name;
/// * and alias.* read every column. This may count a column that a subquery reads from another relation of the same
/// column name, so it can refuse a query PostgreSQL would run, never run one PostgreSQL would refuse.
/// </summary>
internal static class ColumnReferences
{
    public static IReadOnlyCollection<string> Read(Node tree, RangeVar relation, IReadOnlyList<string> columnNames)
    {
        string qualifier = relation.Alias ?? relation.RelationName;
        var names = new HashSet<string>(columnNames, StringComparer.Ordinal);
        var read = new HashSet<string>(StringComparer.Ordinal);
        foreach (Node node in ParseTree.Walk(tree))
        {
            if (node is not ColumnRef reference) continue;
            IReadOnlyList<string> fields = reference.Fields;
            if (reference.Star)
            {
                if (fields.Count == 0 || fields[^1] == qualifier) return names;
                continue;
            }
            if (fields.Count == 1)
            {
                // A bare relation alias is its whole row.
                if (fields[0] == qualifier && !names.Contains(fields[0])) return names;
                if (names.Contains(fields[0])) read.Add(fields[0]);
            }
            else if (fields[^2] == qualifier && names.Contains(fields[^1]))
            {
                read.Add(fields[^1]);
            }
            else if (fields[0] == qualifier && names.Contains(fields[1]))
            {
                // (t.composite).field and t.column.field: the column is the second name.
                read.Add(fields[1]);
            }
        }
        return read;
    }
}
