namespace Log.QueryNode.Sql.Catalog;

/// <summary>A view (pg_class relkind 'v' + its pg_rewrite rule): the query's source text, bound afresh wherever the
/// view is read, and the names of its columns (the CREATE VIEW column list, else the query's own names). Id is the
/// view's relation id (from the table id counter, so it is unique among relations).</summary>
public sealed record ViewDescriptor(long Id, string Name, IReadOnlyList<string> ColumnNames, string QueryText)
{
    /// <summary>WITH LOCAL CHECK OPTION ("local"), WITH [CASCADED] CHECK OPTION ("cascaded"), or none (null): the rows
    /// INSERT and UPDATE write through the view must satisfy its WHERE (and, cascaded, those of the views under it).</summary>
    public string? CheckOption { get; init; }
}
