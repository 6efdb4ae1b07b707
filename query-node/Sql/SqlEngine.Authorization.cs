using System.Runtime.CompilerServices;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql;

/// <summary>
/// Privilege checks on every statement, before it changes or returns anything. Who the statement runs as is read once
/// per transaction (and again after DDL or SET ROLE), so a superuser session pays one cached lookup per statement and
/// no check; another role's statement reads the ACL of each relation it names. Relations a query reads need SELECT,
/// an INSERT/UPDATE/DELETE target its privilege (and SELECT when it reads the target's rows: WHERE, RETURNING, FROM or
/// USING), or that privilege on every column it writes; DDL needs ownership, CREATE on the schema it creates in, or
/// TRUNCATE.
/// </summary>
public sealed partial class SqlEngine
{
    private sealed record CachedIdentity(long TransactionId, long CatalogVersion, string RoleName, RoleIdentity Identity);

    private readonly ConditionalWeakTable<ISessionEnvironment, CachedIdentity> _identities = new();

    /// <summary>What a session's login was: the OID of the stored role it logged in as, or null for admin (a name that is no
    /// stored role: the bootstrap superuser).</summary>
    private sealed record SessionLogin(long? RoleOid);

    private readonly ConditionalWeakTable<ISessionEnvironment, SessionLogin> _logins = new();

    /// <summary>
    /// The check at the start of every transaction, as DSQL re-authorises each one: the role the session logged in as must
    /// still exist (the same role, not a new one of that name), and a session let in by an IAM principal must still be
    /// mapped to its role (AWS IAM REVOKE stops its next transaction). Otherwise 28000, which the session sends as FATAL
    /// and then closes the connection. Reads one key (two with a principal) in the new transaction's snapshot.
    /// </summary>
    public async ValueTask AuthorizeTransactionAsync(ITransactionStore store, ISessionEnvironment session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(session);
        string user = session.LoginUserName;
        if (Authorization.IsSuperuserAlias(user)) return;
        RoleDescriptor? role = await SqlCatalog.GetRoleAsync(store, user, cancellationToken);
        if (!_logins.TryGetValue(session, out SessionLogin? login))
        {
            login = new SessionLogin(role?.Oid);
            _logins.AddOrUpdate(session, login);
        }
        if (login.RoleOid is long loggedIn && role?.Oid != loggedIn)
        {
            throw new SqlException(SqlState.InvalidAuthorizationSpecification, $"role \"{user}\" does not exist",
                detail: "The role this session logged in as was dropped.");
        }
        if (session.IamPrincipal is { } principal && (role is null || await SqlCatalog.GetIamMappingAsync(store, role.Oid, principal, cancellationToken) is null))
        {
            throw new SqlException(SqlState.InvalidAuthorizationSpecification, $"role \"{user}\" is not authorized for this IAM principal",
                detail: "Its AWS IAM mapping was revoked.");
        }
    }

    /// <summary>Who the running statement runs as (see <see cref="Authorization"/>).</summary>
    private async ValueTask<RoleIdentity> IdentityAsync(ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        if (statementContext.Identity is { } known) return known;
        ISessionEnvironment? session = statementContext.Session;
        RoleIdentity identity = RoleIdentity.Superuser;
        if (session is not null)
        {
            string roleName = Authorization.CurrentRoleName(session);
            long version = CatalogVersion;
            if (_identities.TryGetValue(session, out CachedIdentity? cached) && cached.TransactionId == session.TransactionId
                && cached.CatalogVersion == version && cached.RoleName == roleName)
            {
                identity = cached.Identity;
            }
            else
            {
                identity = await Authorization.ResolveAsync(store, session, cancellationToken);
                _identities.AddOrUpdate(session, new CachedIdentity(session.TransactionId, version, roleName, identity));
            }
        }
        statementContext.Identity = identity;
        return identity;
    }

