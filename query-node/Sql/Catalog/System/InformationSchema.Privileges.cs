namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>information_schema.table_privileges and role_table_grants over user relations, from their ACLs (the default
/// ACL while none was granted): one row per grantee, grantor and privilege, listed where the grantor or the grantee is
/// one of the current role's roles or the grantee is PUBLIC, as PostgreSQL's views filter them.</summary>
internal static partial class SystemRelations
{
    private static IEnumerable<object?[]> RoleTableGrantRows(CatalogSnapshot catalog, SystemRelation relation) =>
        UserTablePrivilegeRows(catalog, relation, grantsOnly: true);

    private static IEnumerable<object?[]> UserTablePrivilegeRows(CatalogSnapshot catalog, SystemRelation relation, bool grantsOnly)
    {
        IReadOnlySet<long> roles = catalog.Identity.Roles;
        foreach ((long oid, _, string described, long ownerOid, _) in Executor.RoleExecutor.Relations(catalog).Where(relation => relation.Kind != "sequence"))
        {
            string catalogName = catalog.CatalogName(oid) ?? described;
            long owner = RoleNames.Shown(ownerOid);
            foreach (AccessControlItem item in catalog.PrivilegesOf(oid).EffectiveItems(owner, ObjectPrivileges.TableAll))
            {
                bool visible = roles.Contains(RoleNames.Shown(item.GrantorOid)) || roles.Contains(item.GranteeOid) || !grantsOnly && item.GranteeOid == 0;
                if (!visible) continue;
                foreach (string privilege in ObjectPrivileges.Words(item.Granted))
                {
                    bool grantable = item.GranteeOid == owner || (item.GrantOptions & ObjectPrivileges.Parse(privilege)) != 0;
                    string grantee = item.GranteeOid == 0 ? PublicGrantee : catalog.RoleName(item.GranteeOid) ?? "";
                    yield return relation.Row(("grantor", catalog.RoleName(item.GrantorOid)), ("grantee", grantee), ("table_catalog", catalog.DatabaseName),
                        ("table_schema", RelationNames.SchemaOf(catalogName)), ("table_name", RelationNames.NameOf(catalogName)), ("privilege_type", privilege),
                        ("is_grantable", YesOrNo(grantable)), ("with_hierarchy", YesOrNo(privilege == "SELECT")));
                }
            }
        }
    }
}
