using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>The stored roles in pg_authid and pg_roles, their memberships (pg_auth_members), DSQL's
/// sys.iam_pg_role_mappings, and relacl in aclitem text.</summary>
internal static partial class SystemRelations
{
    /// <summary>DSQL's view of AWS IAM GRANT: one row per principal mapped to a role.</summary>
    private static readonly SystemRelation IamRoleMappings = new(new SystemRelationShape("iam_pg_role_mappings", 8_400_002, 'v',
    [
        ("iam_oid", new SqlType(TypeKind.Oid)), ("arn", SqlType.Text), ("pg_role_oid", new SqlType(TypeKind.Oid)), ("pg_role_name", new SqlType(TypeKind.Name)),
        ("grantor_pg_role_oid", new SqlType(TypeKind.Oid)), ("grantor_pg_role_name", new SqlType(TypeKind.Name)),
    ]), SysSchema, IamRoleMappingRows);

    private static IEnumerable<object?[]> IamRoleMappingRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (IamMapping mapping in catalog.IamMappings)
        {
            yield return relation.Row(("iam_oid", mapping.IamOid), ("arn", mapping.Principal), ("pg_role_oid", mapping.RoleOid),
                ("pg_role_name", catalog.RoleName(mapping.RoleOid)), ("grantor_pg_role_oid", RoleNames.Shown(mapping.GrantorOid)),
                ("grantor_pg_role_name", catalog.RoleName(mapping.GrantorOid)));
        }
    }

    private static IEnumerable<object?[]> StoredRoleRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        bool isView = relation.Name == "pg_roles";
        foreach (RoleDescriptor role in catalog.Roles)
        {
            yield return relation.Row(("oid", role.Oid), ("rolname", role.Name), ("rolsuper", role.Superuser), ("rolinherit", role.Inherit),
                ("rolcreaterole", role.CreateRole), ("rolcreatedb", role.CreateDatabase), ("rolcanlogin", role.CanLogin), ("rolreplication", role.Replication),
                ("rolbypassrls", role.BypassRowLevelSecurity), ("rolconnlimit", role.ConnectionLimit), ("rolpassword", isView ? "********" : null),
                ("rolvaliduntil", role.ValidUntilUtc));
        }
    }

    private static IEnumerable<object?[]> RoleMembershipRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (RoleMembership membership in catalog.RoleMemberships)
        {
            yield return relation.Row(("roleid", membership.RoleOid), ("member", membership.MemberOid), ("grantor", RoleNames.Shown(membership.GrantorOid)),
                ("admin_option", membership.AdminOption));
        }
    }

    /// <summary>pg_default_acl: one row per ALTER DEFAULT PRIVILEGES entry.</summary>
    private static IEnumerable<object?[]> DefaultAclRows(CatalogSnapshot catalog, SystemRelation relation)
    {
        foreach (DefaultPrivileges entry in catalog.DefaultPrivileges.OrderBy(entry => entry.Oid))
        {
            yield return relation.Row(("oid", entry.Oid), ("defaclrole", entry.RoleOid), ("defaclnamespace", entry.NamespaceOid),
                ("defaclobjtype", entry.ObjectType.ToString()), ("defaclacl", FormatAcl(catalog, entry.Items)));
        }
    }

    /// <summary>relacl: null while the object has the default ACL, else its items as aclitem text.</summary>
    private static PgArray? RelationAcl(CatalogSnapshot catalog, long oid) =>
        catalog.PrivilegesOf(oid).Items is { } items ? FormatAcl(catalog, items) : null;

    /// <summary>attacl: null while no privilege was granted on the column itself.</summary>
    private static PgArray? ColumnAcl(CatalogSnapshot catalog, long relationOid, int column) =>
        catalog.PrivilegesOf(relationOid).Columns.TryGetValue(column, out IReadOnlyList<AccessControlItem>? items) && items.Count > 0 ? FormatAcl(catalog, items) : null;

    /// <summary>An ACL as aclitem[] text.</summary>
    internal static PgArray FormatAcl(CatalogSnapshot catalog, IEnumerable<AccessControlItem> items) =>
        PgArray.OneDimensional(items.Select(item => ObjectPrivileges.Format(item, role => catalog.RoleName(role) ?? role.ToString(global::System.Globalization.CultureInfo.InvariantCulture))).ToArray());
}
