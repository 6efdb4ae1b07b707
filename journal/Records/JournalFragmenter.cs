using Log.Journal.Time;

namespace Log.Journal.Records;

/// <summary>
/// A commit's write set cut into records that each fit <see cref="JournalLimits.RecordBytesMax"/>:
/// the leading fragments (<see cref="JournalRecordKind.CommitFragment"/>, no timestamps) and the
/// final <see cref="JournalRecordKind.Commit"/> record, built once the commit timestamp is known.
/// A write set that fits one record has no leading fragments and an ordinary final record.
/// </summary>
public sealed class FragmentedCommit
{
    private readonly IReadOnlyList<JournalWrite> writes;
    private readonly byte[]? lastSlice;
    private readonly long writeSetBytes;

    internal FragmentedCommit(Guid transactionId, int shard, long epoch, IReadOnlyList<JournalWrite> writes,
        IReadOnlyList<JournalRecord> leadingFragments, byte[]? lastSlice, long writeSetBytes)
    {
        TransactionId = transactionId;
        Shard = shard;
        Epoch = epoch;
        this.writes = writes;
        LeadingFragments = leadingFragments;
        this.lastSlice = lastSlice;
        this.writeSetBytes = writeSetBytes;
    }

    public Guid TransactionId { get; }
    public int Shard { get; }
    public long Epoch { get; }

    /// <summary>Records to append, in order and all durable, before the final one. Empty when the
    /// write set fits one record.</summary>
    public IReadOnlyList<JournalRecord> LeadingFragments { get; }

    /// <summary>Records the transaction takes in the journal, the final one included.</summary>
    public int FragmentCount => LeadingFragments.Count + 1;

    /// <summary>The record whose durable append is the commit.</summary>
    public JournalRecord Final(HybridTimestamp start, HybridTimestamp commit)
    {
        var record = JournalRecord.ForCommit(TransactionId, start, commit, Shard, Epoch, lastSlice is null ? writes : []);
        return lastSlice is null
            ? record
            : record with
            {
                FragmentIndex = FragmentCount - 1,
                FragmentCount = FragmentCount,
                FragmentBytes = lastSlice,
                WriteSetBytes = writeSetBytes,
            };
    }
}

/// <summary>
/// Splits a commit's write set into fragments when it does not fit one journal record. I/O-free.
/// The contract the writer keeps and <see cref="FragmentAssembler"/> relies on: the fragments of one
/// transaction are appended by its partition's single writer at consecutive offsets, in index order,
/// the final one only after every leading one is durable; nothing else is appended between them.
/// </summary>
public static class JournalFragmenter
{
    // MessagePack's bound on the bytes around one write: a 2-element array header (1) and two bin
    // headers (5 each). Used to skip encoding the write set when it obviously fits one record.
    private const int WriteFramingBytesMax = 16;
    private const int WriteSetHeaderBytesMax = 5;

    /// <summary>Splits <paramref name="writes"/>; <see cref="ArgumentException"/> if the write set needs
    /// more than <see cref="JournalLimits.FragmentsPerTransactionMax"/> fragments.</summary>
    public static FragmentedCommit Split(Guid transactionId, int shard, long epoch, IReadOnlyList<JournalWrite> writes,
        int fragmentPayloadBytes = JournalLimits.FragmentPayloadBytes)
    {
        ArgumentNullException.ThrowIfNull(writes);
        ArgumentOutOfRangeException.ThrowIfLessThan(fragmentPayloadBytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fragmentPayloadBytes, JournalLimits.FragmentPayloadBytes);
        if (EstimateUpperBound(writes) <= fragmentPayloadBytes)
        {
            return new FragmentedCommit(transactionId, shard, epoch, writes, [], null, 0);
        }
        var encoded = JournalRecordCodec.EncodeWriteSet(writes);
        if (encoded.Length <= fragmentPayloadBytes)
        {
            return new FragmentedCommit(transactionId, shard, epoch, writes, [], null, 0);
        }
        var count = (int)((encoded.LongLength + fragmentPayloadBytes - 1) / fragmentPayloadBytes);
        if (count > JournalLimits.FragmentsPerTransactionMax)
        {
            throw new ArgumentException(
                $"A write set of {encoded.Length} bytes needs {count} journal records; the limit is {JournalLimits.FragmentsPerTransactionMax} of {fragmentPayloadBytes} bytes.",
                nameof(writes));
        }
        var leading = new JournalRecord[count - 1];
        for (var index = 0; index < count - 1; index++)
        {
            leading[index] = new JournalRecord
            {
                Kind = JournalRecordKind.CommitFragment,
                TransactionId = transactionId,
                Shard = shard,
                Epoch = epoch,
                FragmentIndex = index,
                FragmentCount = count,
                FragmentBytes = encoded.AsSpan(index * fragmentPayloadBytes, fragmentPayloadBytes).ToArray(),
            };
        }
        var lastSlice = encoded.AsSpan((count - 1) * fragmentPayloadBytes).ToArray();
        return new FragmentedCommit(transactionId, shard, epoch, writes, leading, lastSlice, encoded.LongLength);
    }

    private static long EstimateUpperBound(IReadOnlyList<JournalWrite> writes)
    {
        long total = WriteSetHeaderBytesMax;
        for (var index = 0; index < writes.Count; index++)
        {
            total += writes[index].Key.Length + (writes[index].Value?.Length ?? 0) + WriteFramingBytesMax;
        }
        return total;
    }
}
