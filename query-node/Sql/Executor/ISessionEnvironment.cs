namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// What a statement may read from, and change in, the session that runs it: the transaction's start time (now() and
/// current_timestamp are that, the same for every statement of the transaction), the run-time settings that
/// current_setting and set_config read and write, and the session's random number generator (setseed then random()).
/// The session passes it with each statement through the <see cref="StatementContext"/>; the engine keeps no session state.
/// </summary>
public interface ISessionEnvironment
{
    /// <summary>When the current transaction started, in UTC, to the microsecond.</summary>
    DateTime TransactionStartUtc { get; }

    /// <summary>A 64-bit id of the current transaction that no other transaction of this node shares (txid_current).</summary>
    long TransactionId { get; }

    /// <summary>The value of a setting as SHOW prints it, or null when the session knows no such setting.</summary>
    string? GetSetting(string name);

    /// <summary>SET name = value (SET LOCAL when <paramref name="isLocal"/>; RESET when the value is null); returns the
    /// value now in effect. A bad name or value throws the <see cref="Execution.SqlException"/> SET would.</summary>
    string SetSetting(string name, string? value, bool isLocal);

    /// <summary>The session's generator for random(), reseeded by setseed.</summary>
    Random Random { get; set; }

    /// <summary>The session user: the one the session authenticated as, or SET SESSION AUTHORIZATION's.</summary>
    string UserName { get; }

    /// <summary>The user the session authenticated as, whatever SET SESSION AUTHORIZATION made the session user.</summary>
    string LoginUserName => UserName;

    /// <summary>The IAM principal whose signed token let the session in, or null (admin's login, or local development
    /// without tokens): each transaction checks that the session's role is still mapped to it.</summary>
    string? IamPrincipal => null;

    /// <summary>The database the session connected to (current_database()).</summary>
    string DatabaseName { get; }

    /// <summary>What pg_backend_pid() answers: a number that identifies the session (its cancel key's process id).</summary>
    int ProcessId { get; }

    /// <summary>The server's end of the session's connection (inet_server_addr, inet_server_port); null when it is not
    /// over IP.</summary>
    System.Net.IPEndPoint? ServerEndPoint => null;

    /// <summary>The values nextval and setval last gave this session, for currval and lastval.</summary>
    SessionSequenceValues Sequences { get; }

    /// <summary>The session's open SQL cursors, for pg_cursors.</summary>
    IReadOnlyList<OpenCursor> Cursors => [];

    /// <summary>The session's named prepared statements, for pg_prepared_statements.</summary>
    IReadOnlyList<PreparedStatementInfo> PreparedStatements => [];

    /// <summary>Every live session of this query node (this one among them), for pg_stat_activity.</summary>
    IReadOnlyList<SessionActivity> Activity => [];
}

/// <summary>One session as pg_stat_activity shows it: what it runs or ran last, and since when.</summary>
public sealed record SessionActivity(int ProcessId, string UserName, string DatabaseName, string ApplicationName,
    System.Net.IPEndPoint? Client, DateTime BackendStartUtc, DateTime? TransactionStartUtc, DateTime? QueryStartUtc,
    DateTime StateChangeUtc, string State, string Query);

/// <summary>One named prepared statement as pg_prepared_statements shows it: from PREPARE (FromSql) or a protocol Parse.</summary>
public sealed record PreparedStatementInfo(string Name, string Statement, DateTime PrepareTimeUtc, IReadOnlyList<int> ParameterTypeOids,
    bool FromSql, long GenericPlans, long CustomPlans);

/// <summary>One open cursor as pg_cursors shows it (Log's cursors are never binary).</summary>
public sealed record OpenCursor(string Name, string Statement, bool IsHoldable, bool IsScrollable, DateTime CreationTimeUtc, bool IsBinary = false);
