using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Executor;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>
/// Every schema object one statement can see, read once from the statement's transaction (so the catalogs answer
/// from the same snapshot as the rest of the statement, DDL of the transaction itself included) and kept on the
/// statement's context for all the virtual relations, reg* casts and catalog functions of the statement. Reading it
/// scans the descriptor key ranges; there are as many entries as tables, views and sequences.
/// </summary>
internal sealed class CatalogSnapshot
{
    private readonly Dictionary<long, TableDescriptor> _tablesByOid = [];
    private readonly Dictionary<string, long> _userRelationOids = new(StringComparer.Ordinal);
    private readonly Dictionary<long, string> _relationNames = [];
    private readonly Dictionary<SystemRelation, object?[][]> _systemRows = [];

    private CatalogSnapshot(IReadOnlyList<TableDescriptor> tables, IReadOnlyList<SequenceDescriptor> sequences, IReadOnlyList<ViewDescriptor> views,
        IReadOnlyList<JobDescriptor> jobs, ISessionEnvironment? session)
    {
        Jobs = jobs;
        Tables = tables;
        Sequences = sequences;
        Views = views;
        Session = session;
        foreach (TableDescriptor table in tables)
        {
            long oid = ObjectIds.Relation(table.Id);
            _tablesByOid[oid] = table;
            AddRelation(table.Name, oid);
            AddRelation(table.PrimaryKeyConstraintName, ObjectIds.Index(oid, TableDescriptor.PrimaryIndexId), onlyIf: !table.HasHiddenRowId);
            foreach (IndexDescriptor index in table.Indexes) AddRelation(index.Name, ObjectIds.Index(oid, index.Id));
        }
        foreach (SequenceDescriptor sequence in sequences) AddRelation(sequence.Name, ObjectIds.Relation(sequence.Id));
        foreach (ViewDescriptor view in views) AddRelation(view.Name, ObjectIds.Relation(view.Id));
        foreach (SystemRelationShape relation in PgCatalogColumns.All.Concat(PostgreSqlRelationColumns.PgCatalog)) _relationNames.TryAdd(relation.Oid, relation.Name);
    }

    /// <summary>The user schemas (pg_namespace rows beside the built-in ones), read with the rest.</summary>
    public IReadOnlyList<SchemaDescriptor> Schemas { get; private init; } = [];

    /// <summary>pg_namespace.oid of the schema a relation's catalog name is in.</summary>
    public long NamespaceOid(string catalogName)
    {
        string schema = RelationNames.SchemaOf(catalogName);
        if (schema == SqlCatalog.DefaultSchema) return ObjectIds.PublicNamespace;
        foreach (SchemaDescriptor candidate in Schemas) if (candidate.Name == schema) return ObjectIds.Relation(candidate.Id);
        return ObjectIds.PublicNamespace;
    }

    public IReadOnlyList<TableDescriptor> Tables { get; }

    public IReadOnlyList<SequenceDescriptor> Sequences { get; }

    public IReadOnlyList<ViewDescriptor> Views { get; }

    /// <summary>Background jobs (sys.jobs).</summary>
    public IReadOnlyList<JobDescriptor> Jobs { get; }

    /// <summary>The session the statement runs in (user, database, settings), or null outside one.</summary>
    public ISessionEnvironment? Session { get; }

    public string UserName => Session?.LoginUserName ?? "postgres";

    public string DatabaseName => Session?.DatabaseName ?? "postgres";

    private void AddRelation(string name, long oid, bool onlyIf = true)
    {
        if (!onlyIf) return;
        _userRelationOids.TryAdd(name, oid);
        _relationNames[oid] = name;
    }

