using System.Text;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Catalog.Deparse;

/// <summary>
/// A view's query as pg_get_viewdef prints it (ruleutils' get_query_def with PRETTYFLAG_INDENT): each clause on a line
/// of its own, right-aligned keywords, one output column per line, every column reference qualified by its relation,
/// and each output column named with AS where its name is not the column's own.
/// Queries over tables and their joins (with aliases, as a list) are deparsed; anything else (subqueries, USING and
/// NATURAL joins, set operations, WITH) is printed as written, which is what Log kept.
/// </summary>
internal static class ViewDeparser
{
    /// <summary>The indentation of a CASE in a view's select list (ruleutils' PRETTYINDENT_STD, twice).</summary>
    private const int ListIndent = 8;

    /// <summary>The definition of a view as pg_get_viewdef(view, pretty) prints it (with its final semicolon).</summary>
    public static string Definition(CatalogSnapshot catalog, ViewDescriptor view, bool pretty)
    {
        try
        {
            if (Parser.SqlParser.ParseAll(view.QueryText)[0].Statement is SelectStmt select && Deparse(catalog, view, select, pretty) is { } text)
            {
                return text + ";";
            }
        }
        catch (SqlException)
        {
            // Something this deparser does not cover: the text as written still answers.
        }
        return " " + view.QueryText + ";";
    }

    private static string? Deparse(CatalogSnapshot catalog, ViewDescriptor view, SelectStmt select, bool pretty)
    {
        if (select.Op != SetOperation.None || select.With is not null || select.ValuesLists is not null || select.DistinctOn is not null
            || select.WindowClause.Count > 0 || select.ForUpdate || select.From.Count == 0)
        {
            return null;
        }
        var relations = new List<DeparseRelation>();
        foreach (FromItem item in select.From)
        {
            if (!CollectRelations(catalog, item, relations)) return null;
        }
        var deparser = new ExpressionDeparser(relations, qualify: true, pretty) { BaseIndent = ListIndent };
        var builder = new StringBuilder(" SELECT");
        if (select.Distinct) builder.Append(" DISTINCT");
        for (int index = 0; index < select.TargetList.Count; index++)
        {
            ResTarget target = select.TargetList[index];
            if (target.Value is ColumnRef { Star: true }) return null;
            string text = deparser.Deparse(target.Value);
            // A whole row in the select list carries its row type, so that it is not read back as its columns.
            if (deparser.WholeRow(target.Value) is { } wholeRow) text += "::" + RelationNames.QualifiedText(wholeRow.Table.Name);
            // A column that starts a line of its own (a CASE) takes no separator line (ruleutils trims it).
            if (index > 0) builder.Append(',');
            if (!text.StartsWith('\n')) builder.Append(index == 0 ? " " : "\n    ");
            builder.Append(text);
            string name = index < view.ColumnNames.Count ? view.ColumnNames[index] : target.Name ?? "?column?";
            string? ownName = target.Value switch
            {
                ColumnRef column => column.Fields[^1],
                FieldIndirection selection when deparser.WholeRow(selection.Argument) is not null => selection.Field,
                _ => null,
            };
            if (ownName != name) builder.Append(" AS ").Append(QualifiedNames.Quote(name));
        }
        builder.Append("\n   FROM ").Append(string.Join(",\n    ", select.From.Select(item => FromText(item, deparser, pretty))));
        if (select.Where is not null) builder.Append("\n  WHERE ").Append(deparser.Deparse(select.Where));
        if (select.GroupBy.Count > 0)
        {
            if (select.GroupBy.Any(item => item is GroupingSet)) return null;
            builder.Append("\n  GROUP BY ").Append(string.Join(", ", select.GroupBy.Select(deparser.Deparse)));
        }
        if (select.Having is not null) builder.Append("\n HAVING ").Append(deparser.Deparse(select.Having));
        if (select.SortClause.Count > 0)
        {
            builder.Append("\n  ORDER BY ").Append(string.Join(", ", select.SortClause.Select(sort => SortText(deparser, sort))));
        }
        if (select.Offset is not null) builder.Append("\n OFFSET ").Append(deparser.Deparse(select.Offset));
        if (select.Limit is not null) builder.Append("\n LIMIT ").Append(deparser.Deparse(select.Limit));
        return builder.ToString();
    }

    /// <summary>The tables a FROM item reads, in the order their columns follow one another; false for anything but
    /// tables and joins of tables with ON (or CROSS JOIN).</summary>
    private static bool CollectRelations(CatalogSnapshot catalog, FromItem item, List<DeparseRelation> relations)
    {
        switch (item)
        {
            case RangeVar range when catalog.FindRelationOid(range.SchemaName, range.RelationName) is long oid && catalog.FindTable(oid) is { } table:
                relations.Add(new DeparseRelation(table, range.Alias ?? table.Name));
                return true;
            case JoinExpr { IsNatural: false, UsingColumns: null, Alias: null } join:
                return CollectRelations(catalog, join.Left, relations) && CollectRelations(catalog, join.Right, relations);
            default:
                return false;
        }
    }

    /// <summary>A FROM item: a table with its alias, a join as ruleutils lays it out (each JOIN on a line of its own,
    /// the plain form parenthesising every join and its ON condition).</summary>
    private static string FromText(FromItem item, ExpressionDeparser deparser, bool pretty)
    {
        if (item is RangeVar range) return QualifiedNames.Quote(range.RelationName) + (range.Alias is null ? "" : " " + QualifiedNames.Quote(range.Alias));
        var join = (JoinExpr)item;
        string keyword = join.Kind switch
        {
            JoinType.Left => "LEFT JOIN",
            JoinType.Right => "RIGHT JOIN",
            JoinType.Full => "FULL JOIN",
            JoinType.Cross => "CROSS JOIN",
            _ => "JOIN",
        };
        string text = FromText(join.Left, deparser, pretty) + "\n     " + keyword + " " + FromText(join.Right, deparser, pretty);
        if (join.Quals is not null)
        {
            string condition = deparser.Deparse(join.Quals);
            text += pretty ? " ON " + condition : " ON (" + condition + ")";
        }
        return pretty ? text : "(" + text + ")";
    }

    /// <summary>An ORDER BY item: DESC when descending, NULLS FIRST/LAST only where they differ from the default.</summary>
    private static string SortText(ExpressionDeparser deparser, SortBy sort)
    {
        if (sort.Expression is A_Const { Kind: ConstantKind.Integer }) throw new SqlException(SqlState.FeatureNotSupported, "deparsing ORDER BY a position is not supported");
        string text = deparser.Deparse(sort.Expression);
        bool descending = sort.Direction == SortByDirection.Descending;
        if (descending) text += " DESC";
        if (sort.Nulls == SortByNulls.First && !descending) text += " NULLS FIRST";
        if (sort.Nulls == SortByNulls.Last && descending) text += " NULLS LAST";
        return text;
    }
}
