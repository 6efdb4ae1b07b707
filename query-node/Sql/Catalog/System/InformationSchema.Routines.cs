using System.Globalization;
using Log.QueryNode.Sql.Functions;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>information_schema's routines and parameters (the built-in functions, which pg_proc lists under the same
/// OIDs), sequences, and the privileges the owner holds on every relation.</summary>
internal static partial class SystemRelations
{
    /// <summary>The built-in functions with the OIDs pg_proc gives them.</summary>
    private static IEnumerable<(long Oid, FunctionDefinition Function)> NumberedFunctions() =>
        Procedures.Where(procedure => procedure.Function is not null).Select(procedure => (procedure.Oid, procedure.Function!));

    /// <summary>data_type and udt_name of a declared argument or result: a pseudo-type by its own name.</summary>
    private static (string DataType, string UdtName) RoutineType(ParameterType type)
    {
        if (type.Pseudo != PseudoType.None) return (type.DisplayName, type.DisplayName.Trim('"'));
        if (type.Type.Kind == TypeKind.Unknown) return ("anyelement", "anyelement");
        DataTypeFacts facts = DataTypeFacts.Of(type.Type.WithoutModifier);
        return (facts.DataType, facts.UdtName);
    }

    private static string SpecificName(long oid, FunctionDefinition function) => string.Create(CultureInfo.InvariantCulture, $"{function.Name}_{oid}");

