using Log.Journal.Records;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;

namespace Log.Adjudicator;

/// <summary>
/// Several commits in one record (README.md, "Commits batched into one record"): while
/// <see cref="RegionOptions.CommitRecordsInFlightMax"/> records of commits are on their way to the journals, the commits
/// that arrive are checked locally and gathered; when one on its way is answered, the gathered ones get their commit
/// timestamps (ascending, each above the last promise, as one at a time would) and go out as one
/// <see cref="JournalRecordKind.CommitBatch"/> (<see cref="RegionCommitBatch.Pack"/>). With nothing in flight a commit
/// is appended at once, alone, as before. Every merge unpacks the batch into the candidates an unbatched shard would
/// have written and decides each on its own, so a batch's candidates may be answered differently.
/// </summary>
public sealed partial class RegionAdjudicatorShard
{
    /// <summary>Commits in one record, at most.</summary>
    public const int CommitsPerRecordMax = 256;

    /// <summary>What the gathered commits' write sets and check keys may add up to (counted as
    /// <see cref="EstimatedBytes"/> does), so that their record stays well below <see cref="JournalLimits.RecordBytesMax"/>;
    /// a commit above it alone is appended alone.</summary>
    public const int GatheredBytesMax = JournalLimits.RecordBytesMax / 2;

    /// <summary>How often the shard logs how many commits its records carried, when any were appended.</summary>
    public static readonly TimeSpan RecordsPerCommitLogInterval = TimeSpan.FromSeconds(10);

    // Under the gate: the commits waiting for the next record, in arrival order, and what they add up to.
    private readonly List<(CommitRequest Request, Candidate Candidate)> gathered = [];
    private int gatheredBytes;
    // Under the gate: records of commits handed to the writer and not answered yet.
    private int commitRecordsInFlight;
    private long commitRecordsAppended;
    private long commitsAppended;
    private long recordsLoggedAt;
    private (long Records, long Commits) recordsLogged;

    /// <summary>Records of commits handed to the writer (a batch counts once).</summary>
    public long CommitRecordsAppended => Interlocked.Read(ref commitRecordsAppended);

    /// <summary>Commits handed to the writer, alone or in a batch: with <see cref="CommitRecordsAppended"/>, the records
    /// per commit.</summary>
    public long CommitsAppended => Interlocked.Read(ref commitsAppended);

    /// <summary>Commits gathered for the next record now.</summary>
    public int GatheredCount
    {
        get
        {
            lock (gate)
            {
                return gathered.Count;
            }
        }
    }

    /// <summary>
    /// Proposes a commit that passed the local check (the caller holds the gate): appended at once, alone, when fewer than
    /// <see cref="RegionOptions.CommitRecordsInFlightMax"/> records of commits are in flight and none is gathered;
    /// otherwise gathered for the next record. A gathered commit's keys go into the local window at once, at the
    /// timestamp it would have had now (its own will not be lower), so a second local writer of them is refused without a
    /// round trip, as when it is proposed alone. <see cref="ArgumentException"/> when the writer refuses a record of this
    /// commit alone (above one record).
    /// </summary>
    private Candidate Propose(CommitRequest request, HybridTimestamp now)
    {
        var candidate = new Candidate(HybridTimestamp.Zero, timeProvider.GetTimestamp());
        var bytes = EstimatedBytes(request);
        if (bytes > GatheredBytesMax || (gathered.Count == 0 && commitRecordsInFlight < options.CommitRecordsInFlightMax))
        {
            pending[request.TransactionId] = candidate;
            AppendCommits([(request, candidate)], now);
            return candidate;
        }
        if (gathered.Count >= CommitsPerRecordMax || gatheredBytes + bytes > GatheredBytesMax)
        {
            // The next record is full: it goes now, beyond the limit of records in flight, and this one starts another.
            AppendGathered(now);
        }
        window.Record(request.Writes, NextCommitTimestamp(request, now));
        pending[request.TransactionId] = candidate;
        gathered.Add((request, candidate));
        gatheredBytes += bytes;
        return candidate;
    }

    /// <summary><c>max(now + lead, start + 1, last promise + 1)</c>: the timestamp a commit proposed now gets.</summary>
    private HybridTimestamp NextCommitTimestamp(CommitRequest request, HybridTimestamp now) =>
        HybridTimestamp.Max(HybridTimestamp.Max(Ahead(now), request.StartTimestamp.Next()), promised.Next());

    /// <summary>Appends the gathered commits as one record (the caller holds the gate); nothing when none is gathered.</summary>
    private void AppendGathered(HybridTimestamp now)
    {
        if (gathered.Count == 0)
        {
            return;
        }
        var commits = gathered.ToArray();
        gathered.Clear();
        gatheredBytes = 0;
        try
        {
            AppendCommits(commits, now);
        }
        catch (Exception exception)
        {
            // Not expected (the gathered bytes are bounded well below one record, and this may run on the writer's
            // delivery thread, which must not see it): the writer refused the record before sending it, and their
            // callers are answered.
            foreach (var (request, candidate) in commits)
            {
                pending.Remove(request.TransactionId);
                candidate.Done.TrySetResult(new CommitResult(CommitOutcome.NotCommitted, HybridTimestamp.Zero, -1, null, exception.Message));
            }
        }
    }

