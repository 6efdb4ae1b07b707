using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Adjudicator;

/// <summary>
/// An adjudicator shard in multi-region mode (README.md, "Regions"): the only writer of its region's topic partition,
/// which proposes candidates at future commit timestamps and answers each commit only once every region's merge would
/// decide it the same way.
/// <para>
/// A commit is checked at once against what the shard knows (its own candidates, and every region's decided commits):
/// a conflict there is refused without crossing a region. Otherwise it is proposed at
/// <c>max(now + Lead, start + 1, last promise + 1)</c> and appended to the region's topic through the writer (in
/// production the quorum writer, durable once two of three regions hold it). It is answered <c>Committed</c> when the
/// append is durable, the shard's <see cref="RegionMergeFeed"/> (every region's topic, merged) decided it committed,
/// and the physical clock has passed its timestamp plus <see cref="RegionOptions.MaxClockOffset"/>; it is answered
/// <c>DataConflict</c> (or <c>TooOld</c>) when the merge refused it.
/// </para>
/// <para>
/// Threading: proposals, heartbeats and the window share one lock, and appends are issued under it, so the topic's
/// offset order is its commit-timestamp order and a heartbeat never closes below a proposal. Decisions arrive on the
/// feed's thread. Lifetime: construct, <see cref="StartAsync"/> once, serve, <see cref="DisposeAsync"/>. The shard does
/// not own the writer or the readers. Cross-shard transactions are not part of multi-region mode yet: the query node
/// refuses them (0A000) before they reach a shard.
/// </para>
/// </summary>
public sealed partial class RegionAdjudicatorShard : IAdjudicator, IAsyncDisposable
{
    private readonly RegionOptions options;
    private readonly IJournalWriter writer;
    private readonly HybridClock clock;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly RegionMergeFeed feed;
    private readonly object gate = new();
    private readonly ConflictWindow window = new();
    private readonly Dictionary<Guid, Candidate> pending = [];
    private readonly CancellationTokenSource stopping = new();
    private HybridTimestamp promised = HybridTimestamp.Zero;
    private readonly Func<string, long, CancellationToken, Task>? sealRegion;
    private readonly Dictionary<string, long> lastSealAttempt = new(StringComparer.Ordinal);
    // Regions this shard appended a rejoin for, until its merge took it in (under the gate).
    private readonly HashSet<string> rejoinsInFlight = new(StringComparer.Ordinal);
    private Task heartbeats = Task.CompletedTask;
    private Task watching = Task.CompletedTask;
    private int sealsDone;
    private int sealAttempts;
    // 1 while heartbeats fail (a lost journal quorum fails every one, every heartbeat interval): only the first is logged.
    private int heartbeatsFailing;
    // Heartbeats appended and not answered yet (RegionOptions.HeartbeatsInFlightMax).
    private int heartbeatsInFlight;
    // A heartbeat fell due while the most allowed were in flight (under the gate; read without it as a hint).
    private bool heartbeatOwed;
    // The offset after the last record of this life the writer acknowledged as held by two regions' journals: every
    // record below it is (the quorum writer acknowledges a prefix). Raised without the gate (Interlocked).
    private long acknowledgedEnd;
    // Under the gate: a heartbeat sent because a commit's acknowledgement moved the durable end is on its way, and
    // another acknowledgement came meanwhile (RegionOptions.PublishDurableEnd).
    private bool durableNoticeInFlight;
    private bool durableNoticeOwed;
    private bool serving;
    private bool stopped;
    // Under the gate: the hops of the commits answered since the last log line.
    private readonly RegionCommitHops hops = new();
    private long hopsLoggedAt;

    /// <summary>How often the shard logs where its commits' time went (<see cref="RegionCommitHops"/>), when any were
    /// answered.</summary>
    public static readonly TimeSpan HopsLogInterval = TimeSpan.FromSeconds(10);

