namespace Log.QueryNode.Execution;

/// <summary>
/// Savepoints of the transaction's write set. While a savepoint is open every write first records what it replaces
/// (the key's earlier own value, or that the transaction had not written the key) in an undo log; rolling back to a
/// savepoint replays the log backwards to the savepoint's position, so the write set, and every read through it, is
/// exactly what it was when the savepoint was made. The undo log costs nothing when no savepoint is open, and it is
/// bounded by <see cref="TransactionLimits.MaxModifiedBytes"/> as the writes themselves are.
/// Deferred constraint checks and SET CONSTRAINTS modes go back to what they were at the savepoint.
/// Conflict checks are never undone, and the rows a rolled-back part of the transaction wrote join them: whatever that
/// part read, locked or wrote is still checked at commit (see query-node/README.md, "Savepoints").
/// </summary>
public sealed partial class Transaction
{
    /// <summary>What one write replaced: the key's earlier own value (null for an own delete), or that the transaction
    /// had not written the key at all.</summary>
    private readonly record struct UndoEntry(byte[] Key, bool WasWritten, byte[]? Value);

    private readonly List<UndoEntry> undo = [];
    private int openSavepoints;

    /// <summary>Where a savepoint stands in the transaction's writes.</summary>
    public readonly record struct SavepointMark(int UndoPosition, long WrittenBytes, DeferredConstraints.State Deferred);

    /// <summary>Opens a savepoint at the transaction's present state.</summary>
    public SavepointMark OpenSavepoint()
    {
        openSavepoints++;
        return new SavepointMark(undo.Count, writtenBytes, DeferredConstraints.Save());
    }

    /// <summary>Undoes every write made since <paramref name="mark"/>; the savepoint stays open (ROLLBACK TO keeps it).</summary>
    public void RollBackTo(SavepointMark mark)
    {
        if (openSavepoints == 0 || mark.UndoPosition > undo.Count)
        {
            throw new InvalidOperationException("rollback to a savepoint this transaction does not hold");
        }
        for (var position = undo.Count - 1; position >= mark.UndoPosition; position--)
        {
            var entry = undo[position];
            // The undone write still checks its row at commit, as a row lock does (see the type's comment).
            KeepConflictCheck(entry.Key, isSchema: false);
            if (entry.WasWritten)
            {
                writes[entry.Key] = entry.Value;
            }
            else
            {
                writes.Remove(entry.Key);
            }
        }
        undo.RemoveRange(mark.UndoPosition, undo.Count - mark.UndoPosition);
        writtenBytes = mark.WrittenBytes;
        // Checks queued by the undone part would judge rows that are no longer written (PostgreSQL drops the deferred
        // events of a rolled-back subtransaction), and SET CONSTRAINTS made since goes back too.
        DeferredConstraints.Restore(mark.Deferred);
    }

    /// <summary>Closes <paramref name="count"/> savepoints (RELEASE, or those a ROLLBACK TO destroys): their writes stay,
    /// and once none is open the undo log goes.</summary>
    public void CloseSavepoints(int count)
    {
        if (count < 0 || count > openSavepoints)
        {
            throw new InvalidOperationException($"closing {count} of {openSavepoints} savepoints");
        }
        openSavepoints -= count;
        if (openSavepoints == 0)
        {
            undo.Clear();
        }
    }

    private void RememberForUndo(byte[] key)
    {
        if (openSavepoints == 0) return;
        undo.Add(writes.TryGetValue(key, out var earlier) ? new UndoEntry(key, true, earlier) : new UndoEntry(key, false, null));
    }
}
