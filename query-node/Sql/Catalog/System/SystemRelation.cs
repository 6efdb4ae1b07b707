using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>
/// A relation whose rows are computed from the statement's <see cref="CatalogSnapshot"/> when a scan opens (a pg_catalog
/// or information_schema relation). The planner reads it whole; filters and joins above it are the ordinary operators.
/// </summary>
internal sealed class SystemRelation : IRelation
{
    private readonly Func<CatalogSnapshot, SystemRelation, IEnumerable<object?[]>> _rows;
    private readonly Dictionary<string, int> _ordinals;

    public SystemRelation(SystemRelationShape shape, string schema, Func<CatalogSnapshot, SystemRelation, IEnumerable<object?[]>> rows)
    {
        Shape = shape;
        Schema = schema;
        _rows = rows;
        ColumnNames = shape.Columns.Select(column => column.Name).ToArray();
        ColumnTypes = shape.Columns.Select(column => column.Type).ToArray();
        _ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int ordinal = 0; ordinal < ColumnNames.Count; ordinal++) _ordinals[ColumnNames[ordinal]] = ordinal;
    }

    public SystemRelationShape Shape { get; }

    /// <summary>pg_catalog or information_schema.</summary>
    public string Schema { get; }

    public string Name => Shape.Name;

    public IReadOnlyList<string> ColumnNames { get; }

    public IReadOnlyList<SqlType> ColumnTypes { get; }

    public TableDescriptor? Table => null;

    public IEnumerable<object?[]> Rows(CatalogSnapshot catalog) => _rows(catalog, this);

    /// <summary>A row with the named values and every other column at its type's empty value (0, false, NULL), which is
    /// what PostgreSQL's catalogs hold for the features Log does not have; information_schema's views leave them NULL.</summary>
    public object?[] Row(params (string Column, object? Value)[] values)
    {
        var row = new object?[ColumnTypes.Count];
        if (Schema == SystemRelations.PgCatalogSchema)
        {
            for (int ordinal = 0; ordinal < row.Length; ordinal++) row[ordinal] = EmptyValue(ColumnTypes[ordinal]);
        }
        foreach ((string column, object? value) in values)
        {
            if (!_ordinals.TryGetValue(column, out int ordinal)) throw new InvalidOperationException($"{Name} has no column {column}");
            row[ordinal] = value;
        }
        return row;
    }

    private static object? EmptyValue(SqlType type) => type.Kind switch
    {
        TypeKind.Oid or TypeKind.Int8 => 0L,
        TypeKind.Int4 => 0,
        TypeKind.Int2 => (short)0,
        TypeKind.Float4 => 0f,
        TypeKind.Bool => false,
        _ => null,
    };
}
