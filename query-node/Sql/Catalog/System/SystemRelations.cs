using Log.Wire.Types;
using Log.QueryNode.Sql.Types;
using Log.QueryNode.Sql.Types.Handlers;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>
/// The pg_catalog relations by name, each with its rows (the PgCatalog*.cs files). pg_catalog is searched before
/// public for unqualified names, as PostgreSQL's search path puts it first implicitly. A relation Log has no objects
/// for exists and is empty, as PostgreSQL's is on a database without them.
/// </summary>
internal static partial class SystemRelations
{
    public const string PgCatalogSchema = "pg_catalog";

    private static readonly Dictionary<string, SystemRelation> PgCatalog = BuildPgCatalog();

    public static SystemRelation? Find(string name) => PgCatalog.GetValueOrDefault(name);

    /// <summary>The relation a FROM item names, or null: pg_catalog.X, or an unqualified X that pg_catalog has.</summary>
    public static SystemRelation? Resolve(string? schema, string name) => schema switch
    {
        null or PgCatalogSchema => Find(name),
        InformationSchemaSchema => FindInformationSchema(name),
        SysSchema => ResolveSys(name),
        _ => null,
    };

    public static IEnumerable<SystemRelation> All => PgCatalog.Values;

    private static Dictionary<string, SystemRelation> BuildPgCatalog()
    {
        var rows = new Dictionary<string, Func<CatalogSnapshot, SystemRelation, IEnumerable<object?[]>>>(StringComparer.Ordinal)
        {
            ["pg_namespace"] = NamespaceRows,
            ["pg_class"] = ClassRows,
            ["pg_attribute"] = AttributeRows,
            ["pg_type"] = TypeRows,
            ["pg_index"] = IndexRows,
            ["pg_constraint"] = ConstraintRows,
            ["pg_attrdef"] = AttributeDefaultRows,
            ["pg_sequence"] = SequenceRows,
            ["pg_database"] = DatabaseRows,
            ["pg_roles"] = RoleRows,
            ["pg_authid"] = RoleRows,
            ["pg_auth_members"] = RoleMembershipRows,
            ["pg_default_acl"] = DefaultAclRows,
            ["pg_user"] = UserRows,
            ["pg_settings"] = SettingRows,
            ["pg_am"] = AccessMethodRows,
            ["pg_opclass"] = OperatorClassRows,
            ["pg_operator"] = OperatorRows,
            ["pg_cast"] = CastRows,
            ["pg_tables"] = TableRows,
            ["pg_views"] = ViewRows,
            ["pg_indexes"] = IndexDefinitionRows,
            ["pg_sequences"] = SequenceViewRows,
            ["pg_proc"] = ProcedureRows,
            ["pg_collation"] = CollationRows,
            ["pg_tablespace"] = TablespaceRows,
            ["pg_extension"] = ExtensionRows,
            ["pg_stat_activity"] = ActivityRows,
            ["pg_cursors"] = CursorRows,
            ["pg_prepared_statements"] = PreparedStatementRows,
            ["pg_description"] = DescriptionRows,
            ["pg_language"] = LanguageRows,
            ["pg_depend"] = DependencyRows,
            ["pg_range"] = RangeRows,
            ["pg_available_extensions"] = AvailableExtensionRows,
            ["pg_stat_user_tables"] = TableStatisticsRows,
            ["pg_stat_all_tables"] = TableStatisticsRows,
        };
        var relations = new Dictionary<string, SystemRelation>(StringComparer.Ordinal);
        foreach (SystemRelationShape shape in PgCatalogColumns.All.Concat(PostgreSqlRelationColumns.PgCatalog))
        {
            relations[shape.Name] = new SystemRelation(shape, PgCatalogSchema, rows.GetValueOrDefault(shape.Name) ?? ((_, _) => []));
        }
        return relations;
    }

    private static readonly SqlType OidType = new(TypeKind.Oid);

