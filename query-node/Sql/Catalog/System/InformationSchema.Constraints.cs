using System.Globalization;
using Log.QueryNode.Sql.Parser;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>One table constraint as information_schema sees it: its SQL standard type, its columns (ids, in key order)
/// and, for a foreign key, the referenced table, columns and the unique constraint they are the key of.</summary>
internal sealed record InformationConstraint(TableDescriptor Table, string Name, string Type, IReadOnlyList<int> ColumnIds, bool NullsDistinct,
    string? CheckExpression = null, ForeignKeyConstraint? ForeignKey = null, TableDescriptor? ReferencedTable = null, string? ReferencedConstraintName = null,
    IReadOnlyList<int>? ReferencedKeyColumnIds = null, ConstraintDeferral Deferral = ConstraintDeferral.NotDeferrable);

/// <summary>information_schema's constraint relations: table_constraints, key_column_usage, constraint_column_usage,
/// referential_constraints and check_constraints.</summary>
internal static partial class SystemRelations
{
    private const string PrimaryKey = "PRIMARY KEY";
    private const string Unique = "UNIQUE";
    private const string ForeignKey = "FOREIGN KEY";
    private const string Check = "CHECK";

    /// <summary>A table's PRIMARY KEY, UNIQUE, CHECK and FOREIGN KEY constraints (not its NOT NULL ones).</summary>
    private static IEnumerable<InformationConstraint> InformationConstraintsOf(CatalogSnapshot catalog, TableDescriptor table)
    {
        foreach (TableConstraint constraint in CatalogDefinitions.ConstraintsOf(table))
        {
            switch (constraint.Type)
            {
                case 'p':
                    yield return new InformationConstraint(table, constraint.Name, PrimaryKey, constraint.ColumnNumbers!, NullsDistinct: true, Deferral: constraint.Deferral);
                    break;
                case 'u':
                    int indexId = ObjectIds.Split(constraint.IndexOid).SubObject;
                    bool nullsDistinct = table.Indexes.FirstOrDefault(index => index.Id == indexId)?.NullsNotDistinct != true;
                    yield return new InformationConstraint(table, constraint.Name, Unique, constraint.ColumnNumbers!, nullsDistinct, Deferral: constraint.Deferral);
                    break;
                case 'c':
                    CheckConstraint check = table.Checks.First(candidate => candidate.Name == constraint.Name);
                    yield return new InformationConstraint(table, constraint.Name, Check, [], NullsDistinct: true, CheckExpression: check.Expression);
                    break;
            }
        }
        foreach (ForeignKeyConstraint foreignKey in table.ForeignKeys)
        {
            TableDescriptor? referenced = catalog.Tables.FirstOrDefault(candidate => candidate.Name == foreignKey.ReferencedTable);
            (string? name, IReadOnlyList<int>? keyColumnIds) = referenced is null ? (null, null) : UniqueKeyOf(referenced, foreignKey.ReferencedIndexId);
            yield return new InformationConstraint(table, foreignKey.Name, ForeignKey, foreignKey.ColumnIds, NullsDistinct: true, ForeignKey: foreignKey,
                ReferencedTable: referenced, ReferencedConstraintName: name, ReferencedKeyColumnIds: keyColumnIds, Deferral: foreignKey.Deferral);
        }
    }

    /// <summary>The constraint name and key column ids of the primary key or unique index a foreign key references.</summary>
    private static (string? Name, IReadOnlyList<int>? ColumnIds) UniqueKeyOf(TableDescriptor table, int indexId)
    {
        if (indexId == TableDescriptor.PrimaryIndexId)
        {
            return (table.PrimaryKeyConstraintName, table.PrimaryKeyOrdinals.Select(ordinal => table.Columns[ordinal].Id).ToArray());
        }
        IndexDescriptor? index = table.Indexes.FirstOrDefault(candidate => candidate.Id == indexId);
        return index is null ? (null, null) : (index.IsConstraint ? index.Name : null, index.KeyColumns.Select(key => key.ColumnId).ToArray());
    }

