namespace Log.QueryNode.Execution;

/// <summary>Per-transaction limits, DSQL's defaults.</summary>
public sealed class TransactionLimits
{
    /// <summary>Rows (keys) one transaction may insert, update or delete.</summary>
    public int MaxModifiedKeys { get; init; } = 3_000;

    /// <summary>Bytes of keys and values one transaction may write.</summary>
    public long MaxModifiedBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Keys read from storage per round trip of a scan, at most.</summary>
    public int ScanPageRows { get; init; } = 512;

    /// <summary>Keys read by a scan's first round trip; each next one reads twice as many, up to <see cref="ScanPageRows"/>.</summary>
    public int ScanFirstPageRows { get; init; } = 16;
}
