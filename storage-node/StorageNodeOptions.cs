namespace Log.StorageNode;

/// <summary>
/// Settings of one storage replica. Every limit of the node lives here, named, with a small
/// default that suits one machine and the tests.
/// </summary>
public sealed record StorageNodeOptions
{
    /// <summary>Folder of the node's files. FASTER's log, its checkpoints, the key files and the manifests go to
    /// <c>DataDirectory/storage</c>; a start recovers the newest valid checkpoint there, or wipes the folder and
    /// replays the journal from offset 0 when there is none.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The journal partition this replica consumes.</summary>
    public int Partition { get; init; }

    /// <summary>How many partitions the replica consumes (one per adjudicator shard): 1 reads <see cref="Partition"/>
    /// alone; more read partitions 0 to PartitionCount - 1 and apply them together (see StorageNode.Partitions.cs). A
    /// checkpoint records every partition's offset; one of another set of partitions is never recovered.</summary>
    public int PartitionCount { get; init; } = 1;

    /// <summary>Records read ahead of the apply loop across partitions, when there are several.</summary>
    public int PartitionReadAheadRecordsMax { get; init; } = 4096;

    /// <summary>The journal topic this replica consumes, recorded in each checkpoint's manifest: a checkpoint of another
    /// topic or partition is never recovered.</summary>
    public string JournalTopic { get; init; } = Log.Journal.Client.JournalTopics.ForRegion(Log.Journal.Client.JournalTopics.DefaultRegion);

    /// <summary>Whether the node takes checkpoints at all (off: every start replays the journal from offset 0).</summary>
    public bool CheckpointsEnabled { get; init; } = true;

    /// <summary>A checkpoint is taken this long after the previous one when anything was applied since. A start replays
    /// the journal written since the newest checkpoint, so this bounds the restart time under a steady load.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A checkpoint is also taken once this many journal records were applied since the previous one, which
    /// bounds the replay after a crash under a heavy load (at about 100,000 records/s, a few seconds).</summary>
    public long CheckpointJournalDistanceMax { get; init; } = 250_000;

    /// <summary>A checkpoint is also taken once this many writes were applied since the previous one: a record of a bulk
    /// load holds thousands, so counting records alone would let a crash's replay grow with the rows loaded.</summary>
    public long CheckpointWriteDistanceMax { get; init; } = 500_000;

    /// <summary>Checkpoints kept, newest first; older ones are deleted once a newer one is written. More than one, so
    /// that a newest checkpoint found damaged at start still leaves an older one instead of a full replay.</summary>
    public int CheckpointsKept { get; init; } = 2;

    /// <summary>Whether a clean shutdown takes a last checkpoint, so that the next start replays nothing.</summary>
    public bool CheckpointOnShutdown { get; init; } = true;

    /// <summary>The hybrid log is checksummed in chunks of this many bytes; a chunk a previous checkpoint covered whole is
    /// not read again (the log below a checkpoint never changes), so a checkpoint reads only the log written since. A
    /// recovery checks the chunks it reads (the page holding the final address and the one before): one page's size
    /// (16 MiB, was 64 MiB) makes that about the 32 MiB FASTER reads, not the 64 to 128 MiB of the chunks around them.</summary>
    public long CheckpointLogChunkBytes { get; init; } = 16L << 20;

    /// <summary>How long a read waits for the replica to reach its read point before it fails with
    /// <see cref="StorageUnavailableException"/>.</summary>
    public TimeSpan ReadWaitTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Buckets of FASTER's hash index (64 bytes each, allocated at start); a power of two. A bucket holds
    /// seven keys' entries before it chains overflow buckets, which every read of one of its keys then walks: with
    /// 2^16 buckets a table of 1,000,000 rows (two FASTER keys per row) made each read walk about five buckets, and
    /// the walk was a third of a scan's time. 2^19 buckets (32 MiB) keep a few million keys to their first bucket.</summary>
    public long HashIndexBucketCount { get; init; } = 1L << 19;

    /// <summary>Bytes of FASTER's log kept in memory; a power of two, at least two pages. FASTER allocates its pages as
    /// the log grows, so this is a ceiling, not a reservation. Every version of a row is two records (about 170 bytes
    /// for a short row): 128 MiB holds the newest 800,000 or so. It is the largest part of the storage node's memory
    /// that a configuration sets (the 1 GiB it was made the process pass 1 GiB at a few million rows); a read of a
    /// record that has left it goes to disk (asynchronously; a scan reads a batch's records at once).</summary>
    public long LogMemorySizeBytes { get; init; } = 1L << 27;

