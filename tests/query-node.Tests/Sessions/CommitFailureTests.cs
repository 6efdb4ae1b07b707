using Log.Adjudicator;
using Log.Journal.Time;
using Log.QueryNode.Execution;
using Log.QueryNode.Sessions;
using Log.Wire;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.QueryNode.Tests.Sessions;

/// <summary>A commit the journal could not take reaches the client as a SQLSTATE that says what
/// happened, fails only that transaction, and leaves the session serving.</summary>
public sealed class CommitFailureTests
{
    /// <summary>Answers the next commit with a fixed failure, then behaves as the cluster does.</summary>
    private sealed class FailOnceAdjudicator(InMemoryCluster cluster, CommitOutcome outcome) : IAdjudicator
    {
        private int failed;

        public Task<CommitResult> CommitAsync(CommitRequest request, CancellationToken cancellationToken) =>
            Interlocked.Exchange(ref failed, 1) == 0
                ? Task.FromResult(new CommitResult(outcome, HybridTimestamp.Zero, -1, null, "the journal said no"))
                : cluster.CommitAsync(request, cancellationToken);

        public Task<ReadFence> CloseTimestampAsync(HybridTimestamp timestamp, CancellationToken cancellationToken) =>
            cluster.CloseTimestampAsync(timestamp, cancellationToken);
    }

    [Theory]
    [InlineData(CommitOutcome.NotCommitted, "58030")]
    [InlineData(CommitOutcome.OutcomeUnknown, "08007")]
    [InlineData(CommitOutcome.Unavailable, "57P03")]
    public async Task A_failed_commit_gets_its_sqlstate_and_the_next_one_commits(CommitOutcome outcome, string sqlState)
    {
        var cluster = new InMemoryCluster();
        var setup = cluster.Connect();
        await setup.QueryAsync("create table t (id int primary key)");
        var adjudicator = new FailOnceAdjudicator(cluster, outcome);
        var session = new QuerySession(new PgStartup("postgres", "postgres", new Dictionary<string, string>(), 1, 2),
            cluster.Engine, adjudicator, cluster, cluster.Clock, new TransactionLimits(), NullLogger.Instance);

        var failed = await session.QueryAsync("insert into t values (1)");
        var next = await session.QueryAsync("insert into t values (2)");

        var error = Assert.Single(failed);
        Assert.StartsWith($"Error {sqlState} ", error);
        Assert.Contains("the journal said no", error);
        Assert.Equal(["CommandComplete INSERT 0 1"], next);
        Assert.Equal(PgTransactionStatus.Idle, session.TransactionStatus);
        Assert.Equal(["2"], await cluster.Connect().RowsAsync("select id from t"));
    }

    /// <summary>A commit refused as too old: a transaction older than the window really outlived it (54000, as DSQL
    /// answers); a younger one lost a race with a restart of the adjudicator (its window's horizon rose above the
    /// transaction's start), which a retry wins (40001). The session's clock runs ahead of the snapshot by the age.</summary>
    [Theory]
    [InlineData(0, "40001")]
    [InlineData(4, "40001")]
    [InlineData(6, "54000")]
    public async Task A_commit_refused_as_too_old_is_54000_past_the_window_and_40001_inside_it(int ageMinutes, string sqlState)
    {
        var cluster = new InMemoryCluster();
        await cluster.Connect().QueryAsync("create table t (id int primary key)");
        var adjudicator = new FailOnceAdjudicator(cluster, CommitOutcome.TooOld);
        var sessionClock = new HybridClock(new ShiftedTime(TimeSpan.FromMinutes(ageMinutes)));
        var session = new QuerySession(new PgStartup("postgres", "postgres", new Dictionary<string, string>(), 1, 2),
            cluster.Engine, adjudicator, cluster, sessionClock, new TransactionLimits(), NullLogger.Instance,
            new SnapshotsAt(cluster.Clock));

        var failed = await session.QueryAsync("insert into t values (1)");
        var next = await session.QueryAsync("insert into t values (2)");

        var error = Assert.Single(failed);
        Assert.StartsWith($"Error {sqlState} ", error);
        Assert.Contains(sqlState == "54000" ? TooOldCommit.AgeLimitMessage : TooOldCommit.WindowMovedMessage, error);
        Assert.Equal(["CommandComplete INSERT 0 1"], next);
        Assert.Equal(["2"], await cluster.Connect().RowsAsync("select id from t"));
    }

    /// <summary>Snapshots at another clock's present, unfenced.</summary>
    private sealed class SnapshotsAt(HybridClock clock) : ISnapshotSource
    {
        public ValueTask<Snapshot> TakeAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(new Snapshot(Log.StorageNode.ReadPoint.Unfenced(clock.Now()), 0));

        public ValueTask<Snapshot> TakeAfterConflictAsync(CancellationToken cancellationToken) => TakeAsync(cancellationToken);
    }

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + shift;
    }
}
