using System.Runtime.CompilerServices;
using Log.Journal.Client;
using Log.Journal.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.StorageNode;

/// <summary>
/// Which records of one region's topic a replica in multi-region mode knows to be held by two regions' journals
/// (storage-node/README.md, "Multi-region mode"). The replica reads the topic from this region's copy (the
/// <em>primary</em>, which the merge consumes through <see cref="Primary"/>) and also reads the other regions' copies of
/// it; a record is durable in two regions once one other copy holds a record identical to it at the same offset. A
/// copy is written by one writer that hands every copy the same records in one order, so copies agree offset for
/// offset; a copy that does not (a hole behind a failed append, a copy written by another life of the writer) only
/// confirms nothing at the offsets where it differs. <see cref="DurableEnd"/> is the offset before which every record
/// of the primary copy is so confirmed.
/// <para>
/// The writer also says it in its own topic: a heartbeat's <see cref="JournalRecord.DurableEnd"/> is the offset below
/// which the writer was told two copies hold every record. A claim read in the primary is believed up to the
/// heartbeat's own offset (the records before it in the primary are the ones the writer numbered there) when the
/// heartbeat's writer is not fenced (its epoch is at or above the highest EpochStart or RegionSeal read so far, as the
/// merge's <see cref="WriterEpochFilter"/> admits it); so the primary alone, read in this region, confirms what the
/// writer acknowledged, and the other copies are the fallback for what no claim covers (a writer that stopped before
/// saying it, records of a writer that says nothing).
/// </para>
/// <para>
/// Threading: the primary's entries are observed on the merge's reading loop (before the merge takes them), each other
/// copy is read by a loop of its own; state is under one lock, and <c>onDurable</c> is called outside it whenever
/// <see cref="DurableEnd"/> moved. A copy that reads further than <see cref="MaxRecordsAhead"/> beyond the primary
/// waits for it. Read errors retry after <see cref="RegionMergeFeed.RetryDelay"/>. Dispose stops the loops.
/// </para>
/// </summary>
internal sealed class RegionCopyWatch : IAsyncDisposable
{
    /// <summary>Records a copy may have read beyond the primary before its loop waits for the primary.</summary>
    public const int MaxRecordsAhead = 4096;

    private readonly string region;
    private readonly int partition;
    private readonly IReadOnlyList<IJournalReader> copies;
    private readonly Action onDurable;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly object gate = new();
    // The primary's records from DurableEnd on, by offset, and which of them another copy holds alike.
    private readonly Dictionary<long, RecordIdentity> primary = [];
    private readonly HashSet<long> confirmed = [];
    // The primary's records from DurableEnd on: when this replica read them (TimeProvider timestamps), for the waits.
    private readonly Dictionary<long, long> observedAt = [];
    private readonly RegionMergeWaits? waits;
    private readonly string heldLabel;
    private readonly string claimedLabel;
    private readonly string heartbeatLabel;
    private readonly string candidateLabel;
    // Per copy: what it read at offsets the primary has not reached yet.
    private readonly Dictionary<long, RecordIdentity>[] ahead;
    // The primary's commit records (and fragments) in offset order: commit timestamp and the offset of the last record
    // with it, until the merge decides it. Each candidate of a commit batch is one entry at the batch's offset.
    private readonly LinkedList<(ulong Commit, long Offset)> candidates = new();
    private readonly CancellationTokenSource stopping = new();
    private TaskCompletionSource primaryMoved = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Where the other copies are read from: the durable end at the start.
    private readonly long copiesFrom;
    private long primaryEnd;
    private long durableEnd;
    // The highest writer epoch of an EpochStart or RegionSeal read in the primary: a claim of a lower epoch is a fenced
    // writer's, not believed.
    private long writerEpoch;
    private Task[] loops = [];
    private int disposed;

