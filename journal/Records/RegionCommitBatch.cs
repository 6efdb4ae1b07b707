namespace Log.Journal.Records;

/// <summary>
/// Several candidates of a region topic in one record, and back (adjudicator/README.md, "Commits batched into one
/// record"). The shard packs the commits that gathered while its previous record was in flight; every reader of a region
/// topic (the adjudicator's merge, the storage replica's merge and copy watch, the query node's catalog feed) unpacks a
/// batch here, before its merge takes the candidates, into exactly the Commit records an unbatched shard would have
/// written: so the merge decides each candidate as it would have decided it alone.
/// </summary>
public static class RegionCommitBatch
{
    /// <summary>The candidates <paramref name="commits"/> (Commit records of one writer: one shard, one epoch, unfragmented,
    /// in strictly ascending commit timestamp) as one record: the record itself when there is one, else a CommitBatch.
    /// The batch's own commit and closed timestamps are its last candidate's (its promise), its start the lowest start,
    /// and its transaction id the first candidate's.</summary>
    public static JournalRecord Pack(IReadOnlyList<JournalRecord> commits)
    {
        ArgumentNullException.ThrowIfNull(commits);
        if (commits.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one commit.", nameof(commits));
        }
        if (commits.Count == 1)
        {
            return commits[0];
        }
        var first = commits[0];
        var batch = new JournalBatchedCommit[commits.Count];
        var start = ulong.MaxValue;
        for (var index = 0; index < commits.Count; index++)
        {
            var commit = commits[index];
            if (commit.Kind != JournalRecordKind.Commit || commit.IsFragment || commit.Shard != first.Shard || commit.Epoch != first.Epoch)
            {
                throw new ArgumentException("A batch holds unfragmented commits of one shard and one epoch.", nameof(commits));
            }
            batch[index] = new JournalBatchedCommit(commit.TransactionId, commit.StartTimestamp, commit.CommitTimestamp, commit.Writes, commit.CheckKeys);
            start = Math.Min(start, commit.StartTimestamp);
        }
        var last = commits[^1].CommitTimestamp;
        return new JournalRecord
        {
            FormatVersion = JournalRecord.RegionBatchFormatVersion,
            Kind = JournalRecordKind.CommitBatch,
            TransactionId = first.TransactionId,
            StartTimestamp = start,
            CommitTimestamp = last,
            ClosedTimestamp = last,
            Shard = first.Shard,
            Epoch = first.Epoch,
            Batch = batch,
        };
    }

    /// <summary>The candidates a record of a region topic carries, in its order: one Commit record for each of a batch's,
    /// with the batch's shard and epoch, as an unbatched shard writes it; any other record alone.</summary>
    public static IReadOnlyList<JournalRecord> Unpack(JournalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Kind != JournalRecordKind.CommitBatch)
        {
            return [record];
        }
        var batch = record.Batch ?? throw new InvalidDataException("A commit batch holds no candidates.");
        var candidates = new JournalRecord[batch.Count];
        for (var index = 0; index < batch.Count; index++)
        {
            var commit = batch[index];
            candidates[index] = JournalRecord.ForCommit(commit.TransactionId, new(commit.StartTimestamp), new(commit.CommitTimestamp),
                record.Shard, record.Epoch, commit.Writes) with { CheckKeys = commit.CheckKeys };
        }
        return candidates;
    }

    /// <summary>Returns null when <paramref name="record"/>, a CommitBatch, is well formed, else what is wrong with it.</summary>
    internal static string? Validate(JournalRecord record)
    {
        if (record.FormatVersion < JournalRecord.RegionBatchFormatVersion)
        {
            return $"format version {record.FormatVersion} has no commit batches";
        }
        if (record.Writes.Count != 0)
        {
            return "a commit batch carries writes outside its candidates";
        }
        if (record.Batch is not { Count: >= 2 } batch)
        {
            return "a commit batch holds fewer than two candidates";
        }
        var start = ulong.MaxValue;
        for (var index = 0; index < batch.Count; index++)
        {
            var commit = batch[index];
            if (commit is null || commit.Writes is null)
            {
                return "a commit batch holds a candidate without a write set";
            }
            if (commit.CommitTimestamp <= commit.StartTimestamp)
            {
                return "a batched candidate's commit timestamp is not after its start timestamp";
            }
            if (index > 0 && commit.CommitTimestamp <= batch[index - 1].CommitTimestamp)
            {
                return "a commit batch's candidates are not in ascending commit timestamp";
            }
            if (commit.Writes.Any(write => write is null || write.Key is null || write.Key.Length == 0))
            {
                return "a write has an empty key";
            }
            if (commit.CheckKeys is { } checkKeys && checkKeys.Any(key => key is null || key.Length == 0))
            {
                return "a check key is empty";
            }
            start = Math.Min(start, commit.StartTimestamp);
        }
        if (record.CommitTimestamp != batch[^1].CommitTimestamp || record.ClosedTimestamp != record.CommitTimestamp
            || record.StartTimestamp != start || record.TransactionId != batch[0].TransactionId)
        {
            return "a commit batch's own timestamps or transaction are not its candidates'";
        }
        return null;
    }
}
