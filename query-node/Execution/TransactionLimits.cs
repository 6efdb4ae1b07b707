namespace Log.QueryNode.Execution;

/// <summary>Per-transaction limits, DSQL's defaults.</summary>
public sealed class TransactionLimits
{
    /// <summary>Rows (keys) one transaction may insert, update or delete.</summary>
    public int MaxModifiedKeys { get; init; } = 3_000;

    /// <summary>Bytes of keys and values one transaction may write.</summary>
    public long MaxModifiedBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Keys read from storage per round trip of a scan, at most.</summary>
    public int ScanPageRows { get; init; } = 4096;

    /// <summary>Keys read by a scan's first round trip; each next one reads twice as many, up to <see cref="ScanPageRows"/>.</summary>
    public int ScanFirstPageRows { get; init; } = 16;

    /// <summary>How long an INSERT or UPDATE waits for another open transaction of this query node that wrote the same
    /// key first (see <see cref="Transaction.BeforeWriteAsync"/>) before it goes on without waiting. A transaction of a
    /// busy session ends within milliseconds; one left open by an idle client should not hold others much longer than
    /// that, since, unlike PostgreSQL's row lock, the wait decides nothing.</summary>
    public TimeSpan LocalWriterWaitMax { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest a transaction may run: the adjudicator's conflict window
    /// (<see cref="Log.Adjudicator.AdjudicatorOptions.MaxTransactionDuration"/>, DSQL's five minutes). A commit refused as
    /// too old that began longer ago than this gets 54000, a younger one 40001 (<see cref="TooOldCommit"/>).</summary>
    public TimeSpan MaxTransactionDuration { get; init; } = new Log.Adjudicator.AdjudicatorOptions().MaxTransactionDuration;
}
