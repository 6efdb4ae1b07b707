namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>
/// PostgreSQL 15's predefined roles, with initdb's OIDs, listed in pg_roles and pg_authid beside the one login role.
/// Catalog rows name some of them (public is owned by pg_database_owner), and clients that list roles (DBeaver's
/// navigator) resolve owners and show these as PostgreSQL shows them. None of them can log in.
/// </summary>
internal static partial class SystemRelations
{
    internal static readonly (long Oid, string Name)[] PredefinedRoles =
    [
        (3373, "pg_monitor"),
        (3374, "pg_read_all_settings"),
        (3375, "pg_read_all_stats"),
        (3377, "pg_stat_scan_tables"),
        (4200, "pg_signal_backend"),
        (4544, "pg_checkpoint"),
        (4569, "pg_read_server_files"),
        (4570, "pg_write_server_files"),
        (4571, "pg_execute_server_program"),
        (ObjectIds.DatabaseOwnerRole, "pg_database_owner"),
        (6181, "pg_read_all_data"),
        (6182, "pg_write_all_data"),
    ];

    private static IEnumerable<object?[]> PredefinedRoleRows(SystemRelation relation)
    {
        bool isView = relation.Name == "pg_roles";
        foreach ((long oid, string name) in PredefinedRoles)
        {
            yield return relation.Row(("oid", oid), ("rolname", name), ("rolinherit", true), ("rolconnlimit", -1), ("rolpassword", isView ? "********" : null));
        }
    }
}
