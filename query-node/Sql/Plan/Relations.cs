using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Plan;

/// <summary>
/// Something a query can read rows from by name. Stored tables implement it today; virtual relations (pg_catalog,
/// information_schema) and secondary indexes plug in here without touching the operators: the planner asks a
/// stored table for an access path, and reads any other relation whole.
/// </summary>
internal interface IRelation
{
    string Name { get; }

    IReadOnlyList<string> ColumnNames { get; }

    IReadOnlyList<SqlType> ColumnTypes { get; }

    /// <summary>The catalog descriptor of a stored table (key layout, primary key, column ids); null otherwise.</summary>
    TableDescriptor? Table { get; }
}

/// <summary>A table stored in the key space under (table id, primary index, key).</summary>
internal sealed class StoredTable(TableDescriptor table) : IRelation
{
    public string Name => Table.Name;

    public IReadOnlyList<string> ColumnNames { get; } = table.Columns.Select(column => column.Name).ToArray();

    public IReadOnlyList<SqlType> ColumnTypes { get; } = table.Columns.Select(column => column.Type).ToArray();

    public TableDescriptor Table { get; } = table;
}
