using System.Collections.Concurrent;
using Log.QueryNode.Sql.Executor;

namespace Log.QueryNode.Sessions;

/// <summary>The live sessions of one query node, for pg_stat_activity: a session joins when its login is accepted and
/// leaves when its connection ends.</summary>
public sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<QuerySession, byte> sessions = new();

    internal void Add(QuerySession session) => sessions.TryAdd(session, 0);

    internal void Remove(QuerySession session) => sessions.TryRemove(session, out _);

    /// <summary>Each session's activity at this moment, by process id.</summary>
    internal IReadOnlyList<SessionActivity> Describe() =>
        sessions.Keys.Select(session => session.DescribeActivity()).OrderBy(activity => activity.ProcessId).ToList();
}
