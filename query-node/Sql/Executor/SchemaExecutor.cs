using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// CREATE SCHEMA, DROP SCHEMA and ALTER SCHEMA with PostgreSQL's answers. A user schema is one catalog key
/// (<see cref="SqlCatalog.GetSchemaAsync"/>); its relations carry it in their catalog names (<see cref="RelationNames"/>),
/// so DROP SCHEMA finds them by scanning the descriptors. public, pg_catalog and information_schema are built in:
/// dropping or renaming them is 0A000.
/// </summary>
internal static class SchemaExecutor
{
    private const string DuplicateSchema = "42P06";
    private const string ReservedName = "42939";

    public static async ValueTask<StatementResult> CreateAsync(CreateSchemaStmt create, ITransactionStore store, StatementContext statement, CancellationToken cancellationToken)
    {
        if (await SqlCatalog.SchemaExistsAsync(store, create.Name, cancellationToken))
        {
            if (create.IfNotExists)
            {
                return new StatementResult(null, null, "CREATE SCHEMA") { Notices = [$"schema \"{create.Name}\" already exists, skipping"] };
            }
            throw new SqlException(DuplicateSchema, $"schema \"{create.Name}\" already exists");
        }
        CheckName(create.Name);
        long id = await SqlCatalog.AllocateTableIdAsync(store, cancellationToken);
        string owner = create.Owner ?? statement.Session?.UserName ?? "postgres";
        SqlCatalog.WriteSchema(store, new SchemaDescriptor(id, create.Name, owner));
        return new StatementResult(null, null, "CREATE SCHEMA");
    }

    public static async ValueTask<StatementResult> DropAsync(DropSchemaStmt drop, SqlCatalog catalog, ITransactionStore store, StatementContext statement, CancellationToken cancellationToken)
    {
        var notices = new List<string>();
        var schemas = new List<SchemaDescriptor>();
        foreach (string name in drop.Names)
        {
            if (SqlCatalog.IsBuiltInSchema(name)) throw new SqlException(SqlState.FeatureNotSupported, $"DROP SCHEMA {name} is not supported");
            SchemaDescriptor? schema = await SqlCatalog.GetSchemaAsync(store, name, cancellationToken);
            if (schema is null)
            {
                if (!drop.MissingOk) throw new SqlException("3F000", $"schema \"{name}\" does not exist");
                notices.Add($"schema \"{name}\" does not exist, skipping");
                continue;
            }
            schemas.Add(schema);
        }
        foreach (SchemaDescriptor schema in schemas)
        {
            var (tables, views, ownSequences) = await SqlCatalog.GetSchemaContentsAsync(store, schema.Name, cancellationToken);
            // Sequences owned by a column go with their table, as PostgreSQL's dependencies have it.
            var freeSequences = ownSequences.Where(sequence => sequence.OwnedByTable is null).ToList();
            var dependents = tables.Select(table => (table.Id, Kind: "table", table.Name))
                .Concat(views.Select(view => (view.Id, Kind: "view", view.Name)))
                .Concat(freeSequences.Select(sequence => (sequence.Id, Kind: "sequence", sequence.Name)))
                .OrderBy(dependent => dependent.Id)
                .Select(dependent => $"{dependent.Kind} {RelationNames.Display(dependent.Name)}")
                .ToList();
            if (dependents.Count > 0 && !drop.Cascade)
            {
                throw new SqlException(EngineSqlState.DependentObjectsStillExist, $"cannot drop schema {schema.Name} because other objects depend on it",
                    detail: string.Join("\n", dependents.Select(dependent => $"{dependent} depends on schema {schema.Name}")),
                    hint: "Use DROP ... CASCADE to drop the dependent objects too.");
            }
            if (dependents.Count == 1) notices.Add($"drop cascades to {dependents[0]}");
            else if (dependents.Count > 1) notices.Add($"drop cascades to {dependents.Count} other objects");
            // Through the executors of DROP VIEW / TABLE / SEQUENCE, which take each object's catalog entries with it.
            RangeVar[] Names(IEnumerable<string> names) => names.Select(name => new RangeVar(schema.Name, RelationNames.NameOf(name), null, drop.Location)).ToArray();
            if (views.Count > 0) await ViewExecutor.DropAsync(new DropStmt(Names(views.Select(view => view.Name)), true, drop.Location, ObjectType.View), catalog, store, statement, cancellationToken);
            if (tables.Count > 0)
            {
                await DropTableExecutor.ExecuteAsync(new DropStmt(Names(tables.Select(table => table.Name)), true, drop.Location) { Cascade = true }, catalog, store, statement, cancellationToken);
            }
            if (freeSequences.Count > 0)
            {
                await SequenceExecutor.DropAsync(new DropStmt(Names(freeSequences.Select(sequence => sequence.Name)), true, drop.Location, ObjectType.Sequence),
                    catalog, store, statement, cancellationToken);
            }
            SqlCatalog.DeleteSchema(store, schema);
            // Its ACL and the default privileges set for it go with it, as PostgreSQL's dependencies take them.
            long schemaOid = Catalog.System.ObjectIds.Relation(schema.Id);
            SqlCatalog.DeletePrivileges(store, schemaOid);
            foreach (DefaultPrivileges entry in await SqlCatalog.GetDefaultPrivilegesAsync(store, cancellationToken))
            {
                if (entry.NamespaceOid == schemaOid) SqlCatalog.DeleteDefaultPrivileges(store, entry);
            }
        }
        return new StatementResult(null, null, "DROP SCHEMA") { Notices = notices };
    }