    /// <summary>The privileges a statement needs on each relation it modifies (others need SELECT), with the columns it
    /// writes (null: every column, for INSERT without a column list).</summary>
    private static Dictionary<RangeVar, (Privileges Privileges, IReadOnlyList<string>? Columns)> ModificationTargets(Node tree)
    {
        var targets = new Dictionary<RangeVar, (Privileges, IReadOnlyList<string>?)>(ReferenceEqualityComparer.Instance);
        foreach (Node node in ParseTree.Walk(tree))
        {
            switch (node)
            {
                case InsertStmt insert:
                    Privileges insertPrivileges = Privileges.Insert | (insert.ReturningList is null ? 0 : Privileges.Select)
                        | (insert.OnConflict is { Action: OnConflictAction.DoUpdate } ? Privileges.Update | Privileges.Select : 0);
                    targets[insert.Relation] = (insertPrivileges, insert.Columns?.Select(column => column.Name!).ToList());
                    break;
                case UpdateStmt update:
                    // SET a = a + 1 reads a column too, so it needs SELECT on it as WHERE would.
                    bool readsRows = update.Where is not null || update.ReturningList is not null || update.FromClause.Count > 0
                        || update.TargetList.Any(target => ParseTree.Walk(target.Value).Any(node => node is ColumnRef));
                    targets[update.Relation] = (Privileges.Update | (readsRows ? Privileges.Select : 0), update.TargetList.Select(target => target.Name!).ToList());
                    break;
                case DeleteStmt delete:
                    bool deleteReads = delete.Where is not null || delete.ReturningList is not null || delete.UsingClause.Count > 0;
                    targets[delete.Relation] = (Privileges.Delete | (deleteReads ? Privileges.Select : 0), null);
                    break;
            }
        }
        return targets;
    }

    /// <summary>Checks the privileges a statement needs on a relation it names directly (not through a view, whose
    /// owner's privileges PostgreSQL checks instead), and USAGE on its schema. 42501 "permission denied for {kind}
    /// {name}" when it lacks them. A privilege held on every column the statement uses is enough, as PostgreSQL's column
    /// privileges allow: INSERT/UPDATE on the columns it writes, SELECT on the columns it reads (on any one column when
    /// it reads none, as count(*) does).</summary>
    private async ValueTask CheckRelationPrivilegesAsync(Node tree, RangeVar reference, Dictionary<RangeVar, (Privileges Privileges, IReadOnlyList<string>? Columns)> targets,
        long oid, string kind, string catalogName, long ownerOid, IReadOnlyList<string> columnNames, Func<string, int?> columnNumber, ITransactionStore store,
        StatementContext statementContext, CancellationToken cancellationToken)
    {
        RoleIdentity identity = await IdentityAsync(store, statementContext, cancellationToken);
        if (identity.IsSuperuser) return;
        await CheckSchemaUsageAsync(RelationNames.SchemaOf(catalogName), reference, identity, store, cancellationToken);
        if (Authorization.Owns(identity, ownerOid)) return;
        (Privileges required, IReadOnlyList<string>? columns) = targets.TryGetValue(reference, out var target) ? target : (Privileges.Select, null);
        ObjectPrivileges privileges = await SqlCatalog.GetPrivilegesAsync(store, oid, cancellationToken);
        Privileges all = kind == "sequence" ? ObjectPrivileges.SequenceAll : ObjectPrivileges.TableAll;
        Privileges held = Authorization.Held(identity, ownerOid, privileges, all);
        Privileges missing = required & ~held;
        Privileges written = missing & (Privileges.Insert | Privileges.Update);
        if (written != Privileges.None && columns is { Count: > 0 } && HeldOnColumns(columns, written, columnNumber, privileges, identity, anyWhenEmpty: false))
        {
            missing &= ~written;
        }
        if ((missing & Privileges.Select) != 0 && privileges.Columns.Count > 0
            && HeldOnColumns(ColumnReferences.Read(tree, reference, columnNames), Privileges.Select, columnNumber, privileges, identity, anyWhenEmpty: true))
        {
            missing &= ~Privileges.Select;
        }
        if (missing != Privileges.None) throw Authorization.PermissionDenied(kind, RelationNames.NameOf(catalogName));
    }