    /// <param name="copies">Readers of the region's topic at other regions' journals (not this region's copy).</param>
    /// <param name="startOffset">The offset from which the primary is read (the merge's resume point for the region), and
    /// every copy too unless <paramref name="from"/> says where the durable end stood.</param>
    /// <param name="from">What an earlier watch knew of the records below <paramref name="startOffset"/>
    /// (<see cref="Capture"/> at that offset): the copies are read from its durable end, and the primary's records
    /// between it and <paramref name="startOffset"/> are known by their identities, so the commits held at a checkpoint
    /// are confirmed after the resume as they would have been.</param>
    /// <param name="writerEpoch">The topic's writer epoch at <paramref name="startOffset"/> (the merge's, from its
    /// position; 0 from the start): claims of lower epochs read after it are not believed.</param>
    public RegionCopyWatch(string region, IJournalReader primaryReader, IReadOnlyList<IJournalReader> copies, int partition, long startOffset,
        Action onDurable, TimeProvider? timeProvider = null, ILogger? logger = null, WatchState? from = null, RegionMergeWaits? waits = null,
        long writerEpoch = 0)
    {
        this.waits = waits;
        ArgumentOutOfRangeException.ThrowIfNegative(writerEpoch);
        this.writerEpoch = writerEpoch;
        heldLabel = $"{region} held by a second copy after this region's";
        claimedLabel = $"{region} said durable in this region's copy after this region's";
        heartbeatLabel = $"{region} heartbeat ahead of the clock when read";
        candidateLabel = $"{region} candidate ahead of the clock when read";
        ArgumentNullException.ThrowIfNull(primaryReader);
        ArgumentNullException.ThrowIfNull(copies);
        ArgumentNullException.ThrowIfNull(onDurable);
        ArgumentOutOfRangeException.ThrowIfNegative(startOffset);
        this.region = region;
        this.partition = partition;
        this.copies = copies;
        this.onDurable = onDurable;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.logger = logger ?? NullLogger.Instance;
        ahead = [.. copies.Select(_ => new Dictionary<long, RecordIdentity>())];
        primaryEnd = durableEnd = startOffset;
        if (from is not null)
        {
            if (from.DurableEnd > startOffset || from.DurableEnd + from.Identities.Count != startOffset
                || from.Candidates.Any(candidate => candidate.Offset >= startOffset))
            {
                throw new InvalidDataException($"A copy watch's state from {from.DurableEnd} does not end at the resume offset {startOffset}.");
            }
            durableEnd = from.DurableEnd;
            for (var index = 0; index < from.Identities.Count; index++)
            {
                primary[from.DurableEnd + index] = from.Identities[index];
            }
            foreach (var candidate in from.Candidates)
            {
                candidates.AddLast(candidate);
            }
        }
        copiesFrom = durableEnd;
        Primary = new ObservedReader(this, primaryReader);
    }

    /// <summary>What the watch knows of the primary's records below <paramref name="nextOffset"/> (the offset after the
    /// last record the merge took, at most the primary's end): the durable end, the identity of every record from there
    /// to <paramref name="nextOffset"/>, and the candidates among them the merge has not decided yet. A watch built from
    /// it at <paramref name="nextOffset"/> goes on as this one would.</summary>
    public WatchState Capture(long nextOffset)
    {
        lock (gate)
        {
            if (nextOffset > primaryEnd)
            {
                throw new ArgumentOutOfRangeException(nameof(nextOffset), $"The watch observed the primary up to {primaryEnd}, not {nextOffset}.");
            }
            var durable = Math.Min(durableEnd, nextOffset);
            var identities = new List<RecordIdentity>((int)(nextOffset - durable));
            for (var offset = durable; offset < nextOffset; offset++)
            {
                identities.Add(primary[offset]);
            }
            return new WatchState(durable, identities, [.. candidates.Where(candidate => candidate.Offset < nextOffset)]);
        }
    }

    /// <summary>The region whose topic's copies are watched.</summary>
    public string Region => region;