    private sealed class Candidate(HybridTimestamp commit, long proposedAt)
    {
        /// <summary>Its commit timestamp; zero while it is gathered for the next record (assigned when that is appended).</summary>
        public HybridTimestamp Commit { get; set; } = commit;

        /// <summary>When it was handed to the writer (<see cref="TimeProvider.GetTimestamp"/>), and when it became
        /// durable and decided: the hops of <see cref="RegionCommitHops"/>.</summary>
        public long ProposedAt { get; } = proposedAt;

        public long DurableAt { get; set; }

        public long DecidedAt { get; set; }

        public TaskCompletionSource<CommitResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Offset { get; set; } = -1;

        public RegionDecision? Decision { get; set; }

        /// <summary>Why its append failed after it may have reached the journal; null while it has not.</summary>
        public string? AppendFailure { get; set; }
    }

    /// <param name="regionReaders">A reader of every region's topic (this region's included), by region name, each
    /// reading this region's copy; the partition read is <see cref="RegionOptions.Shard"/>.</param>
    /// <param name="sealRegion">Seals a lost region's topic on the two surviving copies (this region's and the
    /// witness's; <see cref="RegionSealer"/>) with the given epoch, or throws; null: this shard never fails over.</param>
    public RegionAdjudicatorShard(RegionOptions options, IJournalWriter writer, IReadOnlyDictionary<string, IJournalReader> regionReaders,
        HybridClock clock, TimeProvider? timeProvider = null, ILogger? logger = null, Func<string, long, CancellationToken, Task>? sealRegion = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(regionReaders);
        ArgumentNullException.ThrowIfNull(clock);
        options.Validate();
        if (!regionReaders.Keys.Order(StringComparer.Ordinal).SequenceEqual(options.Regions.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            throw new ArgumentException("There must be one reader for each region's topic.", nameof(regionReaders));
        }
        this.options = options;
        this.writer = writer;
        this.clock = clock;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.logger = logger ?? NullLogger.Instance;
        this.sealRegion = options.FailoverTimeout > TimeSpan.Zero ? sealRegion : null;
        feed = new RegionMergeFeed(regionReaders, options.Shard, options.MaxTransactionDuration, OnDecided, this.timeProvider, this.logger);
    }

    /// <summary>Every region's candidates at or below it are decided here.</summary>
    public HybridTimestamp Released => feed.Released;

    /// <summary>Completes when the merge stopped for good (a corrupt region topic): the shard can decide nothing more.</summary>
    public Task Failure => feed.Failure;

    /// <summary>Seals this shard began (a lost region seen), whether or not they completed.</summary>
    public int SealAttempts => Volatile.Read(ref sealAttempts);

    /// <summary>Seals this shard completed (each a lost region's topic sealed on both surviving copies).</summary>
    public int SealsDone => Volatile.Read(ref sealsDone);

    /// <summary>Candidates proposed and not answered yet.</summary>
    public int InFlightCount
    {
        get
        {
            lock (gate)
            {
                return pending.Count;
            }
        }
    }

    /// <summary>
    /// Brings the copies of this region's topic into agreement (a quorum writer whose copies it can read and fill: an
    /// earlier life that crashed may have left a record on one copy only; README.md, "Restart"), appends this life's
    /// EpochStart, waits out the lead and the clock offset (so that its first promise is above any an earlier life made:
    /// those were at most an earlier clock plus the lead), then reads every region's topic and serves.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (writer is QuorumJournalWriter { CanAgree: true } quorum)
        {
            var agreement = await quorum.AgreeAsync(options.Shard, cancellationToken).ConfigureAwait(false);
            if (agreement.Filled.Count > 0 || agreement.Faulted.Count > 0)
            {
                logger.LogWarning("Region {Region}'s topic copies were brought into agreement before this life's first record: {End} records, " +
                    "those of {Source} (filled: {Filled}; left out: {Faulted})", options.Region, agreement.End, agreement.Source,
                    string.Join(", ", agreement.Filled), string.Join(", ", agreement.Faulted));
            }
        }
        var epochStartOffset = await writer.AppendAsync(options.Shard, new JournalRecord
        {
            Kind = JournalRecordKind.EpochStart,
            Shard = options.Shard,
            Epoch = options.Epoch,
        }, cancellationToken).ConfigureAwait(false);
        Acknowledged(epochStartOffset);
        await Task.Delay(options.Lead + options.MaxClockOffset, timeProvider, cancellationToken).ConfigureAwait(false);
        feed.Start();
        // Heartbeats at once: a survivor that lets this region rejoin then reads them soon after its rejoin (those read
        // before it are only kept; a closed promise below the rejoin's timestamp changes nothing).
        heartbeats = Task.Run(() => HeartbeatAsync(stopping.Token), CancellationToken.None);
        watching = Task.Run(() => WatchRegionsAsync(stopping.Token), CancellationToken.None);
        await WaitForRejoinAsync(cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            serving = true;
        }
    }