    /// <summary>Whether the identity holds <paramref name="wanted"/> on every column named (on any column of the
    /// relation when none is named and <paramref name="anyWhenEmpty"/>).</summary>
    private static bool HeldOnColumns(IReadOnlyCollection<string> columns, Privileges wanted, Func<string, int?> columnNumber, ObjectPrivileges privileges,
        RoleIdentity identity, bool anyWhenEmpty)
    {
        bool HeldOn(IReadOnlyList<AccessControlItem> items) => (ObjectPrivileges.HeldBy(items, identity.Roles) & wanted) == wanted;
        if (columns.Count == 0) return anyWhenEmpty && privileges.Columns.Values.Any(HeldOn);
        return columns.All(column => columnNumber(column) is int number
            && privileges.Columns.TryGetValue(number, out IReadOnlyList<AccessControlItem>? items) && HeldOn(items));
    }

    /// <summary>USAGE on the schema a relation lives in, needed to reach anything in it (its owner holds it; public grants
    /// it to PUBLIC; other schemas to no one else until granted). 42501 "permission denied for schema s" for a name
    /// written with its schema; an unqualified name is not looked up in a schema the role may not use, so it does not
    /// exist (42P01), as PostgreSQL's search path skips such a schema.</summary>
    private static async ValueTask CheckSchemaUsageAsync(string schema, RangeVar reference, RoleIdentity identity, ITransactionStore store,
        CancellationToken cancellationToken)
    {
        if ((await Authorization.SchemaPrivilegesHeldAsync(schema, identity, store, cancellationToken) & Privileges.Usage) != 0) return;
        if (reference.SchemaName is null)
        {
            throw new SqlException(SqlState.UndefinedTable, $"relation \"{reference.RelationName}\" does not exist", reference.Location + 1);
        }
        throw new SqlException(SqlState.InsufficientPrivilege, $"permission denied for schema {schema}", reference.Location + 1);
    }

    /// <summary>The system relations PostgreSQL grants no SELECT on to PUBLIC: they hold what only superusers may read.</summary>
    private static readonly HashSet<string> RestrictedSystemRelations = new(StringComparer.Ordinal) { "pg_authid", "pg_user_mapping" };

    /// <summary>pg_authid and pg_user_mapping are for superusers only (42501 "permission denied for table pg_authid").</summary>
    private async ValueTask CheckSystemRelationAsync(RangeVar reference, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        if (reference.SchemaName is not (null or SqlCatalog.CatalogSchema) || !RestrictedSystemRelations.Contains(reference.RelationName)) return;
        if (SystemRelations.Resolve(reference.SchemaName, reference.RelationName) is null) return;
        if (!(await IdentityAsync(store, statementContext, cancellationToken)).IsSuperuser) throw Authorization.PermissionDenied("table", reference.RelationName);
    }

    /// <summary>A sequence read as a relation (SELECT * FROM s) needs SELECT on it.</summary>
    private async ValueTask CheckSequenceReadAsync(RangeVar reference, Dictionary<RangeVar, (Privileges Privileges, IReadOnlyList<string>? Columns)> targets,
        SequenceDescriptor sequence, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        if ((await IdentityAsync(store, statementContext, cancellationToken)).IsSuperuser) return;
        if (await RelationOfAsync(reference, store, statementContext, cancellationToken) is not { } found) return;
        await CheckRelationPrivilegesAsync(reference, reference, targets, found.Oid, "sequence", sequence.Name, found.OwnerOid, [], _ => null, store, statementContext,
            cancellationToken);
    }

    /// <summary>A statement's result, after recording its creator as the owner of the relation it made and giving the
    /// relation the privileges ALTER DEFAULT PRIVILEGES set for its owner's new objects.</summary>
    private async ValueTask<StatementResult> OwnedByCreatorAsync(StatementResult result, RangeVar relation, ITransactionStore store, StatementContext statementContext,
        CancellationToken cancellationToken)
    {
        await RecordOwnerAsync(relation, store, statementContext, cancellationToken);
        if (statementContext.Session is null) return result;
        string name = CatalogNameOf(relation, statementContext.Relations);
        if (await RelationOfAsync(relation, store, statementContext, cancellationToken) is not { } created) return result;
        long namespaceOid = await NamespaceOidAsync(RelationNames.SchemaOf(name), store, cancellationToken);
        await ApplyDefaultPrivilegesAsync(created.Oid, created.Kind == "sequence" ? 'S' : 'r', namespaceOid, store, statementContext, cancellationToken);
        return result;
    }