    /// <summary>Pages of FASTER's log (<see cref="LogPageSizeBytes"/> each) a recovery reads back into memory below the
    /// checkpoint's final address, besides those it must read anyway (the fuzzy region since the index checkpoint, and
    /// the page holding the final address). Null: as many as <see cref="LogMemorySizeBytes"/> holds, FASTER's default,
    /// which made a start read and checksum up to 128 MiB of log before it could answer. Records left on disk are read
    /// when first needed (asynchronously, as any record that has left the in-memory log).</summary>
    public int? RecoveryPreloadPages { get; init; } = 1;

    /// <summary>Bytes of the ordered index's pages kept in memory once a checkpoint has written them (a clean page
    /// beyond it is read again from the newest key file when a scan or an insert needs it); pages changed since the
    /// last checkpoint stay in memory until the next. At about 13 bytes a key, 32 MiB holds some 2,500,000 keys' pages;
    /// the whole index of 10,000,000 rows took 133 MiB when it was all in memory.</summary>
    public long OrderedIndexCacheBytes { get; init; } = 32L << 20;

    /// <summary>Bytes of one page of FASTER's log; a power of two. One stored version (key, value and
    /// about 64 bytes of headers) must fit in one page, so this bounds the size of a value: 16 MiB
    /// holds the largest value a transaction may write (10 MiB, DSQL's limit) with room to spare.</summary>
    public long LogPageSizeBytes { get; init; } = 16L << 20;

    /// <summary>Bytes of one file of FASTER's log on disk; a power of two, at least one page. Compaction gives disk space
    /// back a whole file at a time (the files below the log's begin address are deleted at the next checkpoint), so the
    /// file the log begins in holds compacted records up to its size: one page (16 MiB), the least FASTER allows, so an
    /// update-heavy table of a few hundred kilobytes settles in at most 16 MiB of compacted records beside its log in use
    /// (up to 64 MiB before, the size then). A large log is four times as many files as it was. A folder written with
    /// another size fails its manifest's check once and is replayed from the journal.</summary>
    public long LogSegmentSizeBytes { get; init; } = 1L << 24;

