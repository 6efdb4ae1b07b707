using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>
/// information_schema: the SQL standard's views of the catalog, computed from the same <see cref="CatalogSnapshot"/> as
/// pg_catalog and answering as PostgreSQL 15's own definitions of them do (src/backend/catalog/information_schema.sql)
/// for the same schema. Only a schema-qualified name reaches them: information_schema is not on the search path.
/// The relations over tables and columns are here; constraints, sequences, routines and privileges are in the
/// InformationSchema.*.cs partials.
/// </summary>
internal static partial class SystemRelations
{
    public const string InformationSchemaSchema = "information_schema";

    private static readonly Dictionary<string, SystemRelation> InformationSchema = BuildInformationSchema();

    public static SystemRelation? FindInformationSchema(string name) => InformationSchema.GetValueOrDefault(name);

    public static IEnumerable<SystemRelation> InformationSchemaRelations => InformationSchema.Values;

    private static Dictionary<string, SystemRelation> BuildInformationSchema()
    {
        var rows = new Dictionary<string, Func<CatalogSnapshot, SystemRelation, IEnumerable<object?[]>>>(StringComparer.Ordinal)
        {
            ["schemata"] = SchemataRows,
            ["tables"] = InformationTableRows,
            ["columns"] = ColumnRows,
            ["views"] = InformationViewRows,
            ["table_constraints"] = TableConstraintRows,
            ["key_column_usage"] = KeyColumnUsageRows,
            ["constraint_column_usage"] = ConstraintColumnUsageRows,
            ["referential_constraints"] = ReferentialConstraintRows,
            ["check_constraints"] = CheckConstraintRows,
            ["sequences"] = InformationSequenceRows,
            ["routines"] = RoutineRows,
            ["parameters"] = ParameterRows,
            ["table_privileges"] = TablePrivilegeRows,
            ["role_table_grants"] = RoleTableGrantRows,
            ["column_privileges"] = ColumnPrivilegeRows,
            ["character_sets"] = CharacterSetRows,
            ["element_types"] = ElementTypeRows,
        };
        var relations = new Dictionary<string, SystemRelation>(StringComparer.Ordinal);
        foreach (SystemRelationShape shape in InformationSchemaColumns.All.Concat(PostgreSqlRelationColumns.InformationSchema))
        {
            relations[shape.Name] = new SystemRelation(shape, InformationSchemaSchema, rows.GetValueOrDefault(shape.Name) ?? ((_, _) => []));
        }
        return relations;
    }

    private static string YesOrNo(bool value) => value ? "YES" : "NO";

