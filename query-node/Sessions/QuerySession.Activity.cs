using Log.QueryNode.Sql.Executor;
using Log.Wire;

namespace Log.QueryNode.Sessions;

/// <summary>What pg_stat_activity shows of this session: the statement it runs (or ran last), when it started, and
/// whether the session is active, idle or idle in a transaction. Written by the session's own statements, read by any
/// session's query of pg_stat_activity (a torn read shows a moment's mix of two statements' fields, never a failure).</summary>
public sealed partial class QuerySession
{
    private readonly DateTime backendStartUtc = DateTime.UtcNow;
    private string lastQuery = "";
    private DateTime? queryStartUtc;
    private DateTime stateChangeUtc = DateTime.UtcNow;
    private volatile bool running;
    private readonly System.Net.IPEndPoint? clientEndPoint;

    // The names other sessions read, copied on this session's own thread whenever its reported settings moved (other
    // sessions must not read its settings while it changes them).
    private string activityUserName = "";
    private string activityApplicationName = "";
    private long activityNamesVersion = -1;

    /// <summary>The registry this session is listed in (its node's), or null when nothing lists it.</summary>
    internal SessionRegistry? Registry { get; init; }

    private void BeginActivity(string queryText)
    {
        RefreshActivityNames();
        DateTime now = DateTime.UtcNow;
        lastQuery = queryText;
        queryStartUtc = now;
        stateChangeUtc = now;
        running = true;
    }

    private void EndActivity()
    {
        RefreshActivityNames();
        running = false;
        stateChangeUtc = DateTime.UtcNow;
    }

    private void RefreshActivityNames()
    {
        if (settings.ReportedVersion == activityNamesVersion) return;
        activityNamesVersion = settings.ReportedVersion;
        activityUserName = Environment.UserName;
        activityApplicationName = settings.Reported.GetValueOrDefault("application_name") ?? "";
    }

    internal SessionActivity DescribeActivity()
    {
        PgTransactionStatus status = TransactionStatus;
        bool active = running;
        string state = active ? "active" : status switch
        {
            PgTransactionStatus.InTransaction => "idle in transaction",
            PgTransactionStatus.Failed => "idle in transaction (aborted)",
            _ => "idle",
        };
        DateTime? transactionStart = active || status != PgTransactionStatus.Idle ? transactionStartUtc : null;
        return new SessionActivity(startupIdentity.ProcessId, activityUserName, startupIdentity.Database,
            activityApplicationName, clientEndPoint, backendStartUtc, transactionStart, queryStartUtc,
            stateChangeUtc, state, lastQuery);
    }
}
