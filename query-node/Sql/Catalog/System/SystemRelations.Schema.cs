using Log.QueryNode.Sql.Types;
using Log.QueryNode.Sql.Types.Handlers;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>The relations over Log's own schema objects: tables, their columns, indexes, constraints and defaults,
/// sequences and views.</summary>
internal static partial class SystemRelations
{
    private static IEnumerable<object?[]> ClassRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (SystemRelation system in OwnRelations)
        {
            yield return ClassRow(relation, system.Shape.Oid, system.Name, NamespaceOf(system), system.Shape.Kind, system.ColumnNames.Count,
                system.Shape.Kind == 'r' ? ObjectIds.HeapAccessMethod : 0, hasIndex: false, checks: 0, rowType: CatalogRowTypeOf(system.Shape.Oid));
        }
        foreach (TableDescriptor table in catalog.Tables)
        {
            long oid = ObjectIds.Relation(table.Id);
            bool hasIndex = !table.HasHiddenRowId || table.Indexes.Count > 0;
            yield return ClassRow(relation, oid, table.Name, catalog.NamespaceOid(table.Name), SqlCatalog.OrdinaryTable, table.Columns.Count,
                ObjectIds.HeapAccessMethod, hasIndex, table.Checks.Count, HasForeignKeyTriggers(table), ObjectIds.RowType(oid), table.OwnerOid,
                RelationAcl(catalog, oid));
            foreach ((long indexOid, string name, int columns) in IndexesOf(table))
            {
                yield return ClassRow(relation, indexOid, name, catalog.NamespaceOid(table.Name), 'i', columns, ObjectIds.BtreeAccessMethod, hasIndex: false, checks: 0,
                    ownerOid: table.OwnerOid);
            }
        }
        // A sequence a column owns has its table's owner, as ALTER TABLE ... OWNER TO gives it.
        var ownerOf = catalog.Tables.ToDictionary(table => table.Name, table => table.OwnerOid, StringComparer.Ordinal);
        foreach (SequenceDescriptor sequence in catalog.Sequences)
        {
            long owner = sequence.OwnedByTable is { } table ? ownerOf.GetValueOrDefault(table) : catalog.PrivilegesOf(ObjectIds.Relation(sequence.Id)).OwnerOid;
            yield return ClassRow(relation, ObjectIds.Relation(sequence.Id), sequence.Name, catalog.NamespaceOid(sequence.Name), SqlCatalog.Sequence, 3, 0, hasIndex: false, checks: 0,
                ownerOid: owner, acl: RelationAcl(catalog, ObjectIds.Relation(sequence.Id)));
        }
        foreach (ViewDescriptor view in catalog.Views)
        {
            long viewOid = ObjectIds.Relation(view.Id);
            long owner = catalog.PrivilegesOf(viewOid).OwnerOid;
            yield return ClassRow(relation, viewOid, view.Name, catalog.NamespaceOid(view.Name), SqlCatalog.View, view.ColumnNames.Count, 0, hasIndex: false, checks: 0,
                rowType: ObjectIds.RowType(viewOid), ownerOid: owner, acl: RelationAcl(catalog, viewOid));
        }
    }

    /// <summary>pg_catalog's and information_schema's relations, in OID order, as pg_class and pg_attribute list them.</summary>
    private static IEnumerable<SystemRelation> OwnRelations => All.Concat(InformationSchemaRelations).OrderBy(system => system.Shape.Oid);

    private static long NamespaceOf(SystemRelation system) =>
        system.Schema == InformationSchemaSchema ? ObjectIds.InformationSchemaNamespace : ObjectIds.PgCatalogNamespace;

    private static object?[] ClassRow(SystemRelation relation, long oid, string name, long namespaceOid, char kind, int columns, long accessMethod, bool hasIndex, int checks,
        bool hasTriggers = false, long rowType = 0, long ownerOid = 0, PgArray? acl = null) =>
        relation.Row(("oid", oid), ("relname", RelationNames.NameOf(name)), ("relnamespace", namespaceOid), ("reltype", rowType), ("relowner", RoleNames.Shown(ownerOid)), ("relam", accessMethod),
            ("relfilenode", kind is 'v' ? 0L : oid), ("relpages", kind == SqlCatalog.Sequence ? 1 : 0),
            ("reltuples", kind is 'r' or 'i' or 'v' ? -1f : kind == SqlCatalog.Sequence ? 1f : 0f), ("relhasindex", hasIndex), ("relpersistence", "p"),
            ("relkind", kind.ToString()), ("relnatts", (short)columns), ("relchecks", (short)checks), ("relhasrules", kind == 'v'), ("relhastriggers", hasTriggers),
            ("relispopulated", true), ("relreplident", kind == 'r' ? "d" : "n"), ("relfrozenxid", kind is 'r' or 'm' ? XidHandler.FirstNormalTransactionId : 0L),
            ("relminmxid", kind is 'r' or 'm' ? XidHandler.FirstMultiTransactionId : 0L), ("relacl", acl));

    /// <summary>A table's indexes as pg_class has them: the primary key's (when declared) and the secondary ones.</summary>
    private static IEnumerable<(long Oid, string Name, int Columns)> IndexesOf(TableDescriptor table)
    {
        long tableOid = ObjectIds.Relation(table.Id);
        if (!table.HasHiddenRowId) yield return (ObjectIds.Index(tableOid, TableDescriptor.PrimaryIndexId), table.PrimaryKeyConstraintName, table.PrimaryKeyOrdinals.Count);
        foreach (IndexDescriptor index in table.Indexes)
        {
            yield return (ObjectIds.Index(tableOid, index.Id), index.Name, index.KeyColumns.Count + index.IncludeColumnIds.Count);
        }
    }

    private static IEnumerable<object?[]> AttributeRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (SystemRelation system in OwnRelations)
        {
            for (int ordinal = 0; ordinal < system.ColumnTypes.Count; ordinal++)
            {
                yield return AttributeRow(relation, system.Shape.Oid, system.ColumnNames[ordinal], system.ColumnTypes[ordinal], (short)(ordinal + 1), notNull: false, hasDefault: false);
            }
        }
        foreach (TableDescriptor table in catalog.Tables)
        {
            long oid = ObjectIds.Relation(table.Id);
            for (int ordinal = 0; ordinal < table.Columns.Count; ordinal++)
            {
                ColumnDescriptor column = table.Columns[ordinal];
                yield return AttributeRow(relation, oid, column.Name, column.Type, (short)column.Id, column.NotNull || table.IsPrimaryKeyColumn(ordinal),
                    CatalogDefinitions.HasCatalogDefault(column), column.Identity, column.Generated is null ? null : ColumnDescriptor.GeneratedStored,
                    ColumnAcl(catalog, oid, column.Id));
            }
            foreach (object?[] row in SystemColumnRows(relation, oid)) yield return row;
            if (!table.HasHiddenRowId)
            {
                long indexOid = ObjectIds.Index(oid, TableDescriptor.PrimaryIndexId);
                for (int position = 0; position < table.PrimaryKeyOrdinals.Count; position++)
                {
                    ColumnDescriptor column = table.Columns[table.PrimaryKeyOrdinals[position]];
                    yield return AttributeRow(relation, indexOid, column.Name, column.Type, (short)(position + 1), notNull: false, hasDefault: false);
                }
            }
            foreach (IndexDescriptor index in table.Indexes)
            {
                long indexOid = ObjectIds.Index(oid, index.Id);
                short number = 1;
                foreach (IndexKeyColumn key in index.KeyColumns)
                {
                    ColumnDescriptor? column = key.IsExpression ? null : table.Columns[table.OrdinalOfColumnId(key.ColumnId)];
                    yield return AttributeRow(relation, indexOid, column?.Name ?? "expr", column?.Type ?? SqlType.Text, number++, notNull: false, hasDefault: false);
                }
                foreach (int columnId in index.IncludeColumnIds)
                {
                    ColumnDescriptor column = table.Columns[table.OrdinalOfColumnId(columnId)];
                    yield return AttributeRow(relation, indexOid, column.Name, column.Type, number++, notNull: false, hasDefault: false);
                }
            }
        }
        foreach (SequenceDescriptor sequence in catalog.Sequences)
        {
            long oid = ObjectIds.Relation(sequence.Id);
            yield return AttributeRow(relation, oid, "last_value", SqlType.Int8, 1, notNull: true, hasDefault: false);
            yield return AttributeRow(relation, oid, "log_cnt", SqlType.Int8, 2, notNull: true, hasDefault: false);
            yield return AttributeRow(relation, oid, "is_called", SqlType.Bool, 3, notNull: true, hasDefault: false);
            foreach (object?[] row in SystemColumnRows(relation, oid)) yield return row;
        }
        Dictionary<string, IReadOnlyList<SqlType>> viewColumnTypes = ViewShapes.ColumnTypes(catalog);
        foreach (ViewDescriptor view in catalog.Views)
        {
            if (!viewColumnTypes.TryGetValue(view.Name, out IReadOnlyList<SqlType>? types)) continue;
            long oid = ObjectIds.Relation(view.Id);
            for (int ordinal = 0; ordinal < view.ColumnNames.Count && ordinal < types.Count; ordinal++)
            {
                yield return AttributeRow(relation, oid, view.ColumnNames[ordinal], ViewShapes.ResolvedColumnType(types[ordinal]), (short)(ordinal + 1),
                    notNull: false, hasDefault: false, acl: ColumnAcl(catalog, oid, ordinal + 1));
            }
        }
    }

    /// <summary>The system columns PostgreSQL lists for every table and sequence, by negative attnum: the row's
    /// physical location and the inserting and deleting transactions and commands, and the relation's own OID.</summary>
    private static readonly (string Name, long TypeOid, short Number)[] SystemColumns =
    [
        ("tableoid", 26, -6), ("cmax", 29, -5), ("xmax", 28, -4), ("cmin", 29, -3), ("xmin", 28, -2), ("ctid", 27, -1),
    ];

    private static IEnumerable<object?[]> SystemColumnRows(SystemRelation relation, long relationOid)
    {
        foreach ((string name, long typeOid, short number) in SystemColumns)
        {
            BuiltinType type = BuiltinTypes.Find(typeOid) ?? throw new InvalidOperationException($"built-in type {typeOid} is missing");
            yield return relation.Row(("attrelid", relationOid), ("attname", name), ("atttypid", typeOid), ("attstattarget", 0), ("attlen", type.Length),
                ("attnum", number), ("attndims", 0), ("attcacheoff", -1), ("atttypmod", -1), ("attbyval", type.ByValue), ("attalign", type.Align.ToString()),
                ("attstorage", type.Storage.ToString()), ("attcompression", ""), ("attnotnull", true), ("atthasdef", false), ("attidentity", ""),
                ("attgenerated", ""), ("attislocal", true), ("attcollation", 0L));
        }
    }

    private static object?[] AttributeRow(SystemRelation relation, long relationOid, string name, SqlType type, short number, bool notNull, bool hasDefault,
        char? identity = null, char? generated = null, PgArray? acl = null)
    {
        BuiltinType? builtin = BuiltinTypes.Find(type.Oid);
        return relation.Row(("attrelid", relationOid), ("attname", name), ("atttypid", (long)type.Oid), ("attstattarget", -1),
            ("attlen", builtin?.Length ?? type.Size), ("attnum", number), ("attndims", type.IsArray ? 1 : 0), ("attcacheoff", -1), ("atttypmod", type.Modifier),
            ("attbyval", builtin?.ByValue ?? false), ("attalign", (builtin?.Align ?? 'i').ToString()), ("attstorage", (builtin?.Storage ?? 'x').ToString()),
            ("attcompression", ""), ("attnotnull", notNull), ("atthasdef", hasDefault), ("attidentity", identity?.ToString() ?? ""), ("attgenerated", generated?.ToString() ?? ""),
            ("attislocal", true), ("attcollation", builtin?.Collation ?? 0L), ("attacl", acl));
    }

    private static IEnumerable<object?[]> TypeRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (BuiltinType type in BuiltinTypes.All)
        {
            yield return relation.Row(("oid", type.Oid), ("typname", type.Name), ("typnamespace", type.Namespace), ("typowner", ObjectIds.SuperuserRole),
                ("typlen", type.Length), ("typbyval", type.ByValue), ("typtype", type.Type.ToString()), ("typcategory", type.Category.ToString()),
                ("typispreferred", type.IsPreferred), ("typisdefined", true), ("typdelim", type.Delimiter.ToString()), ("typsubscript", Procedure(type.Subscript)),
                ("typelem", type.Element), ("typarray", type.Array), ("typinput", Procedure(type.Input)), ("typoutput", Procedure(type.Output)),
                ("typreceive", Procedure(type.Receive)), ("typsend", Procedure(type.Send)), ("typmodin", Procedure(type.ModifierInput)),
                ("typmodout", Procedure(type.ModifierOutput)), ("typanalyze", Procedure(type.Analyze)), ("typalign", type.Align.ToString()),
                ("typstorage", type.Storage.ToString()), ("typnotnull", type.NotNull), ("typbasetype", type.BaseType), ("typtypmod", type.TypeModifier),
                ("typndims", 0), ("typcollation", type.Collation), ("typdefaultbin", type.Default), ("typdefault", type.Default));
        }
        foreach (object?[] row in CatalogRowTypeRows(relation)) yield return row;
        foreach (object?[] row in RowTypeRows(catalog, relation)) yield return row;
    }

    /// <summary>A regproc naming a function by name ("-" is no function, as regprocout prints 0).</summary>
    private static RegProc Procedure(string name) => new(name == "-" ? 0 : TypeFunctions.Find(name)?.Oid ?? 1, name);

    private static IEnumerable<object?[]> IndexRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (TableDescriptor table in catalog.Tables)
        {
            long tableOid = ObjectIds.Relation(table.Id);
            if (!table.HasHiddenRowId)
            {
                PgArray keys = Int2Vector(table.PrimaryKeyOrdinals.Select(ordinal => table.Columns[ordinal].Id));
                yield return IndexRow(relation, ObjectIds.Index(tableOid, TableDescriptor.PrimaryIndexId), tableOid, table.PrimaryKeyOrdinals.Count,
                    table.PrimaryKeyOrdinals.Count, unique: true, primary: true, valid: true, keys, Int2Vector(table.PrimaryKeyOrdinals.Select(_ => 0)), null, null,
                    classes: IndexKeyClasses(table.PrimaryKeyOrdinals.Select(ordinal => (SqlType?)table.Columns[ordinal].Type)));
            }
            foreach (IndexDescriptor index in table.Indexes)
            {
                PgArray keys = Int2Vector(index.KeyColumns.Select(key => key.IsExpression ? 0 : key.ColumnId).Concat(index.IncludeColumnIds));
                PgArray options = Int2Vector(index.KeyColumns.Select(key => (key.Descending ? 1 : 0) | (key.NullsFirst ? 2 : 0)));
                string? expressions = index.KeyColumns.Any(key => key.IsExpression)
                    ? string.Join(", ", index.KeyColumns.Where(key => key.IsExpression).Select(key => Deparse.ExpressionDeparser.DeparseText(table, key.Expression!)))
                    : null;
                yield return IndexRow(relation, ObjectIds.Index(tableOid, index.Id), tableOid, index.KeyColumns.Count + index.IncludeColumnIds.Count,
                    index.KeyColumns.Count, index.IsUnique, index.IsPrimary, index.State == IndexState.Valid, keys, options, expressions,
                    index.Predicate is null ? null : CatalogDefinitions.IndexPredicate(table, index.Predicate),
                    index.NullsNotDistinct, IndexKeyClasses(index.KeyColumns.Select(key => key.IsExpression
                        ? ExpressionKeyType(table, key.Expression!) : table.Columns[table.OrdinalOfColumnId(key.ColumnId)].Type)),
                    immediate: !index.Deferral.IsDeferrable());
            }
        }
    }

    private static object?[] IndexRow(SystemRelation relation, long indexOid, long tableOid, int columns, int keyColumns, bool unique, bool primary, bool valid,
        PgArray keys, PgArray options, string? expressions, string? predicate, bool nullsNotDistinct = false, (PgArray OperatorClasses, PgArray Collations)? classes = null,
        bool immediate = true) =>
        relation.Row(("indclass", classes?.OperatorClasses), ("indcollation", classes?.Collations), ("indexrelid", indexOid), ("indrelid", tableOid), ("indnatts", (short)columns), ("indnkeyatts", (short)keyColumns), ("indisunique", unique),
            ("indnullsnotdistinct", nullsNotDistinct), ("indisprimary", primary), ("indimmediate", immediate), ("indisvalid", valid), ("indisready", true),
            ("indislive", true), ("indkey", keys), ("indoption", options), ("indexprs", expressions), ("indpred", predicate));

    /// <summary>An int2vector value (pg_index.indkey, indoption): zero-based, as int2vectorin makes it.</summary>
    private static PgArray Int2Vector(IEnumerable<int> numbers) => PgTypes.ZeroBasedVector([.. numbers.Select(number => (object?)(short)number)]);

    private static IEnumerable<object?[]> ConstraintRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (TableDescriptor table in catalog.Tables)
        {
            long tableOid = ObjectIds.Relation(table.Id);
            foreach (TableConstraint constraint in CatalogDefinitions.ConstraintsOf(table))
            {
                yield return relation.Row(("oid", constraint.Oid), ("conname", RelationNames.NameOf(constraint.Name)), ("connamespace", catalog.NamespaceOid(table.Name)),
                    ("contype", constraint.Type.ToString()), ("condeferrable", constraint.Deferral.IsDeferrable()),
                    ("condeferred", constraint.Deferral == ConstraintDeferral.InitiallyDeferred), ("convalidated", constraint.Validated), ("conrelid", tableOid), ("conindid", constraint.IndexOid),
                    ("confupdtype", " "), ("confdeltype", " "), ("confmatchtype", " "), ("conislocal", true), ("connoinherit", constraint.Type == 'p' || constraint.Type == 'u'),
                    ("conkey", constraint.ColumnNumbers is null ? null : ColumnNumbers(constraint.ColumnNumbers)),
                    ("conbin", constraint.Type == 'c' ? CatalogDefinitions.CheckConstraintExpression(table, constraint.Oid) : null));
            }
            foreach (object?[] row in ForeignKeyConstraintRows(catalog, relation, table)) yield return row;
        }
    }

    private static IEnumerable<object?[]> AttributeDefaultRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (TableDescriptor table in catalog.Tables)
        {
            long tableOid = ObjectIds.Relation(table.Id);
            foreach (ColumnDescriptor column in table.Columns)
            {
                if (!CatalogDefinitions.HasCatalogDefault(column)) continue;
                yield return relation.Row(("oid", ObjectIds.AttributeDefault(tableOid, column.Id)), ("adrelid", tableOid), ("adnum", (short)column.Id),
                    ("adbin", CatalogDefinitions.DefaultExpression(table, column)));
            }
        }
    }

    private static IEnumerable<object?[]> SequenceRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (SequenceDescriptor sequence in catalog.Sequences)
        {
            yield return relation.Row(("seqrelid", ObjectIds.Relation(sequence.Id)), ("seqtypid", (long)sequence.Type.Oid), ("seqstart", sequence.Start),
                ("seqincrement", sequence.Increment), ("seqmax", sequence.MaxValue), ("seqmin", sequence.MinValue), ("seqcache", sequence.Cache), ("seqcycle", sequence.Cycle));
        }
    }

    private static IEnumerable<object?[]> SequenceViewRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (SequenceDescriptor sequence in catalog.Sequences)
        {
            yield return relation.Row(("schemaname", RelationNames.SchemaOf(sequence.Name)), ("sequencename", RelationNames.NameOf(sequence.Name)), ("sequenceowner", catalog.UserName),
                ("data_type", RegTypeOf(sequence.Type)), ("start_value", sequence.Start), ("min_value", sequence.MinValue), ("max_value", sequence.MaxValue),
                ("increment_by", sequence.Increment), ("cycle", sequence.Cycle), ("cache_size", sequence.Cache), ("last_value", null));
        }
    }

    private static RegType RegTypeOf(SqlType type) => Types.Handlers.RegTypeHandler.FromOid(type.Oid);

    private static IEnumerable<object?[]> TableRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (SystemRelation system in All.Where(system => system.Shape.Kind == 'r').OrderBy(system => system.Name, StringComparer.Ordinal))
        {
            yield return relation.Row(("schemaname", PgCatalogSchema), ("tablename", system.Name), ("tableowner", catalog.UserName));
        }
        foreach (TableDescriptor table in catalog.Tables)
        {
            yield return relation.Row(("schemaname", RelationNames.SchemaOf(table.Name)), ("tablename", RelationNames.NameOf(table.Name)), ("tableowner", catalog.UserName),
                ("hasindexes", !table.HasHiddenRowId || table.Indexes.Count > 0));
        }
    }

    private static IEnumerable<object?[]> ViewRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (ViewDescriptor view in catalog.Views)
        {
            yield return relation.Row(("schemaname", RelationNames.SchemaOf(view.Name)), ("viewname", RelationNames.NameOf(view.Name)), ("viewowner", catalog.UserName), ("definition", Deparse.ViewDeparser.Definition(catalog, view, pretty: false)));
        }
    }

    private static IEnumerable<object?[]> IndexDefinitionRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (TableDescriptor table in catalog.Tables)
        {
            long tableOid = ObjectIds.Relation(table.Id);
            foreach ((long oid, string name, _) in IndexesOf(table))
            {
                yield return relation.Row(("schemaname", RelationNames.SchemaOf(table.Name)), ("tablename", RelationNames.NameOf(table.Name)), ("indexname", RelationNames.NameOf(name)),
                    ("indexdef", CatalogDefinitions.IndexDefinition(table, ObjectIds.Split(oid).SubObject)));
            }
        }
    }
}
