using Log.Journal.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.Journal.Client;

/// <summary>One copy of a region's topic for <see cref="QuorumJournalWriter"/>: a name for messages (the region
/// holding it) and the writer to that region's journal cluster.</summary>
public sealed record QuorumJournalCopy(string Name, IJournalWriter Writer)
{
    /// <summary>Direct access to the copy (its end, its records, appends at a given offset), with which a faulted copy
    /// is probed and filled before it is taken again; null: a faulted copy stays faulted.</summary>
    public IRegionSealCopy? Direct { get; init; }

    /// <summary>Makes a new writer to the copy, which replaces a faulted one when the copy is taken again.</summary>
    public Func<IJournalWriter>? Reopen { get; init; }
}

/// <summary>
/// Appends each record to several copies of one topic (one per region's journal cluster) and reports it durable once
/// <see cref="Required"/> of them hold it, with no gap before it, at the same offset.
/// <list type="bullet">
/// <item>Every record of a partition is handed to every copy in one order (appends are serialised per writer), so a
/// copy holds the partition's records in the order the caller appended them. A copy's first record goes alone (see
/// <see cref="Send"/>).</item>
/// <item>A copy counts towards a record only once it has acknowledged every earlier record of the partition that this
/// writer sent it: the records a quorum holds form a prefix on each of its copies, never a sequence with a hole.</item>
/// <item>The reported offset is the one the copies agree on: a single writer appending to copies that held the same
/// records gets the same offset from each (Kafka numbers a partition's records consecutively). The first copy that
/// counts fixes it; a copy that reports another one has diverged (another writer appended to it, or it did not hold
/// the same records) and is faulted. So the offset is also the record's offset in the local (first) copy, which the
/// local region's readers use, unless that copy is faulted.</item>
/// <item>A copy that fails an append is faulted: nothing more is sent to it and its later acknowledgements count for
/// nothing (records already in flight to it may still land behind the one that failed, so it must not be read past
/// its fault). The writer goes on while <see cref="Required"/> copies are healthy; once they are not, every
/// unacknowledged and every later append fails with a <see cref="JournalAppendException"/> that says so, until a
/// faulted copy is taken again. A copy with <see cref="QuorumJournalCopy.Direct"/> access is probed with backoff and
/// taken again once it answers and holds a prefix of a healthy copy, filled from that copy first
/// (QuorumJournalWriter.Repair.cs).</item>
/// <item>A slow copy does not hold an acknowledgement reached without it, but still gets every record in order; its
/// pending records are kept until it acknowledges them or is faulted (a copy too far behind fails by itself:
/// librdkafka refuses records once its local queue is full).</item>
/// </list>
/// Acknowledgements are reported in append order per partition, one at a time, never under the writer's locks and never
/// while a record is being handed to the copies: on the delivery thread of the copy that completed the quorum, or on an
/// appending caller's thread once its record is handed over.
/// </summary>
public sealed partial class QuorumJournalWriter : IJournalWriter
{
    private readonly QuorumJournalCopy[] copies;
    private readonly ILogger logger;
    // Held while a record is numbered and handed to every copy, so every copy gets a partition's records in one order.
    private readonly Lock sendGate = new();
    // Held for the state below; never held while calling a copy or a caller's callback (those may call back in).
    private readonly Lock gate = new();
    private readonly Dictionary<int, PartitionState> partitions = [];
    private readonly Exception?[] faults;
    // Per copy: whether its first record was sent and answered, and the records waiting for that answer (see Send).
    private readonly bool[] firstSent;
    private readonly bool[] firstAnswered;
    private readonly Queue<(int Partition, long Sequence, JournalRecord Record)>[] waitingForFirst;
    private readonly Queue<(Action<long, Exception?> OnDone, long Offset, Exception? Error)> completions = new();
    private int healthy;
    private JournalAppendException? failure;
    private bool draining;
    private int disposed;