    private static IEnumerable<object?[]> RoutineRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach ((long oid, FunctionDefinition function) in NumberedFunctions())
        {
            (string dataType, string udtName) = RoutineType(function.ResultType);
            yield return relation.Row(("specific_catalog", catalog.DatabaseName), ("specific_schema", PgCatalogSchema), ("specific_name", SpecificName(oid, function)),
                ("routine_catalog", catalog.DatabaseName), ("routine_schema", PgCatalogSchema), ("routine_name", function.Name), ("routine_type", "FUNCTION"),
                ("data_type", dataType), ("type_udt_catalog", catalog.DatabaseName), ("type_udt_schema", PgCatalogSchema), ("type_udt_name", udtName),
                ("dtd_identifier", "0"), ("routine_body", "EXTERNAL"), ("routine_definition", function.Name), ("external_language", "INTERNAL"),
                ("parameter_style", "GENERAL"), ("is_deterministic", YesOrNo(function.Volatility == Functions.Volatility.Immutable)), ("sql_data_access", "MODIFIES"),
                ("is_null_call", YesOrNo(function.Strict)), ("schema_level_routine", "YES"), ("max_dynamic_result_sets", 0), ("security_type", "INVOKER"),
                ("as_locator", "NO"), ("is_udt_dependent", "NO"));
        }
    }

    private static IEnumerable<object?[]> ParameterRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach ((long oid, FunctionDefinition function) in NumberedFunctions())
        {
            for (int position = 1; position <= function.Parameters.Count; position++)
            {
                (string dataType, string udtName) = RoutineType(function.Parameters[position - 1]);
                yield return relation.Row(("specific_catalog", catalog.DatabaseName), ("specific_schema", PgCatalogSchema), ("specific_name", SpecificName(oid, function)),
                    ("ordinal_position", position), ("parameter_mode", "IN"), ("is_result", "NO"), ("as_locator", "NO"), ("data_type", dataType),
                    ("udt_catalog", catalog.DatabaseName), ("udt_schema", PgCatalogSchema), ("udt_name", udtName),
                    ("dtd_identifier", position.ToString(CultureInfo.InvariantCulture)));
            }
        }
    }

    /// <summary>Sequences other than identity columns' (PostgreSQL hides those, as internal dependencies of their column).</summary>
    private static IEnumerable<object?[]> InformationSequenceRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (SequenceDescriptor sequence in catalog.Sequences)
        {
            if (sequence.IsIdentity) continue;
            DataTypeFacts facts = DataTypeFacts.Of(sequence.Type);
            yield return relation.Row(("sequence_catalog", catalog.DatabaseName), ("sequence_schema", RelationNames.SchemaOf(sequence.Name)), ("sequence_name", RelationNames.NameOf(sequence.Name)),
                ("data_type", facts.DataType), ("numeric_precision", facts.NumericPrecision), ("numeric_precision_radix", facts.NumericPrecisionRadix),
                ("numeric_scale", facts.NumericScale), ("start_value", Invariant(sequence.Start)), ("minimum_value", Invariant(sequence.MinValue)),
                ("maximum_value", Invariant(sequence.MaxValue)), ("increment", Invariant(sequence.Increment)), ("cycle_option", YesOrNo(sequence.Cycle)));
        }
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>What the owner may do on a table or view, as aclitem's default for an owner grants it; SELECT is the
    /// privilege that extends to child tables (with_hierarchy).</summary>
    private static readonly string[] TablePrivileges = ["DELETE", "INSERT", "REFERENCES", "SELECT", "TRIGGER", "TRUNCATE", "UPDATE"];

    /// <summary>The table privileges that also exist per column.</summary>
    private static readonly string[] ColumnPrivileges = ["INSERT", "REFERENCES", "SELECT", "UPDATE"];

    /// <summary>The system relations whose SELECT is not granted to PUBLIC (they hold passwords and user mappings).</summary>
    private static readonly HashSet<string> RestrictedSystemRelations = new(StringComparer.Ordinal) { "pg_authid", "pg_user_mapping" };

    /// <summary>Every relation with its column names and whether PUBLIC may read it: the user's tables and views, which
    /// only their owner may use, and the system relations, which PostgreSQL grants SELECT on to PUBLIC.</summary>
    private static IEnumerable<(string Schema, string Name, IEnumerable<string> Columns, bool PublicSelect)> PrivilegedRelations(CatalogSnapshot catalog) =>
        catalog.Tables.Select(table => (RelationNames.SchemaOf(table.Name), RelationNames.NameOf(table.Name), table.Columns.Select(column => column.Name), false))
            .Concat(catalog.Views.Select(view => (RelationNames.SchemaOf(view.Name), RelationNames.NameOf(view.Name), (IEnumerable<string>)view.ColumnNames, false)))
            .Concat(All.Concat(InformationSchemaRelations).Select(system =>
                (system.Schema, system.Name, (IEnumerable<string>)system.ColumnNames, !RestrictedSystemRelations.Contains(system.Name))));

    /// <summary>The grantee PostgreSQL's information_schema names for privileges granted to every role.</summary>
    private const string PublicGrantee = "PUBLIC";

    private static IEnumerable<object?[]> TablePrivilegeRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (object?[] row in UserTablePrivilegeRows(catalog, relation, grantsOnly: false)) yield return row;
        foreach ((string schema, string name, _, bool publicSelect) in PrivilegedRelations(catalog).Where(relation => relation.Schema is PgCatalogSchema or InformationSchemaSchema))
        {
            foreach (string privilege in TablePrivileges)
            {
                yield return TablePrivilegeRow(relation, catalog, catalog.UserName, schema, name, privilege, grantable: true);
            }
            if (publicSelect) yield return TablePrivilegeRow(relation, catalog, PublicGrantee, schema, name, "SELECT", grantable: false);
        }
    }

    private static object?[] TablePrivilegeRow(SystemRelation relation, CatalogSnapshot catalog, string grantee, string schema, string table, string privilege,
        bool grantable) =>
        relation.Row(("grantor", catalog.UserName), ("grantee", grantee), ("table_catalog", catalog.DatabaseName), ("table_schema", schema),
            ("table_name", table), ("privilege_type", privilege), ("is_grantable", YesOrNo(grantable)), ("with_hierarchy", YesOrNo(privilege == "SELECT")));

    private static IEnumerable<object?[]> ColumnPrivilegeRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (object?[] row in UserColumnPrivilegeRows(catalog, relation)) yield return row;
        foreach ((string schema, string name, IEnumerable<string> columns, bool publicSelect) in PrivilegedRelations(catalog)
            .Where(relation => relation.Schema is PgCatalogSchema or InformationSchemaSchema))
        {
            foreach (string column in columns)
            {
                foreach (string privilege in ColumnPrivileges)
                {
                    yield return ColumnPrivilegeRow(relation, catalog, catalog.UserName, schema, name, column, privilege, grantable: true);
                }
                if (publicSelect) yield return ColumnPrivilegeRow(relation, catalog, PublicGrantee, schema, name, column, "SELECT", grantable: false);
            }
        }
    }

    /// <summary>The user's tables' and views' column privileges: what the relation's ACL grants of the column privileges
    /// (on every column) and what each column's own ACL grants, once each, listed where the grantor or the grantee is one
    /// of the current role's roles or the grantee is PUBLIC, as PostgreSQL's view does.</summary>
    private static IEnumerable<object?[]> UserColumnPrivilegeRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        IReadOnlySet<long> roles = catalog.Identity.Roles;
        var relations = catalog.Tables.Select(table => (Oid: ObjectIds.Relation(table.Id), table.Name, Owner: table.OwnerOid,
                Columns: table.Columns.Select(column => (column.Id, column.Name)).ToList()))
            .Concat(catalog.Views.Select(view => (Oid: ObjectIds.Relation(view.Id), view.Name, Owner: catalog.PrivilegesOf(ObjectIds.Relation(view.Id)).OwnerOid,
                Columns: view.ColumnNames.Select((name, index) => (Id: index + 1, Name: name)).ToList())));
        foreach ((long oid, string catalogName, long ownerOid, List<(int Id, string Name)> columns) in relations)
        {
            long owner = RoleNames.Shown(ownerOid);
            ObjectPrivileges privileges = catalog.PrivilegesOf(oid);
            IReadOnlyList<AccessControlItem> tableItems = privileges.EffectiveItems(owner, ObjectPrivileges.TableAll);
            foreach ((int columnId, string columnName) in columns)
            {
                IEnumerable<AccessControlItem> items = tableItems.Concat(privileges.Columns.GetValueOrDefault(columnId) ?? []);
                var seen = new HashSet<(long Grantor, long Grantee, Privileges Privilege)>();
                foreach (AccessControlItem item in items)
                {
                    bool visible = roles.Contains(RoleNames.Shown(item.GrantorOid)) || roles.Contains(item.GranteeOid) || item.GranteeOid == 0;
                    if (!visible) continue;
                    foreach (string privilege in ObjectPrivileges.Words(item.Granted & ObjectPrivileges.ColumnAll))
                    {
                        Privileges bit = ObjectPrivileges.Parse(privilege);
                        if (!seen.Add((item.GrantorOid, item.GranteeOid, bit))) continue;
                        bool grantable = item.GranteeOid == owner || (item.GrantOptions & bit) != 0;
                        string grantee = item.GranteeOid == 0 ? PublicGrantee : catalog.RoleName(item.GranteeOid) ?? "";
                        yield return relation.Row(("grantor", catalog.RoleName(item.GrantorOid)), ("grantee", grantee), ("table_catalog", catalog.DatabaseName),
                            ("table_schema", RelationNames.SchemaOf(catalogName)), ("table_name", RelationNames.NameOf(catalogName)), ("column_name", columnName),
                            ("privilege_type", privilege), ("is_grantable", YesOrNo(grantable)));
                    }
                }
            }
        }
    }

    private static object?[] ColumnPrivilegeRow(SystemRelation relation, CatalogSnapshot catalog, string grantee, string schema, string table, string column,
        string privilege, bool grantable) =>
        relation.Row(("grantor", catalog.UserName), ("grantee", grantee), ("table_catalog", catalog.DatabaseName), ("table_schema", schema),
            ("table_name", table), ("column_name", column), ("privilege_type", privilege), ("is_grantable", YesOrNo(grantable)));
}
