using Log.Journal.Time;
using Log.StorageNode;

namespace Log.QueryNode.Execution;

public sealed partial class Transaction
{
    private LocalWriter? writer;
    private bool writerResolved;

    /// <summary>The query node's registry of first writers, shared by its sessions' transactions; null when this
    /// transaction takes no part (then it neither waits for nor holds keys).</summary>
    public LocalWriters? LocalWriters { get; init; }

    /// <summary>This transaction as <see cref="LocalWriters"/> sees it: given when a retry reserved its key before the
    /// snapshot (<see cref="Execution.LocalWriters.ReserveAsync"/>), else made at the first write; null when the transaction does not
    /// take part (separate transactions and jobs, which do not fail changed keys early either).</summary>
    public LocalWriter? Writer
    {
        get
        {
            if (!writerResolved)
            {
                writer ??= FailsChangedKeysEarly && LocalWriters is { } registry ? new LocalWriter(registry) : null;
                writerResolved = true;
            }
            return writer;
        }
        init => writer = value;
    }

    /// <summary>A key whose conflict ended this transaction (a statement failed early, or the COMMIT was refused for
    /// it), so that the session's retry can reserve it (<see cref="Execution.LocalWriters.ReserveAsync"/>); null otherwise.</summary>
    public byte[]? ConflictingKey { get; private set; }

    /// <summary>
    /// Before an INSERT or UPDATE writes <paramref name="key"/> for the first time: when another open transaction of
    /// this query node wrote it first, waits for that one to end (at most <see cref="TransactionLimits.LocalWriterWaitMax"/>),
    /// as PostgreSQL waits on the row's lock. If it committed after this transaction's start, this statement fails at
    /// once with 40001 (OC000): the adjudicator would refuse this COMMIT for the same key anyway, as a statement failed by
    /// <see cref="FailIfCommittedSinceStart"/> would be. If it ended without committing, this transaction takes the key.
    /// </summary>
    public async ValueTask BeforeWriteAsync(byte[] key, CancellationToken cancellationToken)
    {
        if (Writer is not { } self || writes.ContainsKey(key))
        {
            return;
        }
        if (!await self.Registry.HoldAsync(self, key, limits.LocalWriterWaitMax, Start, cancellationToken).ConfigureAwait(false))
        {
            throw LostTo(key);
        }
    }

    /// <summary>The 40001 of a key committed by another transaction after this one's start; remembers the key.</summary>
    private SqlException LostTo(byte[] key)
    {
        TransactionMetrics.CountEarlyConflict();
        ConflictingKey = key;
        return new SqlException(SqlState.SerializationFailure, DataConflictMessage);
    }

    /// <summary>The adjudicator refused the COMMIT for <paramref name="key"/>.</summary>
    public void NoteRefusedFor(byte[]? key) => ConflictingKey ??= key;

    /// <summary>Ends the transaction for <see cref="LocalWriters"/> (see <see cref="LocalWriter.End"/>); the session
    /// calls it when the transaction commits, rolls back or is dropped. The first call counts. A commit tells the
    /// registry which of the keys it held were written.</summary>
    public void End(HybridTimestamp committedAt) => writer?.End(committedAt, committedAt == HybridTimestamp.Zero ? null : writes.ContainsKey);
}
