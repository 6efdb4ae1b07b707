using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>
/// PostgreSQL's system columns (the attributes with attnum &lt; 0) that clients read: <c>tableoid</c>, the relation's
/// pg_class oid, which psql's \dd and \dL join with pg_description.classoid. Rows in Log have no heap tuple, so the
/// tuple-header columns (xmin, xmax, cmin, cmax, ctid) are not there yet.
/// </summary>
internal static class SystemColumns
{
    /// <summary>The system columns of the relation whose pg_class oid is <paramref name="relationOid"/>.</summary>
    public static IReadOnlyList<ScopeColumn> Of(long relationOid) =>
    [
        new("tableoid", new BoundConstant(relationOid, new SqlType(TypeKind.Oid))),
    ];
}