    /// <summary>How far behind the resolved timestamp a read may still be: the longest transaction (DSQL's 5 minutes).
    /// Reads below it fail with <see cref="SnapshotTooOldException"/>, and versions only they could see are collected.</summary>
    public TimeSpan SnapshotRetention { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Whether superseded versions below the trim horizon are collected and the log compacted.</summary>
    public bool GarbageCollectionEnabled { get; init; } = true;

    /// <summary>Pause between two garbage collection passes. A pass runs only when a version was superseded since the
    /// last one (it deletes what the apply loop queued, and walks every key only for what the queue had no room for,
    /// <see cref="GarbageCollectionQueuedVersionsMax"/>). Null: 30 s,
    /// or a quarter of <see cref="SnapshotRetention"/> when that is shorter (between two passes the log also holds
    /// whatever was superseded since the last one, so passes follow the retention).</summary>
    public TimeSpan? GarbageCollectionInterval { get; init; }

    /// <summary>Keys a garbage collection pass takes from the ordered index per step (applying and reads go on between
    /// steps).</summary>
    public int GarbageCollectionBatchKeyCount { get; init; } = 1024;

    /// <summary>Version records the apply loop queues for collection as it writes them (each with the commit that
    /// superseded it), so that a pass deletes the ones the horizon has passed without reading a record; about 80 bytes
    /// each (40 MiB at the default, 524,288). Supersessions past it (a long retention under many updates) are collected
    /// by a pass that walks every key from its head, as every pass did before. 0: every pass walks.</summary>
    public int GarbageCollectionQueuedVersionsMax { get; init; } = 1 << 19;

    /// <summary>The log is compacted once the garbage in it (estimated from the versions superseded and removed) is at
    /// least this fraction of it: compaction copies the live records of the part it compacts, so it costs at most about
    /// as much as it frees.</summary>
    public double CompactionGarbageFractionMin { get; init; } = 0.5;

    /// <summary>Bytes of log compacted per step (the checkpoint gate is held for one step).</summary>
    public long CompactionStepBytesMax { get; init; } = 256L << 20;

    /// <summary>Idle FASTER read sessions kept for reuse; more concurrent reads open (and then close) extra ones.</summary>
    public int ReadSessionPoolSizeMax { get; init; } = 32;

    /// <summary>Keys taken from the ordered index per step of a scan, so the index lock is held briefly (copying 4,096
    /// keys takes tens of microseconds). A step is also the unit of a scan's reads from disk: the head records of a
    /// step that have left memory are read together, with one wait for the I/O, so a query node's page of 4,096 rows
    /// is one step (at 1,024 a cold scan waited for four reads a page, and woke a thread for each).</summary>
    public int ScanBatchKeyCount { get; init; } = 4096;

    /// <summary>Pause before reopening the journal after a transient read error (not corruption).</summary>
    public TimeSpan JournalRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>For the replay tool: applying stops (without failing) before the first commit or heartbeat above this
    /// timestamp, so the store holds the journal as of it. Null: no limit.</summary>
    internal Log.Journal.Time.HybridTimestamp? ApplyUntil { get; init; }

    /// <summary>For the digest tool: a start with no usable checkpoint fails instead of wiping the folder.</summary>
    internal bool RequireCheckpoint { get; init; }

    /// <summary>Clock used for the read wait timeout and retry pauses (injected so tests control time).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new ArgumentException("DataDirectory is required.", nameof(DataDirectory));
        }
        if (PartitionCount < 1 || PartitionReadAheadRecordsMax < 1 || (PartitionCount > 1 && (Partition != 0 || ApplyUntil is not null)))
        {
            throw new ArgumentException("PartitionCount and PartitionReadAheadRecordsMax must be positive; several partitions start at partition 0 and have no ApplyUntil.");
        }
        RequirePowerOfTwo(HashIndexBucketCount, nameof(HashIndexBucketCount));
        RequirePowerOfTwo(LogMemorySizeBytes, nameof(LogMemorySizeBytes));
        if (RecoveryPreloadPages < 0)
        {
            throw new ArgumentException("RecoveryPreloadPages must not be negative.", nameof(RecoveryPreloadPages));
        }
        RequirePowerOfTwo(LogPageSizeBytes, nameof(LogPageSizeBytes));
        RequirePowerOfTwo(LogSegmentSizeBytes, nameof(LogSegmentSizeBytes));
        if (LogMemorySizeBytes < 2 * LogPageSizeBytes)
        {
            throw new ArgumentException("LogMemorySizeBytes must hold at least two pages.", nameof(LogMemorySizeBytes));
        }
        if (LogSegmentSizeBytes < LogPageSizeBytes)
        {
            throw new ArgumentException("LogSegmentSizeBytes must hold at least one page.", nameof(LogSegmentSizeBytes));
        }
        if (CheckpointInterval <= TimeSpan.Zero || CheckpointJournalDistanceMax <= 0 || CheckpointWriteDistanceMax <= 0 || CheckpointsKept < 1 || CheckpointLogChunkBytes <= 0
            || string.IsNullOrEmpty(JournalTopic))
        {
            throw new ArgumentException("CheckpointInterval, CheckpointJournalDistanceMax, CheckpointsKept and CheckpointLogChunkBytes (records and writes) must be positive, JournalTopic given.");
        }
        if (SnapshotRetention <= TimeSpan.Zero || GarbageCollectionInterval <= TimeSpan.Zero || GarbageCollectionBatchKeyCount <= 0
            || GarbageCollectionQueuedVersionsMax < 0
            || CompactionGarbageFractionMin is <= 0 or > 1 || CompactionStepBytesMax <= 0)
        {
            throw new ArgumentException("SnapshotRetention, GarbageCollectionInterval, GarbageCollectionBatchKeyCount and CompactionStepBytesMax must be positive, GarbageCollectionQueuedVersionsMax not negative, CompactionGarbageFractionMin in (0, 1].");
        }
        if (ReadWaitTimeout <= TimeSpan.Zero || ReadSessionPoolSizeMax < 0 || ScanBatchKeyCount <= 0 || Partition < 0)
        {
            throw new ArgumentException("ReadWaitTimeout and ScanBatchKeyCount must be positive, ReadSessionPoolSizeMax and Partition not negative.");
        }
    }

    private static void RequirePowerOfTwo(long value, string name)
    {
        if (value <= 0 || (value & (value - 1)) != 0)
        {
            throw new ArgumentException($"{name} must be a positive power of two, not {value}.", name);
        }
    }

    internal static int Log2(long powerOfTwo) => System.Numerics.BitOperations.Log2((ulong)powerOfTwo);
}
