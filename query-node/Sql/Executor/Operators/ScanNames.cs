using Log.QueryNode.Sql.Planner;

namespace Log.QueryNode.Sql.Executor.Operators;

/// <summary>PostgreSQL's name of a scan node for an access path: a full read of the primary index is a "Seq Scan" (the
/// table is its primary index), unless it reads backwards, which only an index scan does.</summary>
internal static class ScanNames
{
    public static string Of(AccessPath path, bool indexOnly)
    {
        if (path.Kind == AccessKind.FullScan && !path.Backward) return "Seq Scan";
        string name = indexOnly ? "Index Only Scan" : "Index Scan";
        return path.Backward ? name + " Backward" : name;
    }
}