    /// <summary>The primary copy's reader, for the merge: every entry it yields is observed here first.</summary>
    public IJournalReader Primary { get; }

    /// <summary>Every record of the primary copy below this offset is held by a second region's journal too.</summary>
    public long DurableEnd
    {
        get
        {
            lock (gate)
            {
                return durableEnd;
            }
        }
    }

    /// <summary>The offset after the last primary record the merge was given.</summary>
    public long PrimaryEnd
    {
        get
        {
            lock (gate)
            {
                return primaryEnd;
            }
        }
    }

    /// <summary>Starts one reading loop per other copy.</summary>
    public void Start()
    {
        if (loops.Length != 0)
        {
            throw new InvalidOperationException("The copies are watched already.");
        }
        loops = [.. copies.Select((copy, index) => Task.Run(() => WatchCopyAsync(index, copy, copiesFrom, stopping.Token)))];
    }

    /// <summary>
    /// The offset of the primary's last record of the candidate committed at <paramref name="commit"/> (a fragmented
    /// commit ends there): once <see cref="DurableEnd"/> is above it, the whole candidate is in two regions. Called as
    /// the merge decides the region's candidates, which it does in their order in the topic; a record the merge never
    /// decided (a fenced writer's) is passed over. Unknown (never observed): the primary's last record read, which is at
    /// or after the candidate's.
    /// </summary>
    public long EndOfCandidate(ulong commit)
    {
        lock (gate)
        {
            while (candidates.First is { } first)
            {
                var candidate = first.Value;
                candidates.RemoveFirst();
                if (candidate.Commit == commit)
                {
                    return candidate.Offset;
                }
            }
            return primaryEnd - 1;
        }
    }