    /// <summary>A schema's OID (public's, or a stored one's); 0 for none.</summary>
    private static async ValueTask<long> NamespaceOidAsync(string schema, ITransactionStore store, CancellationToken cancellationToken) =>
        schema == SqlCatalog.DefaultSchema ? ObjectIds.PublicNamespace
            : await SqlCatalog.GetSchemaAsync(store, schema, cancellationToken) is { } stored ? ObjectIds.Relation(stored.Id) : 0;

    /// <summary>Writes the ACL a new object starts with when its owner's default privileges change it (one scan of the
    /// few pg_default_acl entries; nothing is written while the object keeps the built-in default).</summary>
    private async ValueTask ApplyDefaultPrivilegesAsync(long objectOid, char objectType, long namespaceOid, ITransactionStore store, StatementContext statementContext,
        CancellationToken cancellationToken)
    {
        List<DefaultPrivileges> entries = await SqlCatalog.GetDefaultPrivilegesAsync(store, cancellationToken);
        if (entries.Count == 0) return;
        RoleIdentity identity = await IdentityAsync(store, statementContext, cancellationToken);
        long owner = identity.IsSuperuser ? ObjectIds.SuperuserRole : identity.Oid;
        if (DefaultPrivileges.ForNewObject(entries, owner, namespaceOid, objectType) is not { } items) return;
        ObjectPrivileges current = await SqlCatalog.GetPrivilegesAsync(store, objectOid, cancellationToken);
        // An ACL already written belongs to an object that existed before (CREATE ... IF NOT EXISTS): it is kept.
        if (current.Items is not null) return;
        SqlCatalog.WritePrivileges(store, objectOid, current with { Items = items });
    }

    /// <summary>CREATE SCHEMA's result, after giving the schema the privileges ALTER DEFAULT PRIVILEGES ON SCHEMAS set.</summary>
    private async ValueTask<StatementResult> SchemaWithDefaultPrivilegesAsync(StatementResult result, CreateSchemaStmt create, ITransactionStore store,
        StatementContext statementContext, CancellationToken cancellationToken)
    {
        if (statementContext.Session is null) return result;
        long oid = await NamespaceOidAsync(create.Name, store, cancellationToken);
        if (oid != 0) await ApplyDefaultPrivilegesAsync(oid, 'n', 0, store, statementContext, cancellationToken);
        return result;
    }