    private static IEnumerable<object?[]> NamespaceRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        PgArray superuserSchema = SchemaPrivileges(catalog.UserName);
        yield return relation.Row(("oid", ObjectIds.PgCatalogNamespace), ("nspname", "pg_catalog"), ("nspowner", ObjectIds.SuperuserRole), ("nspacl", superuserSchema));
        yield return relation.Row(("oid", ObjectIds.PgToastNamespace), ("nspname", "pg_toast"), ("nspowner", ObjectIds.SuperuserRole));
        yield return relation.Row(("oid", ObjectIds.PublicNamespace), ("nspname", SqlCatalog.DefaultSchema), ("nspowner", ObjectIds.DatabaseOwnerRole),
            ("nspacl", RelationAcl(catalog, ObjectIds.PublicNamespace) ?? SchemaPrivileges("pg_database_owner")));
        yield return relation.Row(("oid", ObjectIds.InformationSchemaNamespace), ("nspname", "information_schema"), ("nspowner", ObjectIds.SuperuserRole),
            ("nspacl", superuserSchema));
        foreach (SchemaDescriptor schema in catalog.Schemas)
        {
            long oid = ObjectIds.Relation(schema.Id);
            yield return relation.Row(("oid", oid), ("nspname", schema.Name), ("nspowner", catalog.RoleOid(schema.Owner) ?? RoleNames.OidOf(schema.Owner)),
                ("nspacl", RelationAcl(catalog, oid)));
        }
    }

    /// <summary>initdb's privileges on a schema: its owner may use it and create in it (UC), everyone may use it (U).</summary>
    private static PgArray SchemaPrivileges(string owner) => PgArray.OneDimensional([$"{owner}=UC/{owner}", $"=U/{owner}"]);

    private static IEnumerable<object?[]> DatabaseRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        yield return relation.Row(("oid", ObjectIds.Database), ("datname", catalog.DatabaseName), ("datdba", ObjectIds.SuperuserRole), ("encoding", 6),
            ("datlocprovider", "c"), ("datallowconn", true), ("datconnlimit", -1), ("dattablespace", ObjectIds.DefaultTablespace),
            ("datcollate", "C"), ("datctype", "C"), ("datfrozenxid", XidHandler.FirstNormalTransactionId),
            ("datminmxid", XidHandler.FirstMultiTransactionId));
        // initdb's templates, with its OIDs: clients list them (psql's \l, DBeaver's template choice) and skip them by
        // datistemplate and datallowconn, as they do on PostgreSQL.
        yield return relation.Row(("oid", 1L), ("datname", "template1"), ("datdba", ObjectIds.SuperuserRole), ("encoding", 6), ("datlocprovider", "c"),
            ("datistemplate", true), ("datallowconn", true), ("datconnlimit", -1), ("dattablespace", ObjectIds.DefaultTablespace), ("datcollate", "C"), ("datctype", "C"), ("datfrozenxid", XidHandler.FirstNormalTransactionId),
            ("datminmxid", XidHandler.FirstMultiTransactionId));
        yield return relation.Row(("oid", 4L), ("datname", "template0"), ("datdba", ObjectIds.SuperuserRole), ("encoding", 6), ("datlocprovider", "c"),
            ("datistemplate", true), ("datallowconn", false), ("datconnlimit", -1), ("dattablespace", ObjectIds.DefaultTablespace), ("datcollate", "C"), ("datctype", "C"), ("datfrozenxid", XidHandler.FirstNormalTransactionId),
            ("datminmxid", XidHandler.FirstMultiTransactionId));
    }

    private static IEnumerable<object?[]> RoleRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        bool isView = relation.Name == "pg_roles";
        yield return relation.Row(("oid", ObjectIds.SuperuserRole), ("rolname", catalog.SuperuserName), ("rolsuper", true), ("rolinherit", true),
            ("rolcreaterole", true), ("rolcreatedb", true), ("rolcanlogin", true), ("rolreplication", true), ("rolbypassrls", true),
            ("rolconnlimit", -1), ("rolpassword", isView ? "********" : null));
        foreach (object?[] row in PredefinedRoleRows(relation)) yield return row;
        foreach (object?[] row in StoredRoleRows(catalog, relation)) yield return row;
    }

    private static IEnumerable<object?[]> UserRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        yield return relation.Row(("usename", catalog.SuperuserName), ("usesysid", ObjectIds.SuperuserRole), ("usecreatedb", true), ("usesuper", true),
            ("userepl", true), ("usebypassrls", true), ("passwd", "********"));
        foreach (RoleDescriptor role in catalog.Roles.Where(role => role.CanLogin))
        {
            yield return relation.Row(("usename", role.Name), ("usesysid", role.Oid), ("usecreatedb", role.CreateDatabase), ("usesuper", role.Superuser),
                ("userepl", role.Replication), ("usebypassrls", role.BypassRowLevelSecurity), ("passwd", "********"), ("valuntil", role.ValidUntilUtc));
        }
    }

    private static IEnumerable<object?[]> AccessMethodRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        yield return relation.Row(("oid", ObjectIds.HeapAccessMethod), ("amname", "heap"), ("amhandler", new RegProc(3, "heap_tableam_handler")), ("amtype", "t"));
        yield return relation.Row(("oid", ObjectIds.BtreeAccessMethod), ("amname", "btree"), ("amhandler", new RegProc(330, "bthandler")), ("amtype", "i"));
        foreach ((long oid, string name, long handlerOid, string handler) in PostgreSqlIndexAccessMethods)
        {
            yield return relation.Row(("oid", oid), ("amname", name), ("amhandler", new RegProc(handlerOid, handler)), ("amtype", "i"));
        }
    }

    /// <summary>PostgreSQL 15's other index access methods, listed as pg_am lists them (clients read it whole) though
    /// CREATE INDEX ... USING one of them is 0A000 naming it, as the PostgreSQL-only types of pg_type are.</summary>
    private static readonly (long Oid, string Name, long HandlerOid, string Handler)[] PostgreSqlIndexAccessMethods =
    [
        (405, "hash", 331, "hashhandler"),
        (783, "gist", 332, "gisthandler"),
        (2742, "gin", 333, "ginhandler"),
        (3580, "brin", 335, "brinhandler"),
        (4000, "spgist", 334, "spghandler"),
    ];

    private static IEnumerable<object?[]> CollationRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach ((long oid, string name, string provider, int encoding, string? collate) in new (long, string, string, int, string?)[]
                 {
                     (ObjectIds.DefaultCollation, "default", "d", -1, null),
                     (ObjectIds.CCollation, "C", "c", -1, "C"),
                     (ObjectIds.PosixCollation, "POSIX", "c", -1, "POSIX"),
                 })
        {
            yield return relation.Row(("oid", oid), ("collname", name), ("collnamespace", ObjectIds.PgCatalogNamespace), ("collowner", ObjectIds.SuperuserRole),
                ("collprovider", provider), ("collisdeterministic", true), ("collencoding", encoding), ("collcollate", collate), ("collctype", collate));
        }
    }

    private static IEnumerable<object?[]> TablespaceRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        yield return relation.Row(("oid", ObjectIds.DefaultTablespace), ("spcname", "pg_default"), ("spcowner", ObjectIds.SuperuserRole));
        yield return relation.Row(("oid", ObjectIds.GlobalTablespace), ("spcname", "pg_global"), ("spcowner", ObjectIds.SuperuserRole));
    }

    private static IEnumerable<object?[]> ExtensionRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        yield return relation.Row(("oid", ObjectIds.PlpgsqlExtension), ("extname", "plpgsql"), ("extowner", ObjectIds.SuperuserRole),
            ("extnamespace", ObjectIds.PgCatalogNamespace), ("extrelocatable", false), ("extversion", "1.0"));
    }

    /// <summary>Every live session of this query node (sessions of other query nodes are theirs to show), with the
    /// statement each runs or ran last; a catalog read without a session shows nothing.</summary>
    private static IEnumerable<object?[]> ActivityRows(CatalogSnapshot catalog, SystemRelation relation) =>
        (catalog.Session?.Activity ?? []).Select(activity => relation.Row(("datid", ObjectIds.Database), ("datname", activity.DatabaseName),
            ("pid", activity.ProcessId), ("usesysid", catalog.RoleOid(activity.UserName) ?? RoleNames.OidOf(activity.UserName)),
            ("usename", activity.UserName), ("application_name", activity.ApplicationName),
            ("client_addr", activity.Client?.Address.ToString()), ("client_port", activity.Client?.Port ?? -1),
            ("backend_start", activity.BackendStartUtc), ("xact_start", activity.TransactionStartUtc), ("query_start", activity.QueryStartUtc),
            ("state_change", activity.StateChangeUtc), ("state", activity.State), ("query", activity.Query), ("backend_type", "client backend")));

    /// <summary>The session's named prepared statements. Log's cached plan keeps $n as run-time values: generic_plans
    /// counts the runs of a query from it, custom_plans the runs of the statements planned again with each run's values.</summary>
    private static IEnumerable<object?[]> PreparedStatementRows(CatalogSnapshot catalog, SystemRelation relation) =>
        (catalog.Session?.PreparedStatements ?? []).Select(prepared => relation.Row(("name", prepared.Name), ("statement", prepared.Statement),
            ("prepare_time", prepared.PrepareTimeUtc),
            ("parameter_types", PgArray.OneDimensional([.. prepared.ParameterTypeOids.Select(oid => (object?)RegTypeHandler.FromOid(oid))])),
            ("from_sql", prepared.FromSql), ("generic_plans", prepared.GenericPlans), ("custom_plans", prepared.CustomPlans)));

    /// <summary>The session's open cursors; none is binary (DECLARE ... BINARY is refused).</summary>
    private static IEnumerable<object?[]> CursorRows(CatalogSnapshot catalog, SystemRelation relation) =>
        (catalog.Session?.Cursors ?? []).Select(cursor => relation.Row(("name", cursor.Name), ("statement", cursor.Statement),
            ("is_holdable", cursor.IsHoldable), ("is_binary", cursor.IsBinary), ("is_scrollable", cursor.IsScrollable), ("creation_time", cursor.CreationTimeUtc)));
}