    private static async ValueTask<CatalogSnapshot> LoadAsync(ITransactionStore store, StatementContext statement, CancellationToken cancellationToken)
    {
        ISessionEnvironment? session = statement.Session;
        var tables = new List<TableDescriptor>();
        (byte[] start, byte[] end) = CatalogKeys.DescriptorByNameRange();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(start, end, cancellationToken))
        {
            tables.Add(DescriptorCodec.Decode(entry.Value));
        }
        var sequences = new List<SequenceDescriptor>();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(CatalogKeys.SequenceByNamePrefix(), CatalogKeys.SequenceStatePrefix(), cancellationToken))
        {
            sequences.Add(SequenceCodec.Decode(entry.Value));
        }
        var views = new List<ViewDescriptor>();
        (start, end) = CatalogKeys.ViewByNameRange();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(start, end, cancellationToken))
        {
            views.Add(SqlCatalog.DecodeView(entry.Value));
        }
        // PostgreSQL's catalogs are heaps that grow in creation order, which is the order a client sees when its
        // catalog query has no ORDER BY (Django's table list, say); ids are allocated in creation order too.
        tables.Sort((left, right) => left.Id.CompareTo(right.Id));
        sequences.Sort((left, right) => left.Id.CompareTo(right.Id));
        views.Sort((left, right) => left.Id.CompareTo(right.Id));
        List<SchemaDescriptor> schemas = await SqlCatalog.GetSchemasAsync(store, cancellationToken);
        if (statement.Relations is { } resolver) await resolver.PathAsync(cancellationToken);
        IEnumerable<string> relationNames = tables.Select(table => table.Name).Concat(sequences.Select(sequence => sequence.Name)).Concat(views.Select(view => view.Name))
            .Concat(tables.SelectMany(table => table.Indexes.Select(index => index.Name)));
        Dictionary<(string Relation, int Column), string> comments = await SqlCatalog.ReadCommentsAsync(store, relationNames, cancellationToken);
        List<JobDescriptor> jobs = await SqlCatalog.GetJobsAsync(store, cancellationToken);
        List<RoleDescriptor> roles = await SqlCatalog.GetRolesAsync(store, cancellationToken);
        return new CatalogSnapshot(tables, sequences, views, jobs, session)
        {
            Comments = comments, Schemas = schemas, Roles = roles,
            RoleMemberships = await SqlCatalog.GetRoleMembershipsAsync(store, cancellationToken),
            IamMappings = await SqlCatalog.GetIamMappingsAsync(store, cancellationToken),
            Privileges = await SqlCatalog.GetAllPrivilegesAsync(store, cancellationToken),
            Relations = statement.Relations,
            DefaultPrivileges = await SqlCatalog.GetDefaultPrivilegesAsync(store, cancellationToken),
            Identity = statement.Identity ?? await Authorization.ResolveAsync(store, session, cancellationToken),
            SuperuserName = Authorization.SuperuserName(session, roles),
        };
    }

    /// <summary>The statement's relation names along search_path (its path is read when the snapshot is), which regclass
    /// input, pg_table_is_visible and GRANT's relation names follow; null outside a statement.</summary>
    public RelationResolver? Relations { get; private init; }

    /// <summary>The stored roles (pg_authid beside admin and the predefined roles), in OID order.</summary>
    public IReadOnlyList<RoleDescriptor> Roles { get; private init; } = [];

    public IReadOnlyList<RoleMembership> RoleMemberships { get; private init; } = [];

    public IReadOnlyList<IamMapping> IamMappings { get; private init; } = [];

    /// <summary>Objects' privileges by OID; an object not here has the default ACL.</summary>
    public IReadOnlyDictionary<long, ObjectPrivileges> Privileges { get; private init; } = new Dictionary<long, ObjectPrivileges>();

    /// <summary>ALTER DEFAULT PRIVILEGES entries (pg_default_acl).</summary>
    public IReadOnlyList<DefaultPrivileges> DefaultPrivileges { get; private init; } = [];

    public ObjectPrivileges PrivilegesOf(long oid) => Privileges.GetValueOrDefault(oid) ?? ObjectPrivileges.Default;

    /// <summary>Who the statement runs as.</summary>
    public RoleIdentity Identity { get; private init; } = RoleIdentity.Superuser;

    /// <summary>The name the bootstrap superuser (OID 10) shows under (see <see cref="Authorization.SuperuserName"/>).</summary>
    public string SuperuserName { get; private init; } = "postgres";

    /// <summary>A role's name by OID (admin's shown name for 10, a predefined role's), or null for none.</summary>
    public string? RoleName(long oid)
    {
        if (oid is ObjectIds.SuperuserRole or 0) return SuperuserName;
        foreach (RoleDescriptor role in Roles) if (role.Oid == oid) return role.Name;
        foreach ((long predefined, string name) in SystemRelations.PredefinedRoles) if (predefined == oid) return name;
        return null;
    }

    /// <summary>A role's OID by name, or null when no role has it.</summary>
    public long? RoleOid(string name)
    {
        if (name == SuperuserName || Authorization.IsSuperuserAlias(name)) return ObjectIds.SuperuserRole;
        foreach (RoleDescriptor role in Roles) if (role.Name == name) return role.Oid;
        foreach ((long predefined, string predefinedName) in SystemRelations.PredefinedRoles) if (predefinedName == name) return predefined;
        return null;
    }

    /// <summary>The owner of a user relation by OID (0 for admin): a table's from its descriptor, a sequence a column owns
    /// its table's, a view's or other sequence's from its privileges record.</summary>
    public long OwnerOfRelation(long oid)
    {
        if (FindTable(oid) is { } table) return table.OwnerOid;
        foreach (SequenceDescriptor sequence in Sequences)
        {
            if (ObjectIds.Relation(sequence.Id) == oid && sequence.OwnedByTable is { } owner) return FindTableByCatalogName(owner)?.OwnerOid ?? 0;
        }
        return PrivilegesOf(oid).OwnerOid;
    }

    /// <summary>The identity of another role (has_table_privilege('role', ...)): itself and what it inherits.</summary>
    public RoleIdentity IdentityOf(long oid)
    {
        if (oid == Identity.Oid) return Identity;
        RoleDescriptor? role = Roles.FirstOrDefault(candidate => candidate.Oid == oid);
        if (role is null) return oid == ObjectIds.SuperuserRole ? RoleIdentity.Superuser : new RoleIdentity(oid, RoleName(oid) ?? "", false, new HashSet<long> { oid });
        if (role.Superuser) return new RoleIdentity(oid, role.Name, true, new HashSet<long> { oid });
        if (!role.Inherit) return new RoleIdentity(oid, role.Name, false, new HashSet<long> { oid });
        return new RoleIdentity(oid, role.Name, false, Authorization.MemberOf(oid, RoleMemberships, Roles.ToDictionary(stored => stored.Oid, stored => stored.Inherit)));
    }

    /// <summary>COMMENT ON texts by relation name and column number (0: the relation's own).</summary>
    public IReadOnlyDictionary<(string Relation, int Column), string> Comments { get; private init; } = new Dictionary<(string Relation, int Column), string>();

    /// <summary>The snapshot of the running statement, read now if no part of the statement has read it yet.</summary>
    public static async ValueTask<CatalogSnapshot> ForStatementAsync(StatementContext statement, ITransactionStore store, CancellationToken cancellationToken) =>
        statement.CatalogSnapshot ??= await LoadAsync(store, statement, cancellationToken);

    /// <summary>A system relation's rows, computed once per statement: a correlated subquery over pg_attribute or pg_type
    /// (asyncpg's and DBeaver's type queries have them) scans it once per outer row, and PostgreSQL's catalogs are one
    /// snapshot for the whole statement too. The rows are shared, so readers must not change them.</summary>
    public IReadOnlyList<object?[]> RowsOf(SystemRelation relation)
    {
        lock (_systemRows)
        {
            if (!_systemRows.TryGetValue(relation, out object?[][]? rows))
            {
                rows = relation.Rows(this).ToArray();
                _systemRows[relation] = rows;
            }
            return rows;
        }
    }

    public TableDescriptor? FindTable(long oid) => _tablesByOid.GetValueOrDefault(oid);

    /// <summary>The OID of a relation by name as regclass input resolves it: pg_catalog first, then search_path.</summary>
    public long? FindRelationOid(string? schema, string name)
    {
        if (schema is null or "pg_catalog" && SystemRelations.Find(name) is { } system) return system.Shape.Oid;
        if (schema is not null) return _userRelationOids.TryGetValue(RelationNames.Compose(schema, name), out long qualified) ? qualified : null;
        foreach (string candidate in Relations?.LoadedPath ?? [SqlCatalog.DefaultSchema])
        {
            if (_userRelationOids.TryGetValue(RelationNames.Compose(candidate, name), out long oid)) return oid;
        }
        return null;
    }

    /// <summary>pg_table_is_visible: whether the relation's name alone finds it. pg_catalog's relations always; a user
    /// relation when its schema is on search_path and no schema before it has a relation of that name. Null for an
    /// OID no relation has, as PostgreSQL answers.</summary>
    public bool? IsVisible(long oid)
    {
        if (!_relationNames.TryGetValue(oid, out string? name)) return null;
        if (!(_userRelationOids.TryGetValue(name, out long own) && own == oid)) return true;
        string relation = RelationNames.NameOf(name);
        foreach (string schema in Relations?.LoadedPath ?? [SqlCatalog.DefaultSchema])
        {
            if (_userRelationOids.TryGetValue(RelationNames.Compose(schema, relation), out long found)) return found == oid;
        }
        return false;
    }

    /// <summary>The name of a relation by OID as regclass prints it (regclassout): the name alone when search_path
    /// finds it by that name, else qualified with its schema, each part quoted where needed; null when no relation has
    /// the OID.</summary>
    public string? RelationName(long oid)
    {
        if (CatalogName(oid) is not { } name) return null;
        (string schema, string relation) = RelationNames.Split(name);
        if (!_userRelationOids.ContainsKey(name) || IsVisible(oid) == true) return QualifiedNames.Quote(relation);
        return QualifiedNames.Quote(schema) + "." + QualifiedNames.Quote(relation);
    }

    /// <summary>The catalog name (<see cref="RelationNames"/>) of a relation by OID, or null when no relation has it.</summary>
    public string? CatalogName(long oid) => _relationNames.GetValueOrDefault(oid);

    /// <summary>The OID of a relation by its catalog name (a foreign key's referenced table, a sequence's owner).</summary>
    public long? FindCatalogRelationOid(string catalogName) => _userRelationOids.TryGetValue(catalogName, out long oid) ? oid : null;

    /// <summary>The table of a catalog name, or null when no table has it.</summary>
    public TableDescriptor? FindTableByCatalogName(string catalogName) => FindCatalogRelationOid(catalogName) is long oid ? FindTable(oid) : null;
}
