using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// What a write of a table whose columns are being rewritten to new types (<see cref="TableRewrite"/>) does beyond an
/// ordinary write, bound once per descriptor: the row as the table will be after the switch (<see cref="FinalRow"/>:
/// the converted columns in place of the old ones), which it checks against the switched table's NOT NULL and CHECK
/// constraints and indexes in the new indexes; and the stored row, which holds both the old values (for readers of the
/// current descriptor) and the converted ones under the target column ids (for the switch). The rewrite job and every
/// writer go through here, so the rows they write agree.
/// </summary>
internal sealed class RewriteSchema
{
    private readonly (int FinalOrdinal, BoundExpression Conversion)[] _conversions;
    private readonly int[] _currentOrdinalOfFinal;

    public RewriteSchema(TableDescriptor table, TableRewrite rewrite)
    {
        Final = Switched(table);
        FinalSchema = WriteSchema.For(Final);
        var newIndexIds = rewrite.NewIndexes.Select(index => index.Id).ToHashSet();
        NewIndexes = FinalSchema.Indexes.Where(index => newIndexIds.Contains(index.Descriptor.Id)).ToArray();
        _conversions = rewrite.Conversions
            .Select(conversion => (Final.OrdinalOfColumnId(conversion.SourceColumnId), Conversion(table, conversion)))
            .Where(conversion => conversion.Item1 >= 0)
            .ToArray();
        _currentOrdinalOfFinal = Final.Columns.Select(column => table.OrdinalOfColumnId(column.Id)).ToArray();
        // Under ids of their own in this descriptor, which only encodes rows.
        var targets = _conversions.Select(conversion => Final.Columns[conversion.FinalOrdinal])
            .Select(column => column with { Id = column.StorageId, Name = "\0" + column.StorageId })
            .ToArray();
        Stored = new TableDescriptor(table.Id, table.Name, table.Version, table.NextColumnId, [.. table.Columns, .. targets], table.PrimaryKeyOrdinals);
    }

    /// <summary>The table as the switch leaves it.</summary>
    public TableDescriptor Final { get; }

    public WriteSchema FinalSchema { get; }

    /// <summary>The indexes built over the converted values, as <see cref="Final"/>'s rows key them.</summary>
    public WriteIndex[] NewIndexes { get; }

    /// <summary>The columns a stored row holds while the rewrite runs: the table's, then the converted ones (under their
    /// target ids, which readers of the current descriptor skip).</summary>
    public TableDescriptor Stored { get; }

    /// <summary>The row as <see cref="Final"/> orders it, with the converted values; a value that does not convert is
    /// the conversion's error (22P02 and the like).</summary>
    public object?[] FinalRow(object?[] values, ExecutionContext context)
    {
        var final = new object?[_currentOrdinalOfFinal.Length];
        for (int ordinal = 0; ordinal < final.Length; ordinal++)
        {
            if (_currentOrdinalOfFinal[ordinal] >= 0) final[ordinal] = values[_currentOrdinalOfFinal[ordinal]];
        }
        foreach ((int finalOrdinal, BoundExpression conversion) in _conversions) final[finalOrdinal] = ExpressionEvaluator.Evaluate(conversion, values, context);
        return final;
    }

    /// <summary>The values <see cref="Stored"/> encodes: the row's, then its converted ones.</summary>
    public object?[] StoredRow(object?[] values, object?[] finalRow)
    {
        var stored = new object?[values.Length + _conversions.Length];
        values.CopyTo(stored, 0);
        for (int position = 0; position < _conversions.Length; position++) stored[values.Length + position] = finalRow[_conversions[position].FinalOrdinal];
        return stored;
    }

    /// <summary>The table once its rewrite is done: each converted column stored under its target id (same id, name
    /// and position, the new type, its default cast to it), each replaced index by its new one (now valid), the rewrite gone.</summary>
    public static TableDescriptor Switched(TableDescriptor table)
    {
        TableRewrite rewrite = table.Rewrite ?? throw new InvalidOperationException($"table {table.Name} has no rewrite");
        var columns = table.Columns.Select(column =>
        {
            if (rewrite.Conversions.FirstOrDefault(conversion => conversion.SourceColumnId == column.Id) is not { } conversion) return column;
            return column with
            {
                StorageId = conversion.TargetStorageId,
                Type = conversion.TargetType,
                // The switch happens when the background rewrite ends, in no statement: the default settings serve.
                DefaultValue = CastDefault(column, conversion.TargetType, DateTimeSettings.Default),
                MissingValue = null, // every row holds the converted value
            };
        }).ToArray();
        var indexes = table.Indexes.Select(index =>
        {
            int position = rewrite.ReplacedIndexIds.ToList().IndexOf(index.Id);
            return position < 0 ? index : rewrite.NewIndexes[position] with { State = index.State };
        }).ToArray();
        return table.WithSchema(columns: columns, indexes: indexes).WithRewrite(null);
    }

    /// <summary>A constant default cast to the column's new type as PostgreSQL casts it (an assignment cast; a USING
    /// clause does not apply to it).</summary>
    public static object? CastDefault(ColumnDescriptor column, SqlType type, DateTimeSettings settings)
    {
        if (column.DefaultValue is null) return null;
        if (!ValueCast.CanCast(column.Type, type, ValueCast.Context.Assignment))
        {
            throw new SqlException(SqlState.DatatypeMismatch, $"default for column \"{column.Name}\" cannot be cast automatically to type {type.DisplayName}");
        }
        return ValueCast.Convert(column.DefaultValue, column.Type, type, ValueCast.Context.Assignment, settings);
    }

    /// <summary>The conversion of one column over the current row: the USING expression (or the column itself) cast to
    /// the new type as an assignment casts it.</summary>
    public static BoundExpression Conversion(TableDescriptor table, ColumnConversion conversion)
    {
        int source = table.OrdinalOfColumnId(conversion.SourceColumnId);
        BoundExpression value = conversion.UsingExpression is { } text
            ? WriteSchema.BindExpression(table, text)
            : new BoundColumn(source, table.Columns[source].Type, table.Columns[source].Name, -1);
        return value.Type == conversion.TargetType ? value : new BoundCast(value, conversion.TargetType, ValueCast.Context.Assignment);
    }
}
