namespace Log.QueryNode.Sql;

/// <summary>Every limit of the SQL engine in one place, each with the error PostgreSQL raises when it is hit.</summary>
internal static class SqlLimits
{
    /// <summary>PostgreSQL's NAMEDATALEN - 1: longer identifiers are truncated (at a character boundary) to this many bytes.</summary>
    public const int IdentifierLengthBytesMax = 63;

    /// <summary>Nesting depth of expressions and parentheses; deeper input fails with 54001 "stack depth limit exceeded"
    /// instead of overflowing the real stack.</summary>
    public const int ExpressionDepthMax = 1000;

    /// <summary>Query texts at least this long are parsed on a thread with a large stack (see SqlEngine.Parse).</summary>
    public const int ParseOnCallerStackLengthMax = 2048;

    /// <summary>...and so are texts with at least this many opening parentheses.</summary>
    public const int ParseOnCallerStackParenthesesMax = 64;

    /// <summary>The stack of that thread: room for <see cref="ExpressionDepthMax"/> levels of the deepest nesting.</summary>
    public const int ParserStackBytes = 16 * 1024 * 1024;

    /// <summary>Columns per table (PostgreSQL's MaxHeapAttributeNumber), 54011 beyond.</summary>
    public const int ColumnsPerTableMax = 1600;

    /// <summary>Entries of one target list (PostgreSQL's MaxTupleAttributeNumber), 54011 "target lists can have at most
    /// 1664 entries" beyond. Checked where the list is parsed, so a * that the binder expands is not counted.</summary>
    public const int TargetListEntriesMax = 1664;

    /// <summary>Rows a VALUES list may hold in one INSERT.</summary>
    public const int ValuesRowsMax = 1_000_000;

    /// <summary>How long one regular expression match may run (.NET's engine backtracks, PostgreSQL's does not): beyond
    /// it the match fails with 2201B "regular expression is too complex" instead of holding the session.</summary>
    public static readonly TimeSpan PatternMatchTimeMax = TimeSpan.FromSeconds(2);
    /// <summary>Memory one statement may hold in sorts and hash tables (DSQL's per-query limit), 53200 "out of memory"
    /// beyond (see Executor/QueryMemory). <see cref="SqlEngine.QueryMemoryBytesMax"/> overrides it.</summary>
    public const long QueryMemoryBytesDefault = 128L * 1024 * 1024;

    /// <summary>Key columns of one index (Aurora DSQL's limit; PostgreSQL's INDEX_MAX_KEYS is 32), 54011 beyond.</summary>
    public const int IndexKeyColumnsMax = 8;

    /// <summary>Secondary indexes of one table (Aurora DSQL's limit), 54000 beyond.</summary>
    public const int IndexesPerTableMax = 24;

    /// <summary>Bytes of one index entry's encoded key columns (Aurora DSQL's 1 KiB), 54000 beyond.</summary>
    public const int IndexKeyBytesMax = 1024;

    /// <summary>Rows an index build reads (and entries it writes) per transaction, well inside the transaction's
    /// 3,000-row limit.</summary>
    public const int IndexBuildBatchRowsMax = 1000;

    /// <summary>The smallest batch an index build shrinks to after batches that lost conflicts to concurrent writers.</summary>
    public const int IndexBuildBatchRowsMin = 8;

    /// <summary>Times an index build retries one batch (or its final step) that lost a conflict to concurrent writers
    /// before it gives up with 40001.</summary>
    public const int IndexBuildBatchRetriesMax = 100;

    /// <summary>How often sys.wait_for_job looks at a job that runs elsewhere (another query node, or one not yet
    /// resumed after a restart).</summary>
    public const int JobPollIntervalMs = 100;

    /// <summary>How long sys.jobs keeps a finished job (completed, failed or cancelled) after its last update; older ones
    /// are removed when another job finishes or a query node starts.</summary>
    public const int JobHistoryRetentionMinutes = 24 * 60;

    /// <summary>Finished jobs sys.jobs keeps at most, the newest; older ones are removed likewise, however recent.</summary>
    public const int JobHistoryFinishedJobsMax = 1000;