    public QuorumJournalWriter(IReadOnlyList<QuorumJournalCopy> copies, int required, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(copies);
        if (copies.Count == 0)
        {
            throw new ArgumentException("A quorum writer needs at least one copy.", nameof(copies));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(required, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(required, copies.Count);
        this.copies = [.. copies];
        Required = required;
        this.logger = logger ?? NullLogger.Instance;
        faults = new Exception?[copies.Count];
        firstSent = new bool[copies.Count];
        firstAnswered = new bool[copies.Count];
        waitingForFirst = copies.Select(_ => new Queue<(int, long, JournalRecord)>()).ToArray();
        healthy = copies.Count;
        repairing = new bool[copies.Count];
    }

    /// <summary>A writer over one <see cref="KafkaJournalWriter"/> per region's journal cluster, all on the topic of
    /// <paramref name="template"/>'s region; the first bootstrap address is the local region's. With a positive
    /// <paramref name="writerEpoch"/> (the epoch of every record this writer appends) a faulted copy is probed and taken
    /// again through the journal node's own requests (<see cref="JournalNodeSealCopy"/>), as a writer of that epoch.</summary>
    public static QuorumJournalWriter ForKafka(JournalClientOptions template, IReadOnlyList<(string Name, string BootstrapServers)> clusters,
        int required, ILogger? logger = null, long writerEpoch = 0)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(clusters);
        var copies = clusters.Select(cluster =>
        {
            var options = JournalClientOptionsCopy.For(template, cluster.BootstrapServers, template.Region, cluster.Name);
            return new QuorumJournalCopy(cluster.Name, new KafkaJournalWriter(options, logger))
            {
                Direct = writerEpoch > 0
                    ? new JournalNodeSealCopy(cluster.Name, cluster.BootstrapServers,
                        JournalClientOptionsCopy.For(template, cluster.BootstrapServers, template.Region, $"repair-{cluster.Name}"), template.Topic, writerEpoch)
                    : null,
                Reopen = writerEpoch > 0 ? () => new KafkaJournalWriter(options, logger) : null,
            };
        }).ToList();
        return new QuorumJournalWriter(copies, required, logger) { RepairEpoch = writerEpoch };
    }

    /// <summary>How many copies must hold a record before it is acknowledged.</summary>
    public int Required { get; }

    public IReadOnlyList<QuorumJournalCopy> Copies => copies;

    /// <summary>Why the copy at <paramref name="index"/> was faulted, or null while it is healthy.</summary>
    public Exception? CopyFault(int index)
    {
        lock (gate)
        {
            return faults[index];
        }
    }

    /// <summary>Copies not faulted.</summary>
    public int HealthyCopies
    {
        get
        {
            lock (gate)
            {
                return healthy;
            }
        }
    }

    public Task<long> AppendAsync(int partition, JournalRecord record, CancellationToken cancellationToken) =>
        CallbackAppend.AppendAsync(this, partition, record, cancellationToken);

    public void Append(int partition, JournalRecord record, Action<long, Exception?> onDone)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(onDone);
        lock (sendGate)
        {
            if (Register(partition, onDone) is { } registered)
            {
                var (sequence, targets) = registered;
                foreach (var copy in targets)
                {
                    Send(partition, sequence, copy, record);
                }
            }
            SendWaiting();
        }
        DrainCompletions();
    }

    /// <summary>Numbers the record and lists the healthy copies to send it to; null (and the refusal queued) once the
    /// quorum is lost.</summary>
    private (long Sequence, List<int> Targets)? Register(int partition, Action<long, Exception?> onDone)
    {
        lock (gate)
        {
            if (failure is not null)
            {
                completions.Enqueue((onDone, -1, Refused(failure)));
                return null;
            }
            var state = PartitionFor(partition);
            var slot = new Slot(state.NextSequence++, onDone, copies.Length);
            state.Slots.Add(slot);
            var targets = new List<int>(copies.Length);
            for (var copy = 0; copy < copies.Length; copy++)
            {
                if (faults[copy] is null)
                {
                    targets.Add(copy);
                }
                else
                {
                    // Never sent: the copy's prefix ends before this record for good.
                    slot.Reported[copy] = true;
                }
            }
            return (slot.Sequence, targets);
        }
    }

    /// <summary>Hands a record to a copy (the caller holds the send lock). A copy's first record goes alone: later ones
    /// wait until it is answered. A Kafka writer creates its topic on its first append, and records appended while it
    /// does can pass that first one (it waits for the topic, they may not); holding them costs one round trip to that
    /// copy, once, and does not hold the other copies.</summary>
    private void Send(int partition, long sequence, int copy, JournalRecord record)
    {
        lock (gate)
        {
            if (faults[copy] is null && firstSent[copy] && (!firstAnswered[copy] || waitingForFirst[copy].Count > 0))
            {
                waitingForFirst[copy].Enqueue((partition, sequence, record));
                return;
            }
            firstSent[copy] = true;
        }
        SendNow(partition, sequence, copy, record);
    }

    private void SendNow(int partition, long sequence, int copy, JournalRecord record)
    {
        if (Volatile.Read(ref faults[copy]) is { } fault)
        {
            Report(partition, sequence, copy, -1, fault);
            return;
        }
        try
        {
            copies[copy].Writer.Append(partition, record, (offset, error) => Report(partition, sequence, copy, offset, error));
        }
        catch (Exception exception)
        {
            Report(partition, sequence, copy, -1, exception);
        }
    }