    /// <summary>
    /// Gives each commit its timestamp, ascending, raising the promise (the caller holds the gate, and the commits are in
    /// <c>pending</c>), and appends them as one record: a commit alone as its Commit record, several as a batch. The
    /// writer's answer answers each of them (durable together, one offset) and sends the commits gathered meanwhile.
    /// What the writer throws when it refuses the record (<see cref="ArgumentException"/>: above one record) is thrown
    /// on: the commits are then out of <c>pending</c>, and their keys stay in the local window, which only refuses more.
    /// </summary>
    private void AppendCommits(IReadOnlyList<(CommitRequest Request, Candidate Candidate)> commits, HybridTimestamp now)
    {
        var records = new JournalRecord[commits.Count];
        for (var index = 0; index < commits.Count; index++)
        {
            var (request, candidate) = commits[index];
            var commit = NextCommitTimestamp(request, now);
            promised = commit;
            // Our own candidate counts as committed for the local check until the merge decides it: a second local
            // writer of its keys is refused at once rather than after a round trip.
            window.Record(request.Writes, commit);
            candidate.Commit = commit;
            records[index] = JournalRecord.ForCommit(request.TransactionId, request.StartTimestamp, commit, options.Shard, options.Epoch, request.Writes) with
            {
                CheckKeys = request.Checks.Count == 0 ? null : [.. request.Checks.Select(item => item.Key)],
            };
        }
        var record = RegionCommitBatch.Pack(records);
        commitRecordsInFlight++;
        try
        {
            writer.Append(options.Shard, record, (offset, error) => OnCommitsAppended(commits, offset, error));
        }
        catch
        {
            // Refused before any copy took it (a write set above one record: multi-region mode does not fragment yet),
            // and so not in flight: later commits must not wait for its answer.
            commitRecordsInFlight--;
            foreach (var (request, _) in commits)
            {
                pending.Remove(request.TransactionId);
            }
            throw;
        }
        Interlocked.Increment(ref commitRecordsAppended);
        Interlocked.Add(ref commitsAppended, commits.Count);
    }

    /// <summary>The writer answered a record of commits: each of them learns it (one offset, or one error), and the commits
    /// gathered meanwhile go out as the next record.</summary>
    private void OnCommitsAppended(IReadOnlyList<(CommitRequest Request, Candidate Candidate)> commits, long offset, Exception? error)
    {
        // On the writer's delivery thread, outside its locks (IJournalWriter.Append), as a single commit's answer is.
        foreach (var (request, candidate) in commits)
        {
            OnAppended(request.TransactionId, candidate, offset, error);
        }
        lock (gate)
        {
            commitRecordsInFlight--;
            if (!stopped && commitRecordsInFlight < options.CommitRecordsInFlightMax)
            {
                AppendGathered(clock.Now());
            }
        }
    }

    /// <summary>Answers the gathered commits as not committed (the caller holds the gate, stopping): none was sent.</summary>
    private void AbandonGathered()
    {
        foreach (var (request, candidate) in gathered)
        {
            pending.Remove(request.TransactionId);
            candidate.Done.TrySetResult(new CommitResult(CommitOutcome.NotCommitted, HybridTimestamp.Zero, -1, null,
                "the adjudicator stopped before the commit was sent to the journals"));
        }
        gathered.Clear();
        gatheredBytes = 0;
    }

    /// <summary>What a commit adds to a batch record, roughly and from above: its keys and values, its check keys, and
    /// room for MessagePack's headers and the candidate's own fields.</summary>
    private static int EstimatedBytes(CommitRequest request)
    {
        long bytes = 64;
        foreach (var write in request.Writes)
        {
            bytes += write.Key.Length + (write.Value?.Length ?? 0) + 16;
        }
        foreach (var check in request.Checks)
        {
            bytes += check.Key.Length + 8;
        }
        return (int)Math.Min(int.MaxValue, bytes);
    }

    /// <summary>Logs the records of commits appended and the commits they carried since the last line, every
    /// <see cref="RecordsPerCommitLogInterval"/>, when any were appended.</summary>
    private void LogRecordsPerCommit()
    {
        (long Records, long Commits) now = (CommitRecordsAppended, CommitsAppended);
        lock (gate)
        {
            if (timeProvider.GetElapsedTime(recordsLoggedAt) < RecordsPerCommitLogInterval)
            {
                return;
            }
            recordsLoggedAt = timeProvider.GetTimestamp();
            var (records, commits) = (now.Records - recordsLogged.Records, now.Commits - recordsLogged.Commits);
            recordsLogged = now;
            if (records == 0)
            {
                return;
            }
            logger.LogInformation("Region {Region} records of commits: {Commits} commits in {Records} records ({PerRecord:F2} commits a record)",
                options.Region, commits, records, (double)commits / records);
        }
    }
}
