using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>A constraint as pg_constraint shows it: p (primary key), u (unique) or c (check).</summary>
internal sealed record TableConstraint(long Oid, string Name, char Type, long IndexOid, IReadOnlyList<int>? ColumnNumbers, string Definition);

/// <summary>
/// The SQL text the catalog functions print for schema objects: pg_get_indexdef, pg_get_constraintdef and
/// pg_get_expr of a column default. Expressions (CHECK, index expressions and predicates, DEFAULT expressions) are
/// shown as Log keeps them, their source text, where PostgreSQL prints its own deparsed form.
/// </summary>
internal static class CatalogDefinitions
{
    public static IEnumerable<TableConstraint> ConstraintsOf(TableDescriptor table)
    {
        long tableOid = ObjectIds.Relation(table.Id);
        if (!table.HasHiddenRowId)
        {
            long indexOid = ObjectIds.Index(tableOid, TableDescriptor.PrimaryIndexId);
            int[] numbers = table.PrimaryKeyOrdinals.Select(ordinal => table.Columns[ordinal].Id).ToArray();
            yield return new TableConstraint(indexOid, RelationNames.NameOf(table.PrimaryKeyConstraintName), 'p', indexOid, numbers,
                $"PRIMARY KEY ({ColumnList(table, table.PrimaryKeyOrdinals)})");
        }
        foreach (IndexDescriptor index in table.Indexes)
        {
            if (!index.IsConstraint || !index.IsUnique) continue;
            long indexOid = ObjectIds.Index(tableOid, index.Id);
            int[] numbers = index.KeyColumns.Select(key => key.ColumnId).ToArray();
            string nulls = index.NullsNotDistinct ? " NULLS NOT DISTINCT" : "";
            string include = index.IncludeColumnIds.Count == 0 ? "" : $" INCLUDE ({ColumnList(table, index.IncludeColumnIds.Select(table.OrdinalOfColumnId))})";
            yield return new TableConstraint(indexOid, RelationNames.NameOf(index.Name), 'u', indexOid, numbers,
                $"UNIQUE{nulls} ({ColumnList(table, index.KeyColumns.Select(key => table.OrdinalOfColumnId(key.ColumnId)))}){include}");
        }
        for (int position = 0; position < table.Checks.Count; position++)
        {
            CheckConstraint check = table.Checks[position];
            yield return new TableConstraint(ObjectIds.CheckConstraint(tableOid, position), check.Name, 'c', 0, null, $"CHECK ({check.Expression})");
        }
    }

    private static string ColumnList(TableDescriptor table, IEnumerable<int> ordinals) =>
        string.Join(", ", ordinals.Select(ordinal => QualifiedNames.Quote(table.Columns[ordinal].Name)));

    /// <summary>pg_get_constraintdef: the constraint's definition by its OID, or null when no constraint has it.</summary>
    public static string? ConstraintDefinition(CatalogSnapshot catalog, long oid) =>
        catalog.FindTable(ObjectIds.Split(oid).TableOid) is { } table
            ? ConstraintsOf(table).FirstOrDefault(constraint => constraint.Oid == oid)?.Definition
            : null;

    /// <summary>pg_get_indexdef: CREATE [UNIQUE] INDEX name ON public.table USING btree (keys) [INCLUDE (...)] [WHERE ...].</summary>
    public static string? IndexDefinition(TableDescriptor table, int indexId)
    {
        (string schema, string relation) = RelationNames.Split(table.Name);
        string tableName = $"{QualifiedNames.Quote(schema)}.{QualifiedNames.Quote(relation)}";
        if (indexId == TableDescriptor.PrimaryIndexId)
        {
            if (table.HasHiddenRowId) return null;
            return $"CREATE UNIQUE INDEX {QualifiedNames.Quote(RelationNames.NameOf(table.PrimaryKeyConstraintName))} ON {tableName} USING btree ({ColumnList(table, table.PrimaryKeyOrdinals)})";
        }
        IndexDescriptor? index = table.Indexes.FirstOrDefault(candidate => candidate.Id == indexId);
        if (index is null) return null;
        var keys = index.KeyColumns.Select(key =>
        {
            string text = key.IsExpression ? $"({key.Expression})" : QualifiedNames.Quote(table.Columns[table.OrdinalOfColumnId(key.ColumnId)].Name);
            if (key.Descending) text += " DESC";
            if (key.NullsFirst && !key.Descending) text += " NULLS FIRST";
            if (!key.NullsFirst && key.Descending) text += " NULLS LAST";
            return text;
        });
        string definition = $"CREATE {(index.IsUnique ? "UNIQUE " : "")}INDEX {QualifiedNames.Quote(RelationNames.NameOf(index.Name))} ON {tableName} USING btree ({string.Join(", ", keys)})";
        if (index.IncludeColumnIds.Count > 0) definition += $" INCLUDE ({ColumnList(table, index.IncludeColumnIds.Select(table.OrdinalOfColumnId))})";
        if (index.NullsNotDistinct) definition += " NULLS NOT DISTINCT";
        if (index.Predicate is not null) definition += $" WHERE ({index.Predicate})";
        return definition;
    }

    /// <summary>A column default as pg_get_expr prints it: a constant as a literal cast to the column's type where
    /// PostgreSQL shows the cast ('x'::text, 'x'::character varying), a number as itself; an expression as written.</summary>
    public static string? DefaultExpression(ColumnDescriptor column)
    {
        if (column.DefaultExpression is not null) return column.DefaultExpression;
        if (column.DefaultValue is null) return column.HasDefault ? "NULL::" + column.Type.DisplayName : null;
        string text = ValueFormatter.Format(column.DefaultValue, DateTimeSettings.Default)!;
        bool bareNumber = column.Type.Kind is TypeKind.Int4 or TypeKind.Numeric && !text.StartsWith('-')
            || column.Type.Kind == TypeKind.Bool;
        if (column.Type.Kind == TypeKind.Bool) return text == "t" ? "true" : "false";
        return bareNumber ? text : $"{Functions.BuiltinFunctions.QuoteLiteral(text)}::{column.Type.DisplayName}";
    }
}