    /// <summary>Privilege checks of statements other than queries and DML, before they run.</summary>
    private async ValueTask AuthorizeStatementAsync(Statement tree, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        if (statementContext is not { Session: not null } statement) return;
        // OWNER TO names a role, which only the catalog's roles resolve (RoleNames reads them from the snapshot).
        if (tree is AlterTableStmt { Commands: var commands } && commands.Any(command => command is OwnerCmd) || tree is AlterSchemaStmt { Owner: not null })
        {
            await CatalogSnapshot.ForStatementAsync(statement, store, cancellationToken);
        }
        RoleIdentity identity = await IdentityAsync(store, statementContext, cancellationToken);
        if (identity.IsSuperuser) return;
        if (CreatedRelation(tree) is { } created)
        {
            await CheckCreateInSchemaAsync(created, identity, store, statementContext, cancellationToken);
            return;
        }
        if (AlteredRelation(tree) is { } altered)
        {
            await CheckOwnerAsync(altered, identity, store, statementContext, cancellationToken);
            return;
        }
        switch (tree)
        {
            case CreateSchemaStmt:
                throw Authorization.PermissionDenied("database", statementContext.Session?.DatabaseName ?? "postgres");
            case DropStmt drop:
                foreach (RangeVar relation in drop.Objects) await CheckOwnerAsync(relation, identity, store, statementContext, cancellationToken);
                break;
            case DropIndexStmt dropIndex:
                foreach (RangeVar index in dropIndex.Indexes)
                {
                    string name = CatalogNameOf(index, statementContext.Relations);
                    if (await _catalog.GetTableOfIndexAsync(store, name, cancellationToken) is { } table && !Authorization.Owns(identity, table.OwnerOid))
                    {
                        throw Authorization.MustBeOwner("index", RelationNames.NameOf(name));
                    }
                }
                break;
            case TruncateStmt truncate:
                foreach (RangeVar relation in truncate.Relations)
                {
                    if (await RelationOfAsync(relation, store, statementContext, cancellationToken) is not { } found) continue;
                    ObjectPrivileges privileges = await SqlCatalog.GetPrivilegesAsync(store, found.Oid, cancellationToken);
                    if ((Authorization.Held(identity, found.OwnerOid, privileges, ObjectPrivileges.TableAll) & Privileges.Truncate) == 0)
                    {
                        throw Authorization.PermissionDenied(found.Kind, RelationNames.NameOf(found.CatalogName));
                    }
                }
                break;
            case DropSchemaStmt dropSchema:
                foreach (string name in dropSchema.Names) await CheckSchemaOwnerAsync(name, identity, store, cancellationToken);
                break;
            case AlterSchemaStmt alterSchema:
                await CheckSchemaOwnerAsync(alterSchema.Name, identity, store, cancellationToken);
                break;
        }
    }

    /// <summary>The relation a CREATE statement makes, which needs CREATE on its schema; null for other statements.</summary>
    private static RangeVar? CreatedRelation(Statement tree) => tree switch
    {
        CreateStmt create => create.Relation,
        CreateTableAsStmt createAs => createAs.Relation,
        ViewStmt view => view.View,
        CreateSeqStmt sequence => sequence.Sequence,
        _ => null,
    };

    /// <summary>The one relation a statement changes that only its owner may change (ALTER, CREATE INDEX on it, COMMENT);
    /// null for other statements.</summary>
    private static RangeVar? AlteredRelation(Statement tree) => tree switch
    {
        AlterTableStmt alter => alter.Relation,
        IndexStmt index => index.Relation,
        CommentStmt comment => comment.Relation,
        AlterSeqStmt alterSequence => alterSequence.Sequence,
        _ => null,
    };

    /// <summary>A relation a DDL statement names: its OID, kind word, catalog name and owner; null when it does not exist
    /// (the statement reports that itself).</summary>
    private async ValueTask<(long Oid, string Kind, string CatalogName, long OwnerOid)?> RelationOfAsync(RangeVar relation, ITransactionStore store,
        StatementContext statementContext, CancellationToken cancellationToken)
    {
        string name = CatalogNameOf(relation, statementContext.Relations);
        if (await _catalog.GetTableAsync(store, name, cancellationToken) is { } table) return (ObjectIds.Relation(table.Id), "table", name, table.OwnerOid);
        if (await SqlCatalog.GetViewAsync(store, name, cancellationToken) is { } view)
        {
            long oid = ObjectIds.Relation(view.Id);
            return (oid, "view", name, (await SqlCatalog.GetPrivilegesAsync(store, oid, cancellationToken)).OwnerOid);
        }
        if (await SqlCatalog.GetSequenceAsync(store, name, cancellationToken) is { } sequence)
        {
            long oid = ObjectIds.Relation(sequence.Id);
            long owner = sequence.OwnedByTable is { } owningTable
                ? (await _catalog.GetTableAsync(store, owningTable, cancellationToken))?.OwnerOid ?? 0
                : (await SqlCatalog.GetPrivilegesAsync(store, oid, cancellationToken)).OwnerOid;
            return (oid, "sequence", name, owner);
        }
        return null;
    }

    private async ValueTask CheckOwnerAsync(RangeVar relation, RoleIdentity identity, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        if (await RelationOfAsync(relation, store, statementContext, cancellationToken) is { } found && !Authorization.Owns(identity, found.OwnerOid))
        {
            throw Authorization.MustBeOwner(found.Kind, RelationNames.NameOf(found.CatalogName));
        }
    }

