namespace Log.QueryNode.Sql.Catalog;

/// <summary>
/// A background job as sys.jobs shows it (Aurora DSQL's names): an index build started by CREATE INDEX [ASYNC], or the
/// rewrite of an ALTER COLUMN ... TYPE. It
/// lives in the catalog key space, so it travels through the journal like the index it builds: the build's batches
/// update it in their own transactions (rows processed and the last primary key read), which is what lets a build
/// cut short by a crash go on from its last committed batch when a query node starts again.
/// </summary>
internal sealed record JobDescriptor(
    string JobId,
    string JobType,
    string Status,
    string TableName,
    string ObjectName,
    long ObjectId,
    string? Details,
    long RowsProcessed,
    byte[]? ResumeAfter,
    DateTime StartTimeUtc,
    DateTime UpdateTimeUtc)
{
    public const string IndexBuildType = "INDEX_BUILD";

    /// <summary>ALTER TABLE ... ALTER COLUMN ... TYPE that rewrites the rows (see TableRewriteJob).</summary>
    public const string TableRewriteType = "TABLE_REWRITE";

    public const string Submitted = "submitted";
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>Whether the job will do nothing more: completed, failed or cancelled.</summary>
    public bool IsFinished => Status is Completed or Failed or Cancelled;

    /// <summary>An index build's id: its table's and index's ids, which are never reused, so the id names one build for
    /// the life of the database and every query node derives the same one.</summary>
    public static string IndexBuildId(long tableId, int indexId) => $"ix{tableId}_{indexId}";

    /// <summary>A table rewrite's id: its table's id and the first of the column ids it converts into (never reused).</summary>
    public static string TableRewriteId(long tableId, int firstTargetStorageId) => $"rw{tableId}_{firstTargetStorageId}";

    /// <summary>Whether the job id names a table rewrite rather than an index build.</summary>
    public static bool IsTableRewrite(string jobId) => jobId.StartsWith("rw", StringComparison.Ordinal);
}
