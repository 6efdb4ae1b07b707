using Log.Journal.Time;

namespace Log.QueryNode.Execution;

/// <summary>
/// What a client hears when the adjudicator refuses a commit as too old: its start lies below the shard's conflict
/// window, so the shard cannot tell whether another transaction wrote its keys since, and wrote nothing.
/// <para>Two causes, told apart by the transaction's age on this node's clock. A transaction that began longer ago
/// than the window (DSQL's five-minute transaction limit) really outlived it: 54000, as DSQL answers, and running it
/// again as it was would be refused again. A younger one was refused because the window's horizon rose above its start
/// early: the shard restarted since it began (a new life's window starts at the earlier life's last timestamp,
/// adjudicator/README.md, "Restart"), or the window reached its memory bound. That is the transaction losing a race,
/// not a limit it broke: 40001, which clients retry, and the retry's snapshot is above the new horizon. Snapshots are
/// never taken below the window (<see cref="JournalSnapshotSource"/>), so a first write after a start is not
/// refused this way.</para>
/// </summary>
public static class TooOldCommit
{
    public const string AgeLimitMessage = "transaction age limit exceeded: the transaction started too long ago to commit";

    public const string WindowMovedMessage =
        "could not check the transaction for conflicts: the adjudicator restarted (or its conflict window filled) after the transaction began, please retry";

    /// <summary>The error for a commit refused as too old that began at <paramref name="start"/>, at
    /// <paramref name="now"/> on this node's clock.</summary>
    public static SqlException Answer(HybridTimestamp start, HybridTimestamp now, TimeSpan maxTransactionDuration) =>
        now.PhysicalMilliseconds - start.PhysicalMilliseconds >= (long)maxTransactionDuration.TotalMilliseconds
            ? new SqlException(SqlState.ProgramLimitExceeded, AgeLimitMessage)
            : new SqlException(SqlState.SerializationFailure, WindowMovedMessage,
                hint: "The transaction was not committed; it is safe to retry it.");
}
