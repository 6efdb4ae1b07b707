using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Catalog.System;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// GRANT and REVOKE of privileges on tables, views, sequences (and their columns) and schemas, as PostgreSQL's
/// ExecuteGrantStmt does: the words are checked against the object's kind (42601 for an unknown one, 0LP01 for one the
/// kind does not have), the owner (or a superuser, acting as the owner) grants as the owner, anyone else only what it
/// holds WITH GRANT OPTION. The first change writes the default ACL out (owner=all/owner) before changing it.
/// </summary>
internal static class GrantExecutor
{
    internal const string InvalidGrantOperation = "0LP01";

    /// <summary>One object a GRANT names: its OID, kind word, name for messages, owner, every privilege its kind has,
    /// and its columns by name (attribute number), empty for sequences and schemas.</summary>
    internal sealed record GrantTarget(long Oid, string Kind, string Name, long OwnerOid, Privileges All, IReadOnlyDictionary<string, int> Columns);

    public static async ValueTask<StatementResult> ExecuteAsync(GrantStmt grant, ITransactionStore store, CatalogSnapshot catalog, CancellationToken cancellationToken)
    {
        // GRANTED BY names the role the grant is made in the name of; PostgreSQL accepts only the current user.
        if (grant.GrantedBy is { } grantedBy && RoleExecutor.ResolveRole(grantedBy, catalog) != catalog.Identity.Oid)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "grantor must be current user");
        }
        List<GrantTarget> targets = await TargetsAsync(grant, catalog, cancellationToken);
        var grantees = grant.Grantees.Select(grantee => grantee == "public" ? 0L : RoleExecutor.ResolveRole(grantee, catalog)).ToList();
        var notices = new List<string>();
        foreach (GrantTarget target in targets)
        {
            (Privileges tablePrivileges, Dictionary<int, Privileges> columnPrivileges) = Requested(grant, target);
            ObjectPrivileges current = catalog.PrivilegesOf(target.Oid);
            long ownerOid = RoleNames.Shown(target.OwnerOid);
            long grantorOid;
            if (Authorization.Owns(catalog.Identity, target.OwnerOid))
            {
                grantorOid = ownerOid;
            }
            else
            {
                // Not the owner: only what this role holds WITH GRANT OPTION, granted in its own name.
                IReadOnlyList<AccessControlItem> items = ItemsOf(target, current);
                Privileges grantable = items.Where(item => catalog.Identity.Roles.Contains(item.GranteeOid)).Aggregate(Privileges.None, (all, item) => all | item.GrantOptions);
                Privileges held = ObjectPrivileges.HeldBy(items, catalog.Identity.Roles);
                if (grantable == Privileges.None && held == Privileges.None) throw Authorization.PermissionDenied(target.Kind, target.Name);
                tablePrivileges &= grantable;
                grantorOid = catalog.Identity.Oid;
            }
            List<AccessControlItem> tableItems = [.. ItemsOf(target, current)];
            var columns = current.Columns.ToDictionary(column => column.Key, column => column.Value);
            foreach (long grantee in grantees)
            {
                if (tablePrivileges != Privileges.None)
                {
                    tableItems = ObjectPrivileges.Change(tableItems, grantee, grantorOid, tablePrivileges, grant.GrantOption, !grant.IsGrant);
                    if (!grant.IsGrant) tableItems = RevokeDependents(tableItems, grantee, tablePrivileges, grant.Cascade);
                }
                // Revoking a table's privilege revokes it on each of its columns too, as PostgreSQL does.
                var columnChanges = new Dictionary<int, Privileges>(columnPrivileges);
                if (!grant.IsGrant && (tablePrivileges & ObjectPrivileges.ColumnAll) != Privileges.None)
                {
                    foreach (int column in columns.Keys) columnChanges[column] = columnChanges.GetValueOrDefault(column) | (tablePrivileges & ObjectPrivileges.ColumnAll);
                }
                foreach ((int column, Privileges privileges) in columnChanges)
                {
                    List<AccessControlItem> changed = ObjectPrivileges.Change(columns.GetValueOrDefault(column) ?? [], grantee, grantorOid, privileges,
                        grant.GrantOption, !grant.IsGrant);
                    if (changed.Count == 0) columns.Remove(column);
                    else columns[column] = changed;
                }
            }
            // A grant on columns alone leaves the relation's own ACL as it was (relacl stays null), as in PostgreSQL.
            IReadOnlyList<AccessControlItem>? relationItems = tablePrivileges == Privileges.None ? current.Items : tableItems;
            SqlCatalog.WritePrivileges(store, target.Oid, new ObjectPrivileges(relationItems, columns) { OwnerOid = current.OwnerOid });
        }
        return new StatementResult(null, null, grant.IsGrant ? "GRANT" : "REVOKE") { Notices = notices };
    }

    /// <summary>After <paramref name="grantee"/> lost the grant option on <paramref name="privileges"/>, what it granted of
    /// them goes too, and what those grantees granted on (CASCADE); without CASCADE that is 2BP01, as in PostgreSQL.</summary>
    private static List<AccessControlItem> RevokeDependents(List<AccessControlItem> items, long grantee, Privileges privileges, bool cascade)
    {
        Privileges stillGrantable = items.Where(item => item.GranteeOid == grantee).Aggregate(Privileges.None, (all, item) => all | item.GrantOptions);
        Privileges lost = privileges & ~stillGrantable;
        List<AccessControlItem> dependents = items.Where(item => item.GrantorOid == grantee && item.GranteeOid != grantee && (item.Granted & lost) != 0).ToList();
        if (dependents.Count == 0) return items;
        if (!cascade)
        {
            throw new SqlException(SqlState.DependentObjectsStillExist, "dependent privileges exist", hint: "Use CASCADE to revoke them too.");
        }
        foreach (AccessControlItem dependent in dependents)
        {
            items = ObjectPrivileges.Change(items, dependent.GranteeOid, grantee, lost, withGrantOption: false, revoke: true);
            items = RevokeDependents(items, dependent.GranteeOid, lost, cascade);
        }
        return items;
    }

    /// <summary>The privileges asked for on the object and on each of its columns.</summary>
    private static (Privileges Table, Dictionary<int, Privileges> Columns) Requested(GrantStmt grant, GrantTarget target)
    {
        Privileges table = Privileges.None;
        var columns = new Dictionary<int, Privileges>();
        foreach (AccessPrivilege privilege in grant.Privileges)
        {
            Privileges bits = privilege.Name is null ? target.All : WordToPrivilege(privilege, target.All, target.Kind, privilege.Columns is not null);
            if (privilege.Columns is null)
            {
                table |= bits;
                continue;
            }
            if (privilege.Name is null) bits &= ObjectPrivileges.ColumnAll;
            foreach (string column in privilege.Columns)
            {
                if (!target.Columns.TryGetValue(column, out int number))
                {
                    throw new SqlException(SqlState.UndefinedColumn, $"column \"{column}\" of relation \"{target.Name}\" does not exist");
                }
                columns[number] = columns.GetValueOrDefault(number) | bits;
            }
        }
        return (table, columns);
    }

    internal static Privileges WordToPrivilege(AccessPrivilege privilege, Privileges all, string kind, bool forColumns)
    {
        Privileges bits = ObjectPrivileges.Parse(privilege.Name!);
        if (bits == Privileges.None)
        {
            throw new SqlException(SqlState.SyntaxError, $"unrecognized privilege type \"{privilege.Name!.ToLowerInvariant()}\"");
        }
        Privileges allowed = forColumns ? ObjectPrivileges.ColumnAll : all;
        if ((bits & allowed) == 0)
        {
            throw new SqlException(InvalidGrantOperation, $"invalid privilege type {privilege.Name} for {(forColumns ? "column" : kind)}");
        }
        return bits;
    }

    /// <summary>The objects a GRANT names, each found or 42P01/3F000.</summary>
    public static async ValueTask<List<GrantTarget>> TargetsAsync(GrantStmt grant, CatalogSnapshot catalog, CancellationToken cancellationToken)
    {
        var targets = new List<GrantTarget>();
        switch (grant.Target)
        {
            case PrivilegeTarget.Schema:
                foreach (string schema in grant.Schemas) targets.Add(SchemaTarget(schema, catalog));
                break;
            case PrivilegeTarget.AllTablesInSchema or PrivilegeTarget.AllSequencesInSchema:
                foreach (string schema in grant.Schemas)
                {
                    SchemaTarget(schema, catalog);
                    foreach ((string catalogName, GrantTarget target) in RelationTargets(catalog))
                    {
                        if (RelationNames.SchemaOf(catalogName) != schema) continue;
                        if ((target.Kind == "sequence") == (grant.Target == PrivilegeTarget.AllSequencesInSchema)) targets.Add(target);
                    }
                }
                break;
            default:
                foreach (RangeVar relation in grant.Relations)
                {
                    string name = catalog.Relations is { } resolver
                        ? await resolver.ResolveAsync(relation, cancellationToken)
                        : RelationNames.Compose(relation.SchemaName ?? SqlCatalog.DefaultSchema, relation.RelationName);
                    GrantTarget? found = RelationTargets(catalog).FirstOrDefault(target => target.CatalogName == name).Target;
                    if (found is null)
                    {
                        throw new SqlException(SqlState.UndefinedTable, $"relation \"{(relation.SchemaName is null ? "" : relation.SchemaName + ".")}{relation.RelationName}\" does not exist");
                    }
                    if (grant.Target == PrivilegeTarget.Sequence && found.Kind != "sequence")
                    {
                        throw new SqlException(SqlState.WrongObjectType, $"\"{found.Name}\" is not a sequence");
                    }
                    targets.Add(found);
                }
                break;
        }
        return targets;
    }

    private static IEnumerable<(string CatalogName, GrantTarget Target)> RelationTargets(CatalogSnapshot catalog)
    {
        foreach (TableDescriptor table in catalog.Tables)
        {
            var columns = table.Columns.ToDictionary(column => column.Name, column => column.Id, StringComparer.Ordinal);
            yield return (table.Name, new GrantTarget(ObjectIds.Relation(table.Id), "table", RelationNames.NameOf(table.Name), table.OwnerOid, ObjectPrivileges.TableAll, columns));
        }
        foreach (ViewDescriptor view in catalog.Views)
        {
            long oid = ObjectIds.Relation(view.Id);
            var columns = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int index = 0; index < view.ColumnNames.Count; index++) columns.TryAdd(view.ColumnNames[index], index + 1);
            yield return (view.Name, new GrantTarget(oid, "view", RelationNames.NameOf(view.Name), catalog.PrivilegesOf(oid).OwnerOid, ObjectPrivileges.TableAll, columns));
        }
        foreach (SequenceDescriptor sequence in catalog.Sequences)
        {
            long oid = ObjectIds.Relation(sequence.Id);
            long owner = sequence.OwnedByTable is { } table ? catalog.FindTableByCatalogName(table)?.OwnerOid ?? 0 : catalog.PrivilegesOf(oid).OwnerOid;
            yield return (sequence.Name, new GrantTarget(oid, "sequence", RelationNames.NameOf(sequence.Name), owner, ObjectPrivileges.SequenceAll,
                new Dictionary<string, int>()));
        }
    }

    /// <summary>A schema as a GRANT target: public is owned by pg_database_owner, the catalog schemas by admin, a user
    /// schema by its owner.</summary>
    public static GrantTarget SchemaTarget(string schema, CatalogSnapshot catalog)
    {
        var none = new Dictionary<string, int>();
        return schema switch
        {
            SqlCatalog.DefaultSchema => new GrantTarget(ObjectIds.PublicNamespace, "schema", schema, ObjectIds.DatabaseOwnerRole, ObjectPrivileges.SchemaAll, none),
            SqlCatalog.CatalogSchema => new GrantTarget(ObjectIds.PgCatalogNamespace, "schema", schema, ObjectIds.SuperuserRole, ObjectPrivileges.SchemaAll, none),
            SqlCatalog.InformationSchema => new GrantTarget(ObjectIds.InformationSchemaNamespace, "schema", schema, ObjectIds.SuperuserRole, ObjectPrivileges.SchemaAll, none),
            _ => catalog.Schemas.FirstOrDefault(candidate => candidate.Name == schema) is { } found
                ? new GrantTarget(ObjectIds.Relation(found.Id), "schema", schema, catalog.RoleOid(found.Owner) ?? ObjectIds.SuperuserRole, ObjectPrivileges.SchemaAll, none)
                : throw new SqlException("3F000", $"schema \"{schema}\" does not exist"),
        };
    }

    /// <summary>The items in effect on a target: its stored ones or its kind's default.</summary>
    public static IReadOnlyList<AccessControlItem> ItemsOf(GrantTarget target, ObjectPrivileges privileges) =>
        target.Kind == "schema" ? SchemaItems(target, privileges) : privileges.EffectiveItems(RoleNames.Shown(target.OwnerOid), target.All);

    /// <summary>The default ACL of a schema (initdb's): the owner UC, and PUBLIC U on public and the catalog schemas.</summary>
    private static IReadOnlyList<AccessControlItem> SchemaItems(GrantTarget schema, ObjectPrivileges privileges)
    {
        if (privileges.Items is { } items) return items;
        var defaults = new List<AccessControlItem> { new(schema.OwnerOid, schema.OwnerOid, ObjectPrivileges.SchemaAll, Privileges.None) };
        if (schema.Oid is ObjectIds.PublicNamespace or ObjectIds.PgCatalogNamespace or ObjectIds.InformationSchemaNamespace)
        {
            defaults.Add(new AccessControlItem(0, schema.OwnerOid, Privileges.Usage, Privileges.None));
        }
        return defaults;
    }
}
