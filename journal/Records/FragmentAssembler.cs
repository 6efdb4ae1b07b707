namespace Log.Journal.Records;

/// <summary>
/// Puts fragmented commits back together while a partition is read in offset order. I/O-free and
/// not thread-safe: one per reader of a partition (a storage replica's apply loop, an adjudicator's
/// replay).
///
/// <see cref="Accept"/> returns what the reader must act on: every record that is not a fragment,
/// as it is; for a fragmented commit, nothing until its final record, then one ordinary Commit
/// record holding the whole write set. A transaction whose fragments stop before the final record
/// (the writer crashed, or its append failed) never yields anything: it was never committed, as its
/// writer never acknowledged it. Such leftovers are dropped as soon as any other record follows
/// them, because the writer appends nothing between the fragments of one transaction.
///
/// A final record whose leading fragments are not all right before it is corruption (the writer
/// acknowledged that commit, so the journal lost part of it): <see cref="InvalidDataException"/>.
/// Memory is bounded by one transaction's write set (<see cref="JournalLimits.WriteSetBytesMax"/>).
/// A reader that resumes from a later offset than where it stopped must resume at or before the
/// first fragment of a transaction it has not finished.
/// </summary>
public sealed class FragmentAssembler
{
    private Pending? pending;

    /// <summary>The transaction whose leading fragments are held, waiting for the rest.</summary>
    public Guid? PendingTransactionId => pending?.TransactionId;

    /// <summary>Leading fragments held for <see cref="PendingTransactionId"/>.</summary>
    public int PendingFragmentCount => pending?.Slices.Count ?? 0;

    /// <summary>Transactions dropped because their fragments stopped before the final record.</summary>
    public long AbandonedCount { get; private set; }

    /// <summary>Returns the record to apply, or null when <paramref name="record"/> is a leading fragment.</summary>
    public JournalRecord? Accept(JournalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Kind == JournalRecordKind.CommitFragment)
        {
            AcceptLeading(record);
            return null;
        }
        if (!record.IsFragment)
        {
            Abandon();
            return record;
        }
        return Complete(record);
    }

    private void AcceptLeading(JournalRecord fragment)
    {
        if (fragment.FragmentIndex == 0)
        {
            // A new transaction (or a new attempt at the same one): whatever was held can never end.
            Abandon();
            pending = new Pending(fragment.TransactionId, fragment.Shard, fragment.Epoch, fragment.FragmentCount);
        }
        else if (pending is null || !pending.IsNext(fragment))
        {
            Abandon();
            return;
        }
        pending!.Slices.Add(fragment.FragmentBytes!);
        pending.Bytes += fragment.FragmentBytes!.Length;
    }

    private JournalRecord Complete(JournalRecord final)
    {
        var held = pending;
        pending = null;
        if (held is null || !held.IsNext(final))
        {
            throw new InvalidDataException(
                $"The final record of transaction {final.TransactionId} ({final.FragmentCount} fragments) does not follow its other fragments: part of a committed transaction is missing.");
        }
        var total = held.Bytes + final.FragmentBytes!.Length;
        if (total != final.WriteSetBytes)
        {
            throw new InvalidDataException(
                $"Transaction {final.TransactionId}: its fragments hold {total} bytes, its final record says {final.WriteSetBytes}.");
        }
        var buffer = new byte[total];
        var position = 0;
        foreach (var slice in held.Slices)
        {
            slice.CopyTo(buffer, position);
            position += slice.Length;
        }
        final.FragmentBytes.CopyTo(buffer, position);
        var whole = final with
        {
            Writes = JournalRecordCodec.DecodeWriteSet(buffer),
            FragmentIndex = 0,
            FragmentCount = 1,
            FragmentBytes = null,
            WriteSetBytes = 0,
        };
        var problem = JournalRecordCodec.Validate(whole);
        if (problem is not null)
        {
            throw new InvalidDataException($"Transaction {final.TransactionId} put together from its fragments is invalid: {problem}");
        }
        return whole;
    }

    private void Abandon()
    {
        if (pending is not null)
        {
            AbandonedCount++;
            pending = null;
        }
    }

    private sealed class Pending(Guid transactionId, int shard, long epoch, int count)
    {
        public Guid TransactionId { get; } = transactionId;
        public List<byte[]> Slices { get; } = [];
        public long Bytes { get; set; }

        public bool IsNext(JournalRecord fragment) =>
            fragment.TransactionId == TransactionId && fragment.Shard == shard && fragment.Epoch == epoch
            && fragment.FragmentCount == count && fragment.FragmentIndex == Slices.Count;
    }
}