    private void ObservePrimary(JournalEntry entry)
    {
        bool moved;
        TaskCompletionSource wake;
        lock (gate)
        {
            if (entry.Offset != primaryEnd)
            {
                // A record read again after a retry (the merge skips it too), or a gap, which the merge reports.
                return;
            }
            var identity = RecordIdentity.Of(entry.Record);
            var record = entry.Record;
            if (record.Kind is JournalRecordKind.Commit or JournalRecordKind.CommitFragment)
            {
                if (candidates.Last is { } last && last.Value.Commit == record.CommitTimestamp)
                {
                    // The fragments of one commit share its timestamp: the candidate ends at the last of them.
                    last.Value = (record.CommitTimestamp, entry.Offset);
                }
                else
                {
                    candidates.AddLast((record.CommitTimestamp, entry.Offset));
                }
            }
            else if (record.Kind == JournalRecordKind.CommitBatch)
            {
                // One record, one offset: the batch is durable as a whole, so each of its candidates ends there.
                foreach (var candidate in record.Batch!)
                {
                    candidates.AddLast((candidate.CommitTimestamp, entry.Offset));
                }
            }
            primary[entry.Offset] = identity;
            observedAt[entry.Offset] = timeProvider.GetTimestamp();
            if (waits is not null && record.Kind is JournalRecordKind.Heartbeat or JournalRecordKind.Commit or JournalRecordKind.CommitBatch)
            {
                // The region's promise (a heartbeat's closed timestamp, a candidate's commit timestamp) against this
                // clock as this replica reads it: the writer's lead less the age the record has here.
                var promise = record.Kind == JournalRecordKind.Heartbeat ? record.Closed : record.Commit;
                waits.Record(record.Kind == JournalRecordKind.Heartbeat ? heartbeatLabel : candidateLabel,
                    promise.PhysicalMilliseconds - timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
            }
            primaryEnd = entry.Offset + 1;
            foreach (var copy in ahead)
            {
                if (copy.Remove(entry.Offset, out var held) && held == identity)
                {
                    confirmed.Add(entry.Offset);
                }
            }
            moved = Believe(record, entry.Offset);
            moved |= Advance(heldLabel);
            wake = primaryMoved;
            primaryMoved = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        wake.SetResult();
        if (moved)
        {
            onDurable();
        }
    }

    /// <summary>Takes what copy <paramref name="copy"/> holds at an offset; false with a task to wait for when the copy
    /// is too far ahead of the primary.</summary>
    private bool TryConfirm(int copy, JournalEntry entry, out Task wait)
    {
        wait = Task.CompletedTask;
        bool moved;
        lock (gate)
        {
            if (entry.Offset < durableEnd)
            {
                return true;
            }
            if (entry.Offset >= primaryEnd)
            {
                if (ahead[copy].Count >= MaxRecordsAhead)
                {
                    wait = primaryMoved.Task;
                    return false;
                }
                ahead[copy][entry.Offset] = RecordIdentity.Of(entry.Record);
                return true;
            }
            if (!primary.TryGetValue(entry.Offset, out var held) || held != RecordIdentity.Of(entry.Record))
            {
                // This copy holds another record there: it confirms nothing at this offset.
                return true;
            }
            confirmed.Add(entry.Offset);
            moved = Advance(heldLabel);
        }
        if (moved)
        {
            onDurable();
        }
        return true;
    }

    /// <summary>Takes the writer's claim of a primary record at <paramref name="offset"/> (under the lock, after the
    /// record was observed): a heartbeat of an unfenced writer confirms every record before the lower of its durable end
    /// and its own offset. True when the durable end moved.</summary>
    private bool Believe(JournalRecord record, long offset)
    {
        if (record.Kind is JournalRecordKind.EpochStart or JournalRecordKind.RegionSeal)
        {
            writerEpoch = Math.Max(writerEpoch, record.Epoch);
            return false;
        }
        if (record.Kind != JournalRecordKind.Heartbeat || record.DurableEnd <= durableEnd || record.Epoch < writerEpoch)
        {
            return false;
        }
        // The writer numbers a heartbeat after every record it claims, so a claim past the heartbeat's own offset is
        // not one this copy can check: only the records before it are taken.
        var claimed = Math.Min(record.DurableEnd, offset);
        for (var below = durableEnd; below < claimed; below++)
        {
            confirmed.Add(below);
        }
        return Advance(claimedLabel);
    }

    private bool Advance(string label)
    {
        var before = durableEnd;
        var now = timeProvider.GetTimestamp();
        while (confirmed.Remove(durableEnd))
        {
            primary.Remove(durableEnd);
            if (observedAt.Remove(durableEnd, out var observed))
            {
                waits?.Record(label, timeProvider.GetElapsedTime(observed, now).TotalMilliseconds);
            }
            durableEnd++;
        }
        return durableEnd != before;
    }

    private async Task WatchCopyAsync(int copy, IJournalReader reader, long fromOffset, CancellationToken cancellationToken)
    {
        var next = fromOffset;
        var failing = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var entry in reader.ReadAsync(partition, next, cancellationToken).ConfigureAwait(false))
                {
                    if (entry.Offset < next)
                    {
                        continue;
                    }
                    // A gap only leaves the offsets it skips unconfirmed by this copy.
                    next = entry.Offset + 1;
                    failing = false;
                    while (!TryConfirm(copy, entry, out var wait))
                    {
                        await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // A copy in a lost region fails for as long as it is lost: said once, not at every retry.
                if (!failing)
                {
                    logger.LogWarning(exception, "Reading another region's copy of region {Region}'s topic at offset {Offset} failed; retrying", region, next);
                }
                failing = true;
            }
            try
            {
                await Task.Delay(RegionMergeFeed.RetryDelay, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        await ReaderLoops.StopAsync(stopping, loops).ConfigureAwait(false);
        stopping.Dispose();
    }

    /// <summary>What a watch knew below an offset (<see cref="Capture"/>): its durable end, the primary's records from
    /// there on by identity, and the undecided candidates among them (commit timestamp and the offset of their last
    /// record).</summary>
    public sealed record WatchState(long DurableEnd, IReadOnlyList<RecordIdentity> Identities, IReadOnlyList<(ulong Commit, long Offset)> Candidates)
    {
        /// <summary>More records between the durable end and the merge's offset than a watch holds (the copies are at
        /// most <see cref="MaxRecordsAhead"/> ahead, the primary is read as the merge goes): beyond it, corruption.</summary>
        private const int RecordsMax = 1 << 24;

        public void WriteTo(BinaryWriter writer)
        {
            writer.Write(DurableEnd);
            writer.Write(Identities.Count);
            foreach (var identity in Identities)
            {
                identity.WriteTo(writer);
            }
            writer.Write(Candidates.Count);
            foreach (var (commit, offset) in Candidates)
            {
                writer.Write(commit);
                writer.Write(offset);
            }
        }

        public static WatchState ReadFrom(BinaryReader reader)
        {
            var durableEnd = reader.ReadInt64();
            var identities = new RecordIdentity[Count(reader.ReadInt32())];
            for (var index = 0; index < identities.Length; index++)
            {
                identities[index] = RecordIdentity.ReadFrom(reader);
            }
            var candidates = new (ulong, long)[Count(reader.ReadInt32())];
            for (var index = 0; index < candidates.Length; index++)
            {
                candidates[index] = (reader.ReadUInt64(), reader.ReadInt64());
            }
            return durableEnd >= 0 ? new WatchState(durableEnd, identities, candidates)
                : throw new InvalidDataException($"A copy watch's state with a durable end of {durableEnd}.");
        }

        private static int Count(int value) =>
            value is >= 0 and <= RecordsMax ? value : throw new InvalidDataException($"A copy watch's state holds a count of {value}.");
    }

    /// <summary>What tells two records of a topic apart: one writer life (epoch) never writes two records alike in all
    /// of these at two places of the topic, and a record another life wrote differs at least in the epoch.</summary>
    public readonly record struct RecordIdentity(JournalRecordKind Kind, long Epoch, Guid TransactionId, ulong Start, ulong Commit,
        ulong Closed, int FragmentIndex, int FragmentCount, int Writes, string? Region)
    {
        public static RecordIdentity Of(JournalRecord record) => new(record.Kind, record.Epoch, record.TransactionId, record.StartTimestamp,
            record.CommitTimestamp, record.ClosedTimestamp, record.FragmentIndex, record.FragmentCount, record.Writes.Count, record.Region);

        public void WriteTo(BinaryWriter writer)
        {
            writer.Write((int)Kind);
            writer.Write(Epoch);
            writer.Write(TransactionId.ToByteArray());
            writer.Write(Start);
            writer.Write(Commit);
            writer.Write(Closed);
            writer.Write(FragmentIndex);
            writer.Write(FragmentCount);
            writer.Write(Writes);
            writer.Write(Region is not null);
            if (Region is not null)
            {
                writer.Write(Region);
            }
        }

        public static RecordIdentity ReadFrom(BinaryReader reader)
        {
            var kind = (JournalRecordKind)reader.ReadInt32();
            var epoch = reader.ReadInt64();
            var transaction = reader.ReadBytes(16);
            if (transaction.Length != 16)
            {
                throw new EndOfStreamException();
            }
            return new RecordIdentity(kind, epoch, new Guid(transaction), reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64(),
                reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadBoolean() ? reader.ReadString() : null);
        }
    }

    /// <summary>Passes the primary's entries through, observing each before the merge sees it.</summary>
    private sealed class ObservedReader(RegionCopyWatch watch, IJournalReader inner) : IJournalReader
    {
        public async IAsyncEnumerable<JournalEntry> ReadAsync(int partition, long fromOffset, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var entry in inner.ReadAsync(partition, fromOffset, cancellationToken).ConfigureAwait(false))
            {
                watch.ObservePrimary(entry);
                yield return entry;
            }
        }

        // The merge owns its readers' lifetime through the caller, who disposes the inner reader.
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