    /// <summary>ALTER SCHEMA ... OWNER TO, and RENAME TO, which gives every relation of the schema its new catalog name
    /// in this transaction (<see cref="RelationMover"/>).</summary>
    public static async ValueTask<StatementResult> AlterAsync(AlterSchemaStmt alter, ITransactionStore store, StatementContext statement, CancellationToken cancellationToken)
    {
        if (SqlCatalog.IsBuiltInSchema(alter.Name)) throw new SqlException(SqlState.FeatureNotSupported, $"ALTER SCHEMA {alter.Name} is not supported");
        SchemaDescriptor schema = await SqlCatalog.GetSchemaAsync(store, alter.Name, cancellationToken)
            ?? throw new SqlException("3F000", $"schema \"{alter.Name}\" does not exist");
        if (alter.Owner is { } owner)
        {
            string login = statement.Session?.UserName ?? "postgres";
            if (Catalog.System.RoleNames.Resolve(owner, login, statement) == Catalog.System.ObjectIds.SuperuserRole) owner = login;
            SqlCatalog.WriteSchema(store, schema with { Owner = owner });
            return new StatementResult(null, null, "ALTER SCHEMA");
        }
        string newName = alter.NewName!;
        if (await SqlCatalog.SchemaExistsAsync(store, newName, cancellationToken)) throw new SqlException(DuplicateSchema, $"schema \"{newName}\" already exists");
        CheckName(newName);
        var (tables, views, sequences) = await SqlCatalog.GetSchemaContentsAsync(store, schema.Name, cancellationToken);
        var moved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string name in tables.SelectMany(table => table.Indexes.Select(index => index.Name).Prepend(table.Name))
                     .Concat(views.Select(view => view.Name)).Concat(sequences.Select(sequence => sequence.Name)))
        {
            moved[name] = RelationNames.Compose(newName, RelationNames.NameOf(name));
        }
        if (moved.Count > 0) await RelationMover.MoveAsync(moved, store, cancellationToken);
        SqlCatalog.DeleteSchema(store, schema);
        SqlCatalog.WriteSchema(store, schema with { Name = newName });
        return new StatementResult(null, null, "ALTER SCHEMA");
    }

    private static void CheckName(string name)
    {
        if (name.StartsWith("pg_", StringComparison.Ordinal))
        {
            throw new SqlException(ReservedName, $"unacceptable schema name \"{name}\"", detail: "The prefix \"pg_\" is reserved for system schemas.");
        }
    }
}