    /// <summary>Sends, in order, the records that waited for their copy's first answer (the caller holds the send lock).</summary>
    private void SendWaiting()
    {
        while (true)
        {
            (int Partition, long Sequence, JournalRecord Record, int Copy)? next = null;
            lock (gate)
            {
                for (var copy = 0; copy < copies.Length && next is null; copy++)
                {
                    if (faults[copy] is not null)
                    {
                        waitingForFirst[copy].Clear();
                    }
                    else if (firstAnswered[copy] && waitingForFirst[copy].TryDequeue(out var waiting))
                    {
                        next = (waiting.Partition, waiting.Sequence, waiting.Record, copy);
                    }
                }
            }
            if (next is not { } send)
            {
                return;
            }
            SendNow(send.Partition, send.Sequence, send.Copy, send.Record);
        }
    }

    private PartitionState PartitionFor(int partition)
    {
        if (!partitions.TryGetValue(partition, out var state))
        {
            partitions[partition] = state = new PartitionState(copies.Length);
        }
        return state;
    }

    /// <summary>A copy's answer for one record: counts it, moves the copy's prefix, faults the copy on a failure or a
    /// disagreeing offset, and queues the acknowledgements (or failures) that follow.</summary>
    private void Report(int partition, long sequence, int copy, long offset, Exception? error)
    {
        var firstAnswer = false;
        lock (gate)
        {
            if (!firstAnswered[copy])
            {
                firstAnswered[copy] = firstAnswer = true;
            }
            var state = partitions[partition];
            var slot = state.Find(sequence);
            if (slot is null || slot.Reported[copy])
            {
                return;
            }
            slot.Reported[copy] = true;
            if (error is not null)
            {
                Fault(copy, new JournalAppendException(
                    $"Journal copy {copies[copy].Name} failed an append to partition {partition}: {error.Message}",
                    mayHaveBeenWritten: true, isTransient: false, error));
            }
            else if (faults[copy] is null)
            {
                slot.Offsets[copy] = offset;
                Advance(partition, state, copy);
            }
            Settle(state);
        }
        // Answered while this thread hands a record to the copies (a copy that answers at once): a callback run now could
        // append its next record to the first copies before this one reaches the rest. Append drains once it is done.
        if (!sendGate.IsHeldByCurrentThread)
        {
            if (firstAnswer)
            {
                lock (sendGate)
                {
                    SendWaiting();
                }
            }
            DrainCompletions();
        }
    }

    /// <summary>Moves <paramref name="copy"/>'s prefix over every record it has now acknowledged without a hole,
    /// counting it towards each, or faults it at the first offset that disagrees.</summary>
    private void Advance(int partition, PartitionState state, int copy)
    {
        while (faults[copy] is null && state.Find(state.Prefix[copy] + 1) is { } next && next.Offsets[copy] >= 0)
        {
            var offset = next.Offsets[copy];
            if (next.Offset < 0)
            {
                next.Offset = offset;
            }
            else if (next.Offset != offset)
            {
                Fault(copy, new JournalAppendException(
                    $"Journal copy {copies[copy].Name} put record {next.Sequence} of partition {partition} at offset {offset}, " +
                    $"not at {next.Offset} as the other copies did: it does not hold the same records",
                    mayHaveBeenWritten: true, isTransient: false));
                return;
            }
            next.Holders++;
            state.Prefix[copy]++;
            state.End[copy] = offset + 1;
            if (next.Sequence == state.JoinBefore - 1)
            {
                // The last record a copy being taken again gets by a fill rather than by its writer (Repair.cs).
                state.JoinEnd = offset + 1;
            }
        }
    }

    private void Fault(int copy, Exception reason)
    {
        if (faults[copy] is not null)
        {
            return;
        }
        Volatile.Write(ref faults[copy], reason);
        healthy--;
        logger.LogWarning(reason, "Journal copy {Copy} is faulted; {Healthy} of {Copies} copies remain, {Required} required",
            copies[copy].Name, healthy, copies.Length, Required);
        if (healthy < Required && failure is null)
        {
            failure = new JournalAppendException(
                $"The journal quorum is lost: {healthy} of {copies.Length} copies are healthy and {Required} must hold each record " +
                $"(faulted: {string.Join(", ", Enumerable.Range(0, copies.Length).Where(index => faults[index] is not null).Select(index => copies[index].Name))})",
                mayHaveBeenWritten: true, isTransient: false, reason);
            logger.LogError("{Failure}", failure.Message);
        }
        foreach (var state in partitions.Values)
        {
            Settle(state);
        }
        StartRepair(copy);
    }