    /// <summary>One row per schema pg_namespace lists, owned as pg_namespace says (public by pg_database_owner).</summary>
    private static IEnumerable<object?[]> SchemataRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        SystemRelation namespaces = Find("pg_namespace")!;
        int nameOrdinal = namespaces.ColumnNames.ToList().IndexOf("nspname");
        int ownerOrdinal = namespaces.ColumnNames.ToList().IndexOf("nspowner");
        foreach (object?[] schema in namespaces.Rows(catalog))
        {
            string owner = schema[ownerOrdinal] is long and ObjectIds.DatabaseOwnerRole ? "pg_database_owner" : catalog.UserName;
            yield return relation.Row(("catalog_name", catalog.DatabaseName), ("schema_name", schema[nameOrdinal]), ("schema_owner", owner));
        }
    }

    /// <summary>The user's tables and views, then pg_catalog's and information_schema's own relations, which PostgreSQL
    /// lists too (clients filter them out by schema).</summary>
    /// <summary>information_schema.tables' filter, as PostgreSQL's view has it: a role sees a relation it owns (or a
    /// member of its owner does) or holds any privilege on, on the relation or on one of its columns.</summary>
    private static bool SeesRelation(CatalogSnapshot catalog, long oid)
    {
        RoleIdentity identity = catalog.Identity;
        if (identity.IsSuperuser) return true;
        ObjectPrivileges privileges = catalog.PrivilegesOf(oid);
        return Authorization.Held(identity, catalog.OwnerOfRelation(oid), privileges, ObjectPrivileges.TableAll) != 0
            || privileges.Columns.Values.Any(items => ObjectPrivileges.HeldBy(items, identity.Roles) != 0);
    }

    /// <summary>check_constraints' and constraint_column_usage's filter: only the relation's owner (or a member of its
    /// owning role) sees them.</summary>
    private static bool OwnsRelation(CatalogSnapshot catalog, long oid) => Authorization.Owns(catalog.Identity, catalog.OwnerOfRelation(oid));

    /// <summary>table_constraints' and referential_constraints' filter: the owner, or a privilege other than SELECT on the
    /// relation, or INSERT, UPDATE or REFERENCES on one of its columns ("write access", PostgreSQL's documentation says).</summary>
    private static bool MayWriteRelation(CatalogSnapshot catalog, long oid)
    {
        RoleIdentity identity = catalog.Identity;
        if (identity.IsSuperuser) return true;
        const Privileges columnWrites = Privileges.Insert | Privileges.Update | Privileges.References;
        ObjectPrivileges privileges = catalog.PrivilegesOf(oid);
        return (Authorization.Held(identity, catalog.OwnerOfRelation(oid), privileges, ObjectPrivileges.TableAll) & ~Privileges.Select) != 0
            || privileges.Columns.Values.Any(items => (ObjectPrivileges.HeldBy(items, identity.Roles) & columnWrites) != 0);
    }

    /// <summary>information_schema.columns' filter: the relation's owner, or SELECT, INSERT, UPDATE or REFERENCES on the
    /// relation or on the column.</summary>
    private static bool SeesColumn(CatalogSnapshot catalog, long oid, int columnNumber)
    {
        RoleIdentity identity = catalog.Identity;
        if (identity.IsSuperuser) return true;
        const Privileges columnPrivileges = Privileges.Select | Privileges.Insert | Privileges.Update | Privileges.References;
        ObjectPrivileges privileges = catalog.PrivilegesOf(oid);
        return (Authorization.Held(identity, catalog.OwnerOfRelation(oid), privileges, ObjectPrivileges.TableAll) & columnPrivileges) != 0
            || privileges.Columns.TryGetValue(columnNumber, out IReadOnlyList<AccessControlItem>? items) && (ObjectPrivileges.HeldBy(items, identity.Roles) & columnPrivileges) != 0;
    }

    private static IEnumerable<object?[]> InformationTableRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (TableDescriptor table in catalog.Tables.Where(table => SeesRelation(catalog, ObjectIds.Relation(table.Id))))
        {
            yield return TablesRow(relation, catalog, RelationNames.SchemaOf(table.Name), RelationNames.NameOf(table.Name), "BASE TABLE", insertable: true);
        }
        foreach (ViewDescriptor view in catalog.Views.Where(view => SeesRelation(catalog, ObjectIds.Relation(view.Id))))
        {
            yield return TablesRow(relation, catalog, RelationNames.SchemaOf(view.Name), RelationNames.NameOf(view.Name), "VIEW", ViewShapes.IsAutomaticallyUpdatable(catalog, view));
        }
        foreach (SystemRelation system in All.Concat(InformationSchemaRelations))
        {
            yield return TablesRow(relation, catalog, system.Schema, system.Name, system.Shape.Kind == 'r' ? "BASE TABLE" : "VIEW", insertable: system.Shape.Kind == 'r');
        }
    }

    private static object?[] TablesRow(SystemRelation relation, CatalogSnapshot catalog, string schema, string name, string type, bool insertable) =>
        relation.Row(("table_catalog", catalog.DatabaseName), ("table_schema", schema), ("table_name", name), ("table_type", type),
            ("is_insertable_into", YesOrNo(insertable)), ("is_typed", "NO"));

    private static IEnumerable<object?[]> InformationViewRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (ViewDescriptor view in catalog.Views.Where(view => SeesRelation(catalog, ObjectIds.Relation(view.Id))))
        {
            bool updatable = ViewShapes.IsAutomaticallyUpdatable(catalog, view);
            yield return relation.Row(("table_catalog", catalog.DatabaseName), ("table_schema", RelationNames.SchemaOf(view.Name)), ("table_name", RelationNames.NameOf(view.Name)),
                ("view_definition", " " + view.QueryText + ";"), ("check_option", view.CheckOption?.ToUpperInvariant() ?? "NONE"), ("is_updatable", YesOrNo(updatable)),
                ("is_insertable_into", YesOrNo(updatable)), ("is_trigger_updatable", "NO"), ("is_trigger_deletable", "NO"),
                ("is_trigger_insertable_into", "NO"));
        }
    }

    /// <summary>The columns of the user's tables and views and of the system relations.</summary>
    private static IEnumerable<object?[]> ColumnRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (TableDescriptor table in catalog.Tables)
        {
            for (int ordinal = 0; ordinal < table.Columns.Count; ordinal++)
            {
                ColumnDescriptor column = table.Columns[ordinal];
                if (!SeesColumn(catalog, ObjectIds.Relation(table.Id), column.Id)) continue;
                SequenceDescriptor? identity = column.Identity is null ? null : IdentitySequence(catalog, table, column);
                bool notNull = column.NotNull || table.IsPrimaryKeyColumn(ordinal) || column.Identity is not null;
                yield return ColumnRow(relation, catalog, RelationNames.SchemaOf(table.Name), RelationNames.NameOf(table.Name), column.Name, column.Id, column.Type, notNull,
                    column.Identity is null && column.Generated is null ? CatalogDefinitions.DefaultExpression(table, column) : null,
                    ("is_generated", column.Generated is null ? "NEVER" : "ALWAYS"),
                    ("generation_expression", column.Generated is null ? null : CatalogDefinitions.DefaultExpression(table, column)),
                    ("is_identity", YesOrNo(column.Identity is not null)),
                    ("identity_generation", column.Identity switch
                    {
                        ColumnDescriptor.IdentityAlways => "ALWAYS",
                        ColumnDescriptor.IdentityByDefault => "BY DEFAULT",
                        _ => null,
                    }),
                    ("identity_start", identity?.Start.ToString(global::System.Globalization.CultureInfo.InvariantCulture)),
                    ("identity_increment", identity?.Increment.ToString(global::System.Globalization.CultureInfo.InvariantCulture)),
                    ("identity_maximum", identity?.MaxValue.ToString(global::System.Globalization.CultureInfo.InvariantCulture)),
                    ("identity_minimum", identity?.MinValue.ToString(global::System.Globalization.CultureInfo.InvariantCulture)),
                    ("identity_cycle", YesOrNo(identity?.Cycle == true)));
            }
        }
        Dictionary<string, IReadOnlyList<SqlType>> viewColumnTypes = ViewShapes.ColumnTypes(catalog);
        foreach (ViewDescriptor view in catalog.Views)
        {
            if (!viewColumnTypes.TryGetValue(view.Name, out IReadOnlyList<SqlType>? types)) continue;
            bool[]? updatable = ViewShapes.UpdatableColumns(catalog, view);
            for (int ordinal = 0; ordinal < view.ColumnNames.Count && ordinal < types.Count; ordinal++)
            {
                if (!SeesColumn(catalog, ObjectIds.Relation(view.Id), ordinal + 1)) continue;
                // An untyped literal's column is text, as PostgreSQL resolves a view's unknown output columns.
                SqlType type = ViewShapes.ResolvedColumnType(types[ordinal]);
                yield return ColumnRow(relation, catalog, RelationNames.SchemaOf(view.Name), RelationNames.NameOf(view.Name), view.ColumnNames[ordinal], ordinal + 1, type, notNull: false,
                    defaultExpression: null, ("is_identity", "NO"), ("identity_cycle", "NO"),
                    ("is_updatable", YesOrNo(updatable is not null && ordinal < updatable.Length && updatable[ordinal])));
            }
        }
        foreach (SystemRelation system in All.Concat(InformationSchemaRelations))
        {
            for (int ordinal = 0; ordinal < system.ColumnTypes.Count; ordinal++)
            {
                yield return ColumnRow(relation, catalog, system.Schema, system.Name, system.ColumnNames[ordinal], ordinal + 1, system.ColumnTypes[ordinal],
                    notNull: false, defaultExpression: null, ("is_identity", "NO"), ("identity_cycle", "NO"), ("is_updatable", YesOrNo(system.Shape.Kind == 'r')));
            }
        }
    }

    private static object?[] ColumnRow(SystemRelation relation, CatalogSnapshot catalog, string schema, string table, string name, int number, SqlType type,
        bool notNull, string? defaultExpression, params (string Column, object? Value)[] overrides)
    {
        DataTypeFacts facts = DataTypeFacts.Of(type);
        (string, object?)[] values =
        [
            ("table_catalog", catalog.DatabaseName), ("table_schema", schema), ("table_name", table), ("column_name", name), ("ordinal_position", number),
            ("column_default", defaultExpression), ("is_nullable", YesOrNo(!notNull)), ("data_type", facts.DataType),
            ("character_maximum_length", facts.CharacterMaximumLength), ("character_octet_length", facts.CharacterOctetLength),
            ("numeric_precision", facts.NumericPrecision), ("numeric_precision_radix", facts.NumericPrecisionRadix), ("numeric_scale", facts.NumericScale),
            ("datetime_precision", facts.DatetimePrecision), ("udt_catalog", catalog.DatabaseName), ("udt_schema", PgCatalogSchema), ("udt_name", facts.UdtName),
            ("dtd_identifier", number.ToString(global::System.Globalization.CultureInfo.InvariantCulture)), ("is_self_referencing", "NO"),
            ("is_generated", "NEVER"), ("is_updatable", "YES"),
        ];
        // The later values win: a view's or system relation's own is_updatable replaces the base table's YES.
        return relation.Row([.. values, .. overrides]);
    }

    /// <summary>The sequence an identity column owns, which gives information_schema.columns its identity_* values.</summary>
    private static SequenceDescriptor? IdentitySequence(CatalogSnapshot catalog, TableDescriptor table, ColumnDescriptor column) =>
        catalog.Sequences.FirstOrDefault(sequence => sequence.IsIdentity && sequence.OwnedByTable == table.Name && sequence.OwnedByColumn == column.Name);

    /// <summary>The element type of every array column, keyed as columns' dtd_identifier is ('a' + the column number).</summary>
    private static IEnumerable<object?[]> ElementTypeRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (TableDescriptor table in catalog.Tables)
        {
            foreach (ColumnDescriptor column in table.Columns)
            {
                if (!column.Type.IsArray) continue;
                DataTypeFacts element = DataTypeFacts.Of(column.Type.ElementType.WithoutModifier);
                string number = column.Id.ToString(global::System.Globalization.CultureInfo.InvariantCulture);
                yield return relation.Row(("object_catalog", catalog.DatabaseName), ("object_schema", RelationNames.SchemaOf(table.Name)), ("object_name", RelationNames.NameOf(table.Name)),
                    ("object_type", "TABLE"), ("collection_type_identifier", number), ("data_type", element.DataType), ("udt_catalog", catalog.DatabaseName),
                    ("udt_schema", PgCatalogSchema), ("udt_name", element.UdtName), ("dtd_identifier", "a" + number));
            }
        }
    }

    private static IEnumerable<object?[]> CharacterSetRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        // The database's collation is C, which pg_collation's "C" in pg_catalog matches.
        yield return relation.Row(("character_set_name", "UTF8"), ("character_repertoire", "UCS"), ("form_of_use", "UTF8"),
            ("default_collate_catalog", catalog.DatabaseName), ("default_collate_schema", PgCatalogSchema), ("default_collate_name", "C"));
    }
}
