namespace Log.Adjudicator;

/// <summary>
/// Settings of one adjudicator shard, and every limit on its queues in one place. Defaults are
/// DSQL's (5 minutes per transaction) or sized for one machine.
/// </summary>
public sealed record AdjudicatorOptions
{
    /// <summary>Which shard of the key space this is; written into every record.</summary>
    public int Shard { get; init; }

    /// <summary>The journal partition this shard alone writes.</summary>
    public int Partition { get; init; }

    /// <summary>How long a prepared cross-shard transaction may wait for its decision before the shard asks the
    /// coordinator for it (which aborts the transaction if nothing was decided): what a crashed coordinator or query
    /// node costs the keys it held, and the readers held below its proposal.</summary>
    public TimeSpan PreparedDecisionTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Prepared cross-shard transactions a shard holds at once; more are refused (retryable).</summary>
    public int MaxPreparedTransactions { get; init; } = 10_000;

    /// <summary>The other shards, by shard number, for asking a coordinator about an old prepare; null where none
    /// can be reached (then only the transaction's own query node resolves it).</summary>
    public Func<int, ICrossShardParticipant?>? CoordinatorOf { get; init; }

    /// <summary>How long the shard may go without appending before it appends a heartbeat, so
    /// that storage nodes' resolved timestamps keep moving while no one commits.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest gap between two heartbeats of an idle shard: each heartbeat appended while nothing commits
    /// doubles the gap from <see cref="HeartbeatInterval"/> up to this, and a commit brings it back. Snapshots taken at
    /// the journal's end need no heartbeat (they wait for the replica to apply to the end, whatever its timestamps), so
    /// an idle shard only has to keep the resolved timestamp, and so a new snapshot's start, far inside
    /// <see cref="MaxTransactionDuration"/>; waking every 100 ms while idle was most of an idle process's CPU.</summary>
    public TimeSpan IdleHeartbeatInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest a transaction may run. The conflict window remembers this much
    /// history; a commit that started earlier is refused as too old.</summary>
    public TimeSpan MaxTransactionDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Commit requests waiting for the shard's loop. Callers beyond it wait to enqueue.</summary>
    public int MaxPendingCommits { get; init; } = 4096;

    /// <summary>Appends sent to the journal and not yet acknowledged. The loop waits beyond it.</summary>
    public int MaxAppendsInFlight { get; init; } = 1024;

    /// <summary>Writes plus checks in one commit request; more is refused as bad input.
    /// DSQL allows 3,000 modified rows, each with its index entries.</summary>
    public int MaxKeysPerCommit { get; init; } = 100_000;

    /// <summary>(key, commit) pairs the conflict window may hold before it raises its horizon early.</summary>
    public int MaxWindowEntries { get; init; } = ConflictWindow.DefaultMaxEntries;

    /// <summary>Bytes the conflict window's (key, commit) pairs may take (keys and their bookkeeping) before it raises
    /// its horizon early: commits that started below it are then refused as too old (retryable), never let through.</summary>
    public long MaxWindowBytes { get; init; } = ConflictWindow.DefaultMaxBytes;

    /// <summary>Decisions remembered by transaction id so that a retried commit gets its first outcome (see
    /// <see cref="RecentCommitOutcomes"/>); past it the window's horizon rises early.</summary>
    public int MaxRememberedOutcomes { get; init; } = 1_000_000;

    /// <summary>The window is trimmed on every heartbeat tick and also after this many commits,
    /// so that it stays bounded when commits keep the loop too busy for ticks.</summary>
    public int TrimEveryCommits { get; init; } = 1024;

    /// <summary>How long <see cref="AdjudicatorShard.DisposeAsync"/> waits for queued commits and
    /// in-flight appends before it cancels them.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts at appending the leading fragments of a large transaction when an attempt
    /// fails with a transient journal error. Each attempt starts again from the first fragment;
    /// leftovers of a failed attempt are ignored by readers (see the journal's fragment contract).
    /// Each attempt already includes the producer's own retries (until its message timeout).</summary>
    public int MaxStagingAttempts { get; init; } = 2;

    /// <summary>Pause between two attempts at staging a large transaction's fragments.</summary>
    public TimeSpan StagingRetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a call waits for an <see cref="AdjudicatorSupervisor"/> that is rebuilding its
    /// shard after a journal failure, before it is answered <see cref="CommitOutcome.Unavailable"/>.</summary>
    public TimeSpan RecoveryWaitTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pause between two attempts at rebuilding the shard when a rebuild fails (the journal
    /// is still unreachable). Attempts go on until the supervisor is stopped.</summary>
    public TimeSpan RecoveryRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Drives heartbeats, so that tests and simulations control them.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Shard);
        ArgumentOutOfRangeException.ThrowIfNegative(Partition);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HeartbeatInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(IdleHeartbeatInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxTransactionDuration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingCommits, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAppendsInFlight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxKeysPerCommit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxWindowEntries, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxWindowBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(TrimEveryCommits, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRememberedOutcomes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StopTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxStagingAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(StagingRetryDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RecoveryWaitTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(RecoveryRetryDelay, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