    /// <summary>Acknowledges, in order, the records at the head of the partition that enough copies hold; fails them
    /// all once the quorum is lost; forgets records every healthy copy has answered.</summary>
    private void Settle(PartitionState state)
    {
        for (var index = state.Head; index < state.Slots.Count; index++)
        {
            var slot = state.Slots[index];
            if (slot.Done)
            {
                continue;
            }
            if (slot.Holders >= Required)
            {
                slot.Done = true;
                completions.Enqueue((slot.OnDone, slot.Offset, null));
            }
            else if (failure is not null)
            {
                slot.Done = true;
                completions.Enqueue((slot.OnDone, -1, failure));
            }
            else
            {
                break;
            }
        }
        state.Forget(faults);
    }

    private static JournalAppendException Refused(JournalAppendException failure) =>
        new($"{failure.Message}; the record was not sent", mayHaveBeenWritten: false, isTransient: false, failure);

    /// <summary>Runs queued callbacks outside the lock, one thread at a time, so that they keep their queue order.</summary>
    private void DrainCompletions()
    {
        while (true)
        {
            (Action<long, Exception?> OnDone, long Offset, Exception? Error) next;
            lock (gate)
            {
                if (draining || !completions.TryDequeue(out next))
                {
                    return;
                }
                draining = true;
            }
            try
            {
                next.OnDone(next.Offset, next.Error);
            }
            catch (Exception bug)
            {
                logger.LogError(bug, "A journal append's callback threw");
            }
            finally
            {
                lock (gate)
                {
                    draining = false;
                }
            }
        }
    }

    /// <summary>Disposes every copy's writer (a Kafka one first delivers what it holds, for up to 10 s); records still
    /// unacknowledged after that fail, as their outcome is unknown.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        await StopRepairsAsync();
        foreach (var copy in copies)
        {
            await copy.Writer.DisposeAsync();
            if (copy.Direct is IAsyncDisposable direct)
            {
                await direct.DisposeAsync();
            }
        }
        lock (gate)
        {
            failure ??= new JournalAppendException("The quorum journal writer was disposed before the record was acknowledged",
                mayHaveBeenWritten: true, isTransient: true);
            foreach (var state in partitions.Values)
            {
                Settle(state);
            }
        }
        DrainCompletions();
    }

    /// <summary>One record on its way: which copies answered, at which offsets, and how many hold it with no hole before it.</summary>
    private sealed class Slot(long sequence, Action<long, Exception?> onDone, int copyCount)
    {
        public long Sequence { get; } = sequence;
        public Action<long, Exception?> OnDone { get; } = onDone;
        public bool[] Reported { get; } = new bool[copyCount];
        public long[] Offsets { get; } = Enumerable.Repeat(-1L, copyCount).ToArray();
        public long Offset { get; set; } = -1;
        public int Holders { get; set; }
        public bool Done { get; set; }
    }

    /// <summary>A partition's records from the oldest one some healthy copy has not answered; each copy's prefix is the
    /// sequence of the last record it holds with every earlier one.</summary>
    private sealed class PartitionState(int copyCount)
    {
        public List<Slot> Slots { get; } = [];
        public int Head { get; private set; }
        public long NextSequence { get; set; }
        public long[] Prefix { get; } = Enumerable.Repeat(-1L, copyCount).ToArray();

        /// <summary>While a copy is taken again: the first sequence its new writer sends it (the records before it
        /// are filled into it), and the end offset of the record just before that once a healthy copy holds it (-1
        /// until then).</summary>
        public long JoinBefore { get; set; } = -1;

        /// <summary>Per copy, the offset after the last record of its prefix (-1 before any).</summary>
        public long[] End { get; } = Enumerable.Repeat(-1L, copyCount).ToArray();

        public long JoinEnd { get; set; } = -1;

        public Slot? Find(long sequence)
        {
            if (Head >= Slots.Count)
            {
                return null;
            }
            var index = Head + (sequence - Slots[Head].Sequence);
            return index >= Head && index < Slots.Count ? Slots[(int)index] : null;
        }

        public void Forget(Exception?[] faults)
        {
            while (Head < Slots.Count && Slots[Head] is { Done: true } slot && AnsweredByHealthy(slot, faults))
            {
                Slots[Head] = null!;
                Head++;
            }
            if (Head > 1024 && Head * 2 > Slots.Count)
            {
                Slots.RemoveRange(0, Head);
                Head = 0;
            }
        }

        private static bool AnsweredByHealthy(Slot slot, Exception?[] faults)
        {
            for (var copy = 0; copy < faults.Length; copy++)
            {
                if (faults[copy] is null && !slot.Reported[copy])
                {
                    return false;
                }
            }
            return true;
        }
    }
}
