using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Executor;

namespace Log.QueryNode.Sessions;

public sealed partial class QuerySession
{
    /// <summary>When the open transaction began (this node's hybrid clock at BEGIN), for now() and current_timestamp.</summary>
    private DateTime transactionStartUtc = DateTime.UnixEpoch;

    /// <summary>This node's hybrid clock at the open transaction's BEGIN (unique on the node), which txid_current() reports.</summary>
    private long transactionId;

    /// <summary>Settings changed by set_config(..., true) (SET LOCAL) in the open transaction, with the value each had
    /// before: COMMIT puts them back (ROLLBACK puts back every setting anyway).</summary>
    private readonly Dictionary<string, string?> localSettings = new(StringComparer.OrdinalIgnoreCase);

    private SessionEnvironment? environment;

    /// <summary>The database the client connected to and the process id it was given in BackendKeyData.</summary>
    private readonly (string Database, int ProcessId, System.Net.IPEndPoint? ServerEndPoint) startupIdentity;

    /// <summary>What this session lends the statements it runs (see <see cref="ISessionEnvironment"/>).</summary>
    private ISessionEnvironment Environment => environment ??= new SessionEnvironment(this);

    /// <summary>A transaction began at <paramref name="start"/> (this node's clock; its snapshot may be a little older): now() is
    /// that time from here on.</summary>
    private void StartTransactionClock(Journal.Time.HybridTimestamp start)
    {
        // The hybrid clock counts milliseconds; its logical counter orders transactions within one, so it fills in the
        // microseconds (PostgreSQL's resolution) and keeps two transactions' start times apart.
        transactionStartUtc = DateTime.UnixEpoch.AddTicks(start.PhysicalMilliseconds * TimeSpan.TicksPerMillisecond
            + Math.Min((int)start.Logical, 999) * 10);
        transactionId = (long)(start.Value & long.MaxValue);
    }

    /// <summary>The transaction ended with COMMIT: settings made with SET LOCAL go back to their earlier values.</summary>
    private void EndTransactionSettings()
    {
        CloseTransactionCursors(committed: true);
        savepoints.Clear();
        settingsAtTransactionStart = null;
        foreach ((string name, string? value) in localSettings) settings.Apply(name, value);
        localSettings.Clear();
    }

    private sealed class SessionEnvironment(QuerySession session) : ISessionEnvironment
    {
        public DateTime TransactionStartUtc => session.transactionStartUtc;

        public long TransactionId => session.transactionId;

        public Random Random { get; set; } = new Sql.Functions.PostgresRandom();

        public SessionSequenceValues Sequences { get; } = new();

        public IReadOnlyList<OpenCursor> Cursors => session.OpenCursors();

        public IReadOnlyList<PreparedStatementInfo> PreparedStatements => session.ListPreparedStatements();

        public IReadOnlyList<SessionActivity> Activity => session.Registry?.Describe() ?? [session.DescribeActivity()];

        public string UserName => session.settings.Show("session_authorization").Value is { Length: > 0 } user ? user : "postgres";

        public string LoginUserName => session.settings.LoginUser is { Length: > 0 } user ? user : "postgres";

        public string DatabaseName => session.startupIdentity.Database;

        public string? IamPrincipal => session.Principal;

        public int ProcessId => session.startupIdentity.ProcessId;

        public System.Net.IPEndPoint? ServerEndPoint => session.startupIdentity.ServerEndPoint;

        public string? GetSetting(string name)
        {
            try
            {
                return session.settings.Show(name).Value;
            }
            catch (SqlException exception) when (exception.SqlState == SqlState.UndefinedObject)
            {
                return null;
            }
        }

        public string SetSetting(string name, string? value, bool isLocal)
        {
            string? previous = GetSetting(name);
            session.settings.Apply(name, value);
            if (isLocal) session.localSettings.TryAdd(name, previous);
            else session.localSettings.Remove(name);
            return GetSetting(name) ?? "";
        }
    }
}
