namespace Log.Adjudicator;

/// <summary>
/// Settings of an adjudicator shard in multi-region mode (README.md, "Regions"), and its limits. Every region runs the
/// same list of regions; each shard writes only its own region's topic.
/// </summary>
public sealed record RegionOptions
{
    /// <summary>This shard's region (<c>--region</c>): the topic it writes is <c>log.&lt;region&gt;.txn</c>.</summary>
    public required string Region { get; init; }

    /// <summary>Every region that writes a topic (<c>--regions</c>), this one included; the witness writes none.</summary>
    public required IReadOnlyList<string> Regions { get; init; }

    /// <summary>How far ahead of its clock the shard proposes commit timestamps and closes timestamps
    /// (<c>--region-lead-ms</c>): at least the one-way delay between regions, plus <see cref="MaxClockOffset"/>, plus
    /// <see cref="HeartbeatInterval"/>, so that every region's closed timestamp, as read in another region, is ahead of
    /// that region's clock and reads never wait.</summary>
    public TimeSpan Lead { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The largest difference between any two clocks of the cluster. A commit is acknowledged once the local
    /// clock has passed its timestamp plus this, so every clock anywhere has passed it (commit wait).</summary>
    public TimeSpan MaxClockOffset { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The shard (and partition of every region topic) this is.</summary>
    public int Shard { get; init; }

    /// <summary>The writer's epoch, above every earlier life of this region's writer and every seal of its topic.</summary>
    public long Epoch { get; init; } = 1;

    /// <summary>Heartbeats close <c>now + Lead</c> this often, whether or not anything commits. Part of what
    /// <see cref="Lead"/> must cover.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Heartbeats appended and not yet durable, at most: a heartbeat due while this many are on their way is
    /// skipped (the next one closes a later timestamp). The Kafka producer of each journal copy keeps at most five produce
    /// requests in flight (idempotence allows no more), and heartbeats every few milliseconds over a round trip between
    /// regions filled them: a commit then waited in the producer for requests to come back, and was durable in two regions
    /// about twice the round trip after its proposal (README.md, "Figures (regions)"). So heartbeats leave room for commits;
    /// a timestamp closed for a read (<see cref="RegionAdjudicatorShard.CloseTimestampAsync"/>) is appended regardless.</summary>
    public int HeartbeatsInFlightMax { get; init; } = 2;

    /// <summary>Whether heartbeats carry the topic's acknowledged durable end (<see cref="Log.Journal.Records.JournalRecord.DurableEnd"/>),
    /// and a heartbeat goes at once when a commit's acknowledgement moves it, with at most one such heartbeat in flight
    /// beside <see cref="HeartbeatsInFlightMax"/>: a replica then shows a commit once its own region's copy says it is
    /// in two regions, without waiting to read it in another region's copy (README.md, "The protocol"). Off: replicas
    /// learn it only from the other copies, as before the field existed.</summary>
    public bool PublishDurableEnd { get; init; } = true;

    /// <summary>Records of commits appended and not yet durable, at most: a commit that arrives while this many are on
    /// their way is gathered, with the others that arrive meanwhile, into the next record, appended as soon as one on its
    /// way is answered (README.md, "Commits batched into one record"). One commit with none in flight is appended at once,
    /// alone, as before.</summary>
    public int CommitRecordsInFlightMax { get; init; } = 1;

    /// <summary>The longest transaction: the conflict window of the local check and of the merge.</summary>
    public TimeSpan MaxTransactionDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Candidates proposed and not answered yet; more commits are refused as not committed (retryable), so a
    /// region that stopped heartbeating does not pile up waiting commits without bound.</summary>
    public int MaxCandidatesInFlight { get; init; } = 4096;

    /// <summary>How long another peered region's closed timestamp may stand still, once it was read moving, before this
    /// region seals that region's topic with the witness (<c>--region-failover-ms</c>; README.md, "Failover"). Zero:
    /// never.</summary>
    public TimeSpan FailoverTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Writes plus checks in one commit request; more is bad input.</summary>
    public int MaxKeysPerCommit { get; init; } = 100_000;

    /// <summary>Fails fast on settings that cannot work.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(Region) || Regions is null || !Regions.Contains(Region, StringComparer.Ordinal))
        {
            throw new ArgumentException($"The region '{Region}' must be one of the regions ({string.Join(", ", Regions ?? [])}).");
        }
        if (Lead <= TimeSpan.Zero || HeartbeatInterval <= TimeSpan.Zero || MaxClockOffset < TimeSpan.Zero || FailoverTimeout < TimeSpan.Zero)
        {
            throw new ArgumentException("The lead and the heartbeat interval must be positive, the clock offset and the failover timeout not negative.");
        }
        if (HeartbeatsInFlightMax < 1)
        {
            throw new ArgumentException("At least one heartbeat must be allowed in flight.");
        }
        if (CommitRecordsInFlightMax < 1)
        {
            throw new ArgumentException("At least one record of commits must be allowed in flight.");
        }
    }
}