    /// <summary>The columns PostgreSQL 15 lists as NOT NULL constraints: CHECK constraints named
    /// namespace-oid_table-oid_column-number_not_null.</summary>
    private static IEnumerable<(string Name, string Clause)> NotNullConstraintsOf(CatalogSnapshot catalog, TableDescriptor table)
    {
        long tableOid = ObjectIds.Relation(table.Id);
        for (int ordinal = 0; ordinal < table.Columns.Count; ordinal++)
        {
            ColumnDescriptor column = table.Columns[ordinal];
            if (!(column.NotNull || table.IsPrimaryKeyColumn(ordinal) || column.Identity is not null)) continue;
            yield return (string.Create(CultureInfo.InvariantCulture, $"{catalog.NamespaceOid(table.Name)}_{tableOid}_{column.Id}_not_null"), column.Name + " IS NOT NULL");
        }
    }

    private static string ColumnName(TableDescriptor table, int columnId) => table.Columns[table.OrdinalOfColumnId(columnId)].Name;

    private static IEnumerable<object?[]> TableConstraintRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (TableDescriptor table in catalog.Tables.Where(table => MayWriteRelation(catalog, ObjectIds.Relation(table.Id))))
        {
            foreach (InformationConstraint constraint in InformationConstraintsOf(catalog, table))
            {
                yield return TableConstraintRow(relation, catalog, table, constraint.Name, constraint.Type,
                    constraint.Type == Unique ? YesOrNo(constraint.NullsDistinct) : null, constraint.Deferral);
            }
            foreach ((string name, _) in NotNullConstraintsOf(catalog, table))
            {
                yield return TableConstraintRow(relation, catalog, table, name, Check, nullsDistinct: null);
            }
        }
    }

    private static object?[] TableConstraintRow(SystemRelation relation, CatalogSnapshot catalog, TableDescriptor table, string name, string type, string? nullsDistinct,
        ConstraintDeferral deferral = ConstraintDeferral.NotDeferrable) =>
        relation.Row(("constraint_catalog", catalog.DatabaseName), ("constraint_schema", RelationNames.SchemaOf(table.Name)), ("constraint_name", RelationNames.NameOf(name)),
            ("table_catalog", catalog.DatabaseName), ("table_schema", RelationNames.SchemaOf(table.Name)), ("table_name", RelationNames.NameOf(table.Name)), ("constraint_type", type),
            ("is_deferrable", YesOrNo(deferral.IsDeferrable())), ("initially_deferred", YesOrNo(deferral == ConstraintDeferral.InitiallyDeferred)), ("enforced", "YES"), ("nulls_distinct", nullsDistinct));

    /// <summary>The columns of primary key, unique and foreign key constraints, each with its position in the key and,
    /// for a foreign key, the position of the column it references in the referenced unique key.</summary>
    private static IEnumerable<object?[]> KeyColumnUsageRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (TableDescriptor table in catalog.Tables)
        {
            foreach (InformationConstraint constraint in InformationConstraintsOf(catalog, table))
            {
                if (constraint.Type == Check) continue;
                for (int position = 0; position < constraint.ColumnIds.Count; position++)
                {
                    if (!SeesColumn(catalog, ObjectIds.Relation(table.Id), constraint.ColumnIds[position])) continue;
                    int? positionInUnique = null;
                    if (constraint.ForeignKey is { } foreignKey && constraint.ReferencedKeyColumnIds is { } keyColumnIds)
                    {
                        int index = keyColumnIds.ToList().IndexOf(foreignKey.ReferencedColumnIds[position]);
                        positionInUnique = index < 0 ? null : index + 1;
                    }
                    yield return relation.Row(("constraint_catalog", catalog.DatabaseName), ("constraint_schema", RelationNames.SchemaOf(table.Name)),
                        ("constraint_name", RelationNames.NameOf(constraint.Name)), ("table_catalog", catalog.DatabaseName), ("table_schema", RelationNames.SchemaOf(table.Name)),
                        ("table_name", RelationNames.NameOf(table.Name)), ("column_name", ColumnName(table, constraint.ColumnIds[position])), ("ordinal_position", position + 1),
                        ("position_in_unique_constraint", positionInUnique));
                }
            }
        }
    }

    /// <summary>The columns each constraint uses: a key's own columns, the referenced columns of a foreign key (in the
    /// referenced table), and the columns a CHECK expression names.</summary>
    private static IEnumerable<object?[]> ConstraintColumnUsageRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (TableDescriptor table in catalog.Tables)
        {
            foreach (InformationConstraint constraint in InformationConstraintsOf(catalog, table))
            {
                (TableDescriptor? usedTable, IEnumerable<string> columns) = constraint switch
                {
                    { ForeignKey: { } foreignKey } => (constraint.ReferencedTable,
                        constraint.ReferencedTable is { } referenced ? foreignKey.ReferencedColumnIds.Select(id => ColumnName(referenced, id)) : []),
                    { CheckExpression: { } expression } => (table, ColumnsNamedIn(table, expression)),
                    _ => (table, constraint.ColumnIds.Select(id => ColumnName(table, id))),
                };
                if (usedTable is null || !OwnsRelation(catalog, ObjectIds.Relation(usedTable.Id))) continue;
                foreach (string column in columns.Distinct(StringComparer.Ordinal))
                {
                    yield return relation.Row(("table_catalog", catalog.DatabaseName), ("table_schema", RelationNames.SchemaOf(usedTable.Name)), ("table_name", RelationNames.NameOf(usedTable.Name)),
                        ("column_name", column), ("constraint_catalog", catalog.DatabaseName), ("constraint_schema", RelationNames.SchemaOf(table.Name)),
                        ("constraint_name", RelationNames.NameOf(constraint.Name)));
                }
            }
        }
    }

    /// <summary>The table's columns an expression refers to (what pg_depend records for a CHECK constraint).</summary>
    internal static IEnumerable<string> ColumnsNamedIn(TableDescriptor table, string expression) =>
        ParseTree.Walk(SqlParser.ParseExpressionText(expression))
            .OfType<ColumnRef>()
            .Where(reference => !reference.Star && table.OrdinalOf(reference.Fields[^1]) >= 0)
            .Select(reference => reference.Fields[^1]);

    private static IEnumerable<object?[]> ReferentialConstraintRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (TableDescriptor table in catalog.Tables)
        {
            if (!MayWriteRelation(catalog, ObjectIds.Relation(table.Id))) continue;
            foreach (InformationConstraint constraint in InformationConstraintsOf(catalog, table))
            {
                if (constraint.ForeignKey is not { } foreignKey) continue;
                bool hasUnique = constraint.ReferencedConstraintName is not null;
                yield return relation.Row(("constraint_catalog", catalog.DatabaseName), ("constraint_schema", RelationNames.SchemaOf(table.Name)),
                    ("constraint_name", RelationNames.NameOf(constraint.Name)), ("unique_constraint_catalog", hasUnique ? catalog.DatabaseName : null),
                    ("unique_constraint_schema", hasUnique ? RelationNames.SchemaOf(constraint.ReferencedTable!.Name) : null),
                    ("unique_constraint_name", constraint.ReferencedConstraintName is { } uniqueName ? RelationNames.NameOf(uniqueName) : null),
                    ("match_option", "NONE"), ("update_rule", ReferentialAction(foreignKey.OnUpdate)), ("delete_rule", ReferentialAction(foreignKey.OnDelete)));
            }
        }
    }

    private static string ReferentialAction(ForeignKeyAction action) => action switch
    {
        ForeignKeyAction.Cascade => "CASCADE",
        ForeignKeyAction.SetNull => "SET NULL",
        ForeignKeyAction.SetDefault => "SET DEFAULT",
        ForeignKeyAction.Restrict => "RESTRICT",
        _ => "NO ACTION",
    };

    /// <summary>CHECK constraints with their clause as pg_get_constraintdef prints it after "CHECK ", and the NOT NULL
    /// constraints as "column IS NOT NULL".</summary>
    private static IEnumerable<object?[]> CheckConstraintRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (TableDescriptor table in catalog.Tables)
        {
            foreach (InformationConstraint constraint in InformationConstraintsOf(catalog, table))
            {
                if (constraint.CheckExpression is null || !OwnsRelation(catalog, ObjectIds.Relation(table.Id))) continue;
                yield return CheckConstraintRow(relation, catalog, table, constraint.Name, $"({constraint.CheckExpression})");
            }
            foreach ((string name, string clause) in NotNullConstraintsOf(catalog, table))
            {
                yield return CheckConstraintRow(relation, catalog, table, name, clause);
            }
        }
    }

    private static object?[] CheckConstraintRow(SystemRelation relation, CatalogSnapshot catalog, TableDescriptor table, string name, string clause) =>
        relation.Row(("constraint_catalog", catalog.DatabaseName), ("constraint_schema", RelationNames.SchemaOf(table.Name)), ("constraint_name", RelationNames.NameOf(name)),
            ("check_clause", clause));
}