    /// <summary>Finished jobs one removal transaction deletes at most (well inside a transaction's row limit); the rest
    /// go the next time.</summary>
    public const int JobHistoryRemovedPerTransactionMax = 500;

    /// <summary>Row keys an index scan fetches in one batch of key lookups.</summary>
    public const int IndexFetchBatchRowsMax = 512;

    /// <summary>Rows of one batch that an operator hands to a consumer that reads its whole input (aggregate, sort, hash
    /// join): one asynchronous step per batch instead of per row. Batches start at one row and double up to this, so
    /// a consumer that stops early makes its input compute few rows it does not use.</summary>
    public const int OperatorBatchRowsMax = 512;

    /// <summary>Rows of a hash join's right side up to which it is hashed without looking at the left side; past them
    /// both sides are read in turn and the one that ends first is hashed (see <c>HashJoinOperator</c>).</summary>
    public const int HashJoinBuildRowsBeforeChoice = 10_000;

    /// <summary>OFFSET + LIMIT up to which a sort under a LIMIT keeps only that many rows (a bounded heap, PostgreSQL's
    /// top-N heapsort) instead of sorting its whole input; past it the full sort is cheaper than the heap's comparisons.</summary>
    public const int TopNSortRowsMax = 10_000;

    /// <summary>Outer rows whose inner rows a key lookup join reads in one batch of key lookups: 1,000 outer rows are one
    /// batch, one walk of storage's ordered index and one wait for the head records read from disk, where 512 made two.</summary>
    public const int LookupJoinBatchRowsMax = 1_024;

    /// <summary>Outer rows up to which a key lookup join looks its inner rows up; past it the outer side is too large
    /// for lookups to beat reading the inner table once, and the join runs as a hash join.</summary>
    public const int LookupJoinOuterRowsMax = 10_000;

    /// <summary>Views within views a statement may read through (also what stops a view that, replaced, reads itself).</summary>
    public const int ViewNestingDepthMax = 32;

    /// <summary>Nesting of arrays and objects in one json or jsonb text, 54001 "stack depth limit exceeded" beyond
    /// (PostgreSQL's parser recurses until max_stack_depth; the tree walks here recurse too).</summary>
    public const int JsonDepthMax = 1000;
}

/// <summary>SQLSTATE codes the engine needs that the shared <see cref="Execution.SqlState"/> does not list (yet).</summary>
internal static class EngineSqlState
{
    public const string StackDepthLimitExceeded = "54001";
    public const string TooManyColumns = "54011";
    public const string InvalidRowCountInLimitClause = "2201W";
    public const string InvalidRowCountInResultOffsetClause = "2201X";
    public const string UndefinedParameter = "42P02";
    public const string AmbiguousFunction = "42725";
    public const string InvalidColumnDefinition = "42611";
    public const string InvalidObjectDefinition = "42P17";
    public const string WrongObjectType = "42809";
    public const string InvalidTextRepresentation = "22P02";
    public const string DuplicateAlias = "42712";
    public const string CardinalityViolation = "21000";
    public const string DependentObjectsStillExist = "2BP01";
    public const string InvalidRecursion = "42P19";
    public const string WindowingError = "42P20";
    public const string NullValueNotAllowed = "22004";
    public const string InvalidDatetimeFormat = "22007";
    public const string DatetimeFieldOverflow = "22008";
    public const string InvalidTimeZoneDisplacementValue = "22009";
    public const string SubstringError = "22011";
    public const string InvalidEscapeCharacter = "22019";
    public const string InvalidEscapeSequence = "22025";
    public const string InvalidUseOfEscapeCharacter = "2200C";
    public const string InvalidRegularExpression = "2201B";
    public const string InvalidArgumentForLogarithm = "2201E";
    public const string InvalidArgumentForPowerFunction = "2201F";
    public const string InvalidArgumentForWidthBucketFunction = "2201G";
    public const string UntranslatableCharacter = "22P05";
    public const string OutOfMemory = "53200";
    public const string ObjectInUse = "55006";
}