    /// <summary>How often the start looks whether this region's own stream was read up to this life's EpochStart.</summary>
    private static readonly TimeSpan StartPoll = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Reads this region's own stream up to this life's EpochStart. When it holds seals (the region was lost and sealed
    /// by a survivor), waits until a rejoin naming this region was read for each (a survivor appends one once it reads
    /// this life's first records after the seal), and then proposes only above the last rejoin's timestamp: every
    /// merge counts this region again from there on (README.md, "A region's return").
    /// </summary>
    private async Task WaitForRejoinAsync(CancellationToken cancellationToken)
    {
        var logged = false;
        while (true)
        {
            var progress = feed.ProgressOf(options.Region);
            if (progress.HighestEpoch >= options.Epoch && progress.Rejoins >= progress.Seals)
            {
                if (progress.Seals > 0)
                {
                    lock (gate)
                    {
                        promised = HybridTimestamp.Max(promised, progress.RejoinedAt);
                    }
                    logger.LogWarning("Region {Region} rejoined at {Timestamp} after {Seals} seal(s) of its topic; serving", options.Region,
                        progress.RejoinedAt, progress.Seals);
                }
                return;
            }
            if (!logged && progress.HighestEpoch >= options.Epoch)
            {
                logger.LogWarning("Region {Region}'s topic is sealed: waiting for a survivor to let it rejoin", options.Region);
                logged = true;
            }
            if (feed.Failure.IsCompleted)
            {
                await feed.Failure.ConfigureAwait(false);
            }
            await Task.Delay(StartPoll, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<CommitResult> CommitAsync(CommitRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Writes is null || request.Checks is null)
        {
            throw new ArgumentException("A commit request needs its writes and checks.", nameof(request));
        }
        if (request.Writes.Count + request.Checks.Count > options.MaxKeysPerCommit)
        {
            throw new ArgumentException($"A commit may write and check at most {options.MaxKeysPerCommit} keys.", nameof(request));
        }
        if (request.Writes.Any(write => write?.Key is not { Length: > 0 }) || request.Checks.Any(check => check?.Key is not { Length: > 0 }))
        {
            throw new ArgumentException("A commit request has an empty key.", nameof(request));
        }
        Candidate candidate;
        lock (gate)
        {
            if (!serving || stopped)
            {
                return Task.FromResult(new CommitResult(CommitOutcome.Unavailable, HybridTimestamp.Zero, -1, null, "the adjudicator is not serving"));
            }
            if (pending.Count >= options.MaxCandidatesInFlight)
            {
                return Task.FromResult(new CommitResult(CommitOutcome.NotCommitted, HybridTimestamp.Zero, -1, null,
                    $"{pending.Count} commits are waiting for the other regions"));
            }
            var now = clock.Now();
            var check = window.Check(request.StartTimestamp, request.Writes, request.Checks);
            if (request.StartTimestamp.PhysicalMilliseconds < now.PhysicalMilliseconds - (long)options.MaxTransactionDuration.TotalMilliseconds)
            {
                return Task.FromResult(new CommitResult(CommitOutcome.TooOld, HybridTimestamp.Zero, -1, null));
            }
            if (check.IsConflict)
            {
                var outcome = check.Kind switch
                {
                    ConflictKind.Schema => CommitOutcome.SchemaConflict,
                    ConflictKind.TooOld => CommitOutcome.TooOld,
                    _ => CommitOutcome.DataConflict,
                };
                return Task.FromResult(new CommitResult(outcome, HybridTimestamp.Zero, -1, check.ConflictingKey));
            }
            // Proposed at once, or gathered into the next record while one is in flight (RegionAdjudicatorShard.Batching.cs).
            candidate = Propose(request, now);
        }
        return candidate.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Promises nothing more at or below <paramref name="timestamp"/> from this region, and returns once every
    /// region's candidates at or below it are decided. The fence's offset is 0: in multi-region mode readers wait on the
    /// released timestamp, not on offsets of one topic.</summary>
    public async Task<ReadFence> CloseTimestampAsync(HybridTimestamp timestamp, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (timestamp > promised)
            {
                promised = timestamp;
                AppendHeartbeat(timestamp);
            }
        }
        await feed.WaitForReleasedAsync(timestamp, cancellationToken).ConfigureAwait(false);
        return new ReadFence(timestamp, options.Shard, 0);
    }

    private HybridTimestamp Ahead(HybridTimestamp now) =>
        HybridTimestamp.From(now.PhysicalMilliseconds + (long)options.Lead.TotalMilliseconds, 0);

    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.HeartbeatInterval, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            lock (gate)
            {
                var now = clock.Now();
                window.Trim(HybridTimestamp.From(Math.Max(0, now.PhysicalMilliseconds - (long)options.MaxTransactionDuration.TotalMilliseconds), 0));
                HeartbeatIfDue(now);
            }
            LogHops();
            LogRecordsPerCommit();
        }
    }

    /// <summary>
    /// The failover (README.md, "Failover"): a peered region whose closed timestamp was read moving and then stood still
    /// for <see cref="RegionOptions.FailoverTimeout"/> is sealed, with an epoch above every one read in its topic and
    /// above this clock's milliseconds. The seal needs the witness's journal as well as this region's: when either
    /// refuses or cannot be reached nothing is sealed and it is tried again a timeout later. Once the seal is in this
    /// region's copy the merge decides without that region, and the commits waiting for it are answered.
    /// </summary>
    private async Task WatchRegionsAsync(CancellationToken cancellationToken)
    {
        var period = options.FailoverTimeout > TimeSpan.Zero
            ? TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, Math.Min(options.FailoverTimeout.Ticks / 4, TimeSpan.TicksPerSecond / 4)))
            : TimeSpan.FromSeconds(0.25);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, timeProvider, cancellationToken).ConfigureAwait(false);
                foreach (var region in options.Regions)
                {
                    if (region == options.Region)
                    {
                        continue;
                    }
                    if (sealRegion is not null && IsLost(region))
                    {
                        await SealAsync(region, cancellationToken).ConfigureAwait(false);
                    }
                    LetRejoinWhenBack(region);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// A sealed region whose next life's records are read after its seal came back: appends
    /// <c>RegionRejoin(region, t)</c> to this region's topic, with <c>t</c> above every promise this region made (so it
    /// is this region's promise too), once per seal: a second rejoin would let the region's next seal pass. Nothing
    /// more is appended for it until the merge took the rejoin in, or the append was certainly not written.
    /// </summary>
    private void LetRejoinWhenBack(string region)
    {
        var progress = feed.ProgressOf(region);
        lock (gate)
        {
            if (!progress.Sealed)
            {
                rejoinsInFlight.Remove(region);
                return;
            }
            if (!progress.Returning || !serving || stopped || !rejoinsInFlight.Add(region))
            {
                return;
            }
            var at = HybridTimestamp.Max(Ahead(clock.Now()), promised.Next());
            promised = at;
            logger.LogWarning("Region {Region} is back after its seal: letting it rejoin at {Timestamp}", region, at);
            writer.Append(options.Shard, JournalRecord.ForRegionRejoin(region, at, options.Shard, options.Epoch), (offset, error) =>
            {
                if (error is null)
                {
                    Acknowledged(offset);
                    logger.LogWarning("Region {Region}'s rejoin at {Timestamp} is appended", region, at);
                    return;
                }
                logger.LogError(error, "Region {Region}'s rejoin at {Timestamp} was not appended", region, at);
                if (error is JournalAppendException { MayHaveBeenWritten: false })
                {
                    lock (gate)
                    {
                        rejoinsInFlight.Remove(region);
                    }
                }
            });
        }
    }

    /// <summary>The longest one attempt to seal may take; it is tried again a failover timeout later.</summary>
    public static readonly TimeSpan SealTimeout = TimeSpan.FromSeconds(30);

    private bool IsLost(string region)
    {
        var progress = feed.ProgressOf(region);
        return progress.Seen && !progress.Sealed
            && timeProvider.GetElapsedTime(progress.LastAdvance) >= options.FailoverTimeout
            && (!lastSealAttempt.TryGetValue(region, out var attempt) || timeProvider.GetElapsedTime(attempt) >= options.FailoverTimeout);
    }

    private async Task SealAsync(string region, CancellationToken cancellationToken)
    {
        lastSealAttempt[region] = timeProvider.GetTimestamp();
        Interlocked.Increment(ref sealAttempts);
        var progress = feed.ProgressOf(region);
        var epoch = Math.Max(clock.Now().PhysicalMilliseconds, progress.HighestEpoch + 1);
        logger.LogWarning("Region {Region} closed nothing for {Timeout}: sealing its topic with the witness (epoch {Epoch})",
            region, options.FailoverTimeout, epoch);
        // A journal that neither answers nor refuses (a network that drops packets) must not hold the failover for ever.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(SealTimeout);
        try
        {
            await sealRegion!(region, epoch, bounded.Token).ConfigureAwait(false);
            Interlocked.Increment(ref sealsDone);
            logger.LogWarning("Region {Region}'s topic is sealed; deciding without it", region);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(exception, "Region {Region}'s topic could not be sealed; trying again in {Timeout}", region, options.FailoverTimeout);
        }
    }

    /// <summary>Closes <c>now + Lead</c> with a heartbeat (the caller holds the gate), unless that closes nothing new or
    /// <see cref="RegionOptions.HeartbeatsInFlightMax"/> heartbeats are on their way: commits keep room in the producers'
    /// requests in flight. A heartbeat skipped so is owed, and sent as soon as one on its way is answered rather than at
    /// the next tick, so that the other regions' view of this region's promise ages as little as the limit allows.</summary>
    private void HeartbeatIfDue(HybridTimestamp now)
    {
        var closed = Ahead(now);
        if (closed <= promised)
        {
            return;
        }
        if (Volatile.Read(ref heartbeatsInFlight) >= options.HeartbeatsInFlightMax)
        {
            heartbeatOwed = true;
            return;
        }
        heartbeatOwed = false;
        promised = closed;
        AppendHeartbeat(closed);
    }

    /// <summary>Appends a heartbeat closing <paramref name="closed"/> (the caller holds the gate and has raised the
    /// promise), counted in flight until the writer answers it.</summary>
    private void AppendHeartbeat(HybridTimestamp closed)
    {
        Interlocked.Increment(ref heartbeatsInFlight);
        writer.Append(options.Shard, Heartbeat(closed), OnHeartbeatAppended);
    }

    /// <summary>A heartbeat closing <paramref name="closed"/>, with the durable end acknowledged so far when the shard
    /// publishes it.</summary>
    private JournalRecord Heartbeat(HybridTimestamp closed) =>
        JournalRecord.ForHeartbeat(closed, options.Shard, options.Epoch, options.PublishDurableEnd ? DurableEnd : 0);

    /// <summary>Heartbeats appended and not answered yet.</summary>
    public int HeartbeatsInFlight => Volatile.Read(ref heartbeatsInFlight);

    /// <summary>The offset of this region's topic below which every record was acknowledged to this life's writer as
    /// held by two regions' journals; what its heartbeats say (README.md, "The protocol"). 0 before the EpochStart is.</summary>
    public long DurableEnd => Volatile.Read(ref acknowledgedEnd);

    /// <summary>Raises the durable end past <paramref name="offset"/>, a record the writer acknowledged; true when it
    /// moved. The quorum writer acknowledges only a record that two copies hold with every record before it, in append
    /// order, so one acknowledged offset speaks for all below it.</summary>
    private bool Acknowledged(long offset)
    {
        var end = offset + 1;
        var seen = Volatile.Read(ref acknowledgedEnd);
        while (end > seen)
        {
            var previous = Interlocked.CompareExchange(ref acknowledgedEnd, end, seen);
            if (previous == seen)
            {
                return true;
            }
            seen = previous;
        }
        return false;
    }

    /// <summary>A commit's acknowledgement moved the durable end (the caller holds the gate): a heartbeat says so now
    /// rather than at the next tick, so this region's replicas can show the commit as soon as their own copy holds the
    /// heartbeat. At most one such heartbeat is in flight, beside the regular ones
    /// (<see cref="RegionOptions.HeartbeatsInFlightMax"/>); an acknowledgement meanwhile sends one more once it is
    /// answered, which then carries every acknowledgement up to then. Its closed timestamp is above every earlier
    /// promise (strictly: no two records of one life are alike, <c>RegionCopyWatch.RecordIdentity</c>).</summary>
    private void SayDurableEnd()
    {
        if (!options.PublishDurableEnd || stopped)
        {
            return;
        }
        if (durableNoticeInFlight)
        {
            durableNoticeOwed = true;
            return;
        }
        durableNoticeInFlight = true;
        durableNoticeOwed = false;
        var closed = HybridTimestamp.Max(Ahead(clock.Now()), promised.Next());
        promised = closed;
        writer.Append(options.Shard, Heartbeat(closed), OnDurableNoticeAppended);
    }

    private void OnDurableNoticeAppended(long offset, Exception? error)
    {
        // On the writer's delivery thread, outside its locks, as the other heartbeats' answers are.
        if (error is null)
        {
            Acknowledged(offset);
        }
        lock (gate)
        {
            durableNoticeInFlight = false;
            // A failed one is not sent again at once: the regular heartbeats carry the durable end too.
            if (error is null && durableNoticeOwed)
            {
                SayDurableEnd();
            }
        }
    }

    private void OnHeartbeatAppended(long offset, Exception? error)
    {
        Interlocked.Decrement(ref heartbeatsInFlight);
        if (error is null)
        {
            Acknowledged(offset);
        }
        if (error is null && Volatile.Read(ref heartbeatOwed))
        {
            // On the writer's delivery thread, outside its locks (IJournalWriter.Append), as commits' answers are.
            lock (gate)
            {
                if (heartbeatOwed && !stopped)
                {
                    HeartbeatIfDue(clock.Now());
                }
            }
        }
        if (error is not null)
        {
            // A lost heartbeat only delays decisions until the next one.
            if (Interlocked.Exchange(ref heartbeatsFailing, 1) == 0)
            {
                logger.LogWarning(error, "A heartbeat of region {Region} was not appended; later failures are not logged until one is", options.Region);
            }
        }
        else if (Interlocked.Exchange(ref heartbeatsFailing, 0) == 1)
        {
            logger.LogInformation("Heartbeats of region {Region} are appended again", options.Region);
        }
    }

    private void OnAppended(Guid transactionId, Candidate candidate, long offset, Exception? error)
    {
        lock (gate)
        {
            if (error is not null)
            {
                // Certainly not in the topic: no region will ever see it.
                if (error is JournalAppendException { MayHaveBeenWritten: false })
                {
                    pending.Remove(transactionId);
                    candidate.Done.TrySetResult(new CommitResult(CommitOutcome.NotCommitted, HybridTimestamp.Zero, -1, null, error.Message));
                    return;
                }
                // Maybe there: every merge that reads it decides it alike, so a refusal by this region's merge is final
                // and is answered as one (README.md, "Restart after a crash"); a commit is not, as this shard cannot
                // promise that the record reached two regions. Waits a while for the decision, then answers unknown.
                candidate.AppendFailure = error.Message;
                if (candidate.Decision is null)
                {
                    _ = AnswerUnknownUndecidedAsync(transactionId, candidate);
                }
                TryAnswer(transactionId, candidate);
                return;
            }
            candidate.Offset = offset;
            candidate.DurableAt = timeProvider.GetTimestamp();
            if (Acknowledged(offset))
            {
                SayDurableEnd();
            }
            TryAnswer(transactionId, candidate);
        }
    }

    private void OnDecided(IReadOnlyList<RegionDecision> decisions, HybridTimestamp released)
    {
        lock (gate)
        {
            foreach (var decision in decisions)
            {
                var record = decision.Record;
                if (decision.Region == options.Region && pending.TryGetValue(record.TransactionId, out var candidate))
                {
                    candidate.Decision = decision;
                    candidate.DecidedAt = timeProvider.GetTimestamp();
                    TryAnswer(record.TransactionId, candidate);
                }
                else if (decision.IsCommitted && decision.Region != options.Region && record.Commit > window.Horizon)
                {
                    window.Record(record.Writes, record.Commit);
                }
            }
        }
    }

    /// <summary>Answers a candidate once the merge decided it and, for a commit, once its append is durable.</summary>
    private void TryAnswer(Guid transactionId, Candidate candidate)
    {
        if (candidate.Decision is not { } decision)
        {
            return;
        }
        if (!decision.IsCommitted)
        {
            pending.Remove(transactionId);
            var outcome = decision.Outcome == RegionOutcome.TooOld ? CommitOutcome.TooOld : CommitOutcome.DataConflict;
            candidate.Done.TrySetResult(new CommitResult(outcome, HybridTimestamp.Zero, -1, decision.ConflictingKey));
            return;
        }
        if (candidate.Offset < 0)
        {
            if (candidate.AppendFailure is { } failure)
            {
                pending.Remove(transactionId);
                candidate.Done.TrySetResult(new CommitResult(CommitOutcome.OutcomeUnknown, HybridTimestamp.Zero, -1, null, failure));
            }
            return;
        }
        pending.Remove(transactionId);
        _ = AnswerAfterCommitWaitAsync(candidate);
    }

    /// <summary>How long a commit whose append failed after it may have reached the journal waits for this region's
    /// merge to refuse it (a final answer) before it is answered outcome unknown. The merge decides it within about
    /// a lead when the record reached this region's copy and the other regions close timestamps; otherwise nothing comes.</summary>
    public static readonly TimeSpan DecisionWaitAfterFailedAppend = TimeSpan.FromSeconds(2);

    /// <summary>Answers outcome unknown, after <see cref="DecisionWaitAfterFailedAppend"/>, a candidate whose append
    /// failed and that this region's merge has not decided by then.</summary>
    private async Task AnswerUnknownUndecidedAsync(Guid transactionId, Candidate candidate)
    {
        try
        {
            await Task.Delay(DecisionWaitAfterFailedAppend, timeProvider, stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the disposal answers what is still pending.
            return;
        }
        lock (gate)
        {
            if (pending.Remove(transactionId))
            {
                candidate.Done.TrySetResult(new CommitResult(CommitOutcome.OutcomeUnknown, HybridTimestamp.Zero, -1, null,
                    $"{candidate.AppendFailure}; this region's merge had not decided it {DecisionWaitAfterFailedAppend.TotalSeconds:0.#} s later"));
            }
        }
    }

    /// <summary>Commit wait: the physical clock passes the commit timestamp plus the maximum clock offset, so every
    /// clock in every region has passed it before the client hears of the commit.</summary>
    private async Task AnswerAfterCommitWaitAsync(Candidate candidate)
    {
        var waitUntil = candidate.Commit.PhysicalMilliseconds + (long)options.MaxClockOffset.TotalMilliseconds + 1;
        // Timers run on another clock than the wall clock the timestamps come from, and may fire a little early:
        // wait again until the wall clock itself has passed.
        for (var remaining = waitUntil - timeProvider.GetUtcNow().ToUnixTimeMilliseconds(); remaining > 0;
             remaining = waitUntil - timeProvider.GetUtcNow().ToUnixTimeMilliseconds())
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(remaining), timeProvider, stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                candidate.Done.TrySetResult(new CommitResult(CommitOutcome.OutcomeUnknown, HybridTimestamp.Zero, -1, null, "the adjudicator stopped"));
                return;
            }
        }
        clock.Observe(candidate.Commit);
        var answeredAt = timeProvider.GetTimestamp();
        candidate.Done.TrySetResult(new CommitResult(CommitOutcome.Committed, candidate.Commit, candidate.Offset, null));
        lock (gate)
        {
            hops.Record(Milliseconds(candidate.ProposedAt, candidate.DurableAt), Milliseconds(candidate.ProposedAt, candidate.DecidedAt),
                Milliseconds(candidate.ProposedAt, answeredAt));
        }
    }

    private double Milliseconds(long from, long to) => timeProvider.GetElapsedTime(from, to).TotalMilliseconds;

    /// <summary>Logs the hops of the commits answered since the last line, every <see cref="HopsLogInterval"/>.</summary>
    private void LogHops()
    {
        RegionCommitHops.Summary? summary;
        lock (gate)
        {
            if (timeProvider.GetElapsedTime(hopsLoggedAt) < HopsLogInterval)
            {
                return;
            }
            hopsLoggedAt = timeProvider.GetTimestamp();
            summary = hops.TakeSummary();
        }
        if (summary is not null)
        {
            logger.LogInformation(
                "Region {Region} commit hops over {Commits} commits, ms after the proposal (mean/max): durable in two regions {DurableMean:F1}/{DurableMax:F1}, " +
                "decided {DecidedMean:F1}/{DecidedMax:F1}, answered {AnsweredMean:F1}/{AnsweredMax:F1} (commit wait after both {CommitWaitMean:F1}); " +
                "lead {LeadMs} ms, clock offset {OffsetMs} ms, heartbeat {HeartbeatMs} ms",
                options.Region, summary.Commits, summary.DurableMean, summary.DurableMax, summary.DecidedMean, summary.DecidedMax,
                summary.AnsweredMean, summary.AnsweredMax, summary.CommitWaitMean, options.Lead.TotalMilliseconds,
                options.MaxClockOffset.TotalMilliseconds, options.HeartbeatInterval.TotalMilliseconds);
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (gate)
        {
            if (stopped)
            {
                return;
            }
            stopped = true;
        }
        await stopping.CancelAsync().ConfigureAwait(false);
        await heartbeats.ConfigureAwait(false);
        await watching.ConfigureAwait(false);
        await feed.DisposeAsync().ConfigureAwait(false);
        lock (gate)
        {
            AbandonGathered();
            foreach (var candidate in pending.Values)
            {
                candidate.Done.TrySetResult(new CommitResult(CommitOutcome.OutcomeUnknown, HybridTimestamp.Zero, -1, null, "the adjudicator stopped before the regions decided"));
            }
            pending.Clear();
        }
        // The stopping source is not disposed: a commit wait still running reads its token.
    }
}