    private static async ValueTask CheckSchemaOwnerAsync(string name, RoleIdentity identity, ITransactionStore store, CancellationToken cancellationToken)
    {
        if (SqlCatalog.IsBuiltInSchema(name)) throw Authorization.MustBeOwner("schema", name);
        if (await SqlCatalog.GetSchemaAsync(store, name, cancellationToken) is { } schema && schema.Owner != identity.Name)
        {
            throw Authorization.MustBeOwner("schema", name);
        }
    }

    /// <summary>CREATE on the schema a new relation goes in (public grants it to no one but its owner since PostgreSQL 15).</summary>
    private static async ValueTask CheckCreateInSchemaAsync(RangeVar relation, RoleIdentity identity, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        string schema = RelationNames.SchemaOf(CatalogNameOf(relation, statementContext.Relations));
        if ((await Authorization.SchemaPrivilegesHeldAsync(schema, identity, store, cancellationToken) & Privileges.Create) == 0)
        {
            throw new SqlException(SqlState.InsufficientPrivilege, $"permission denied for schema {schema}", relation.Location + 1);
        }
    }

    /// <summary>After a role other than a superuser created a relation: it owns it (a table's descriptor keeps its owner,
    /// a view's and a sequence's privileges record does).</summary>
    private async ValueTask RecordOwnerAsync(RangeVar relation, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        if (statementContext.Session is null) return;
        RoleIdentity identity = await IdentityAsync(store, statementContext, cancellationToken);
        if (identity.IsSuperuser) return;
        string name = CatalogNameOf(relation, statementContext.Relations);
        if (await _catalog.GetTableAsync(store, name, cancellationToken) is { } table)
        {
            if (table.OwnerOid != identity.Oid) SqlCatalog.WriteTable(store, table.WithOwner(identity.Oid));
            return;
        }
        long? oid = await SqlCatalog.GetViewAsync(store, name, cancellationToken) is { } view ? ObjectIds.Relation(view.Id)
            : await SqlCatalog.GetSequenceAsync(store, name, cancellationToken) is { } sequence ? ObjectIds.Relation(sequence.Id) : null;
        if (oid is long relationOid)
        {
            ObjectPrivileges current = await SqlCatalog.GetPrivilegesAsync(store, relationOid, cancellationToken);
            SqlCatalog.WritePrivileges(store, relationOid, current with { OwnerOid = identity.Oid });
        }
    }

    /// <summary>Runs a role or privilege statement against the catalog as the statement's snapshot sees it.</summary>
    private static async ValueTask<StatementResult?> ExecuteRoleStatementAsync(Statement tree, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        if (tree is not (CreateRoleStmt or AlterRoleStmt or DropRoleStmt or GrantRoleStmt or IamGrantStmt or GrantStmt or AlterDefaultPrivilegesStmt)) return null;
        CatalogSnapshot catalog = await CatalogSnapshot.ForStatementAsync(statementContext, store, cancellationToken);
        return tree switch
        {
            CreateRoleStmt create => await RoleExecutor.CreateAsync(create, store, catalog, statementContext.DateTimeSettings, cancellationToken),
            AlterRoleStmt alter => await RoleExecutor.AlterAsync(alter, store, catalog, statementContext.DateTimeSettings, cancellationToken),
            DropRoleStmt drop => await RoleExecutor.DropAsync(drop, store, catalog, cancellationToken),
            GrantRoleStmt grantRole => RoleExecutor.GrantRole(grantRole, store, catalog),
            IamGrantStmt iam => await RoleExecutor.IamGrantAsync(iam, store, catalog, cancellationToken),
            GrantStmt grant => await GrantExecutor.ExecuteAsync(grant, store, catalog, cancellationToken),
            AlterDefaultPrivilegesStmt defaults => await DefaultPrivilegesExecutor.ExecuteAsync(defaults, store, catalog, cancellationToken),
            _ => throw new InvalidOperationException($"not a role statement: {tree.GetType().Name}"),
        };
    }
}
