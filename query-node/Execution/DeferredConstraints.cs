namespace Log.QueryNode.Execution;

/// <summary>One constraint check that waits for COMMIT (or for SET CONSTRAINTS ... IMMEDIATE): it reads the
/// transaction as it is when it runs, and fails with the constraint's own SQLSTATE and message.</summary>
public interface IDeferredConstraintCheck
{
    /// <summary>The catalog name of the table the constraint belongs to.</summary>
    string TableName { get; }

    string ConstraintName { get; }

    /// <summary>Whether the constraint was declared INITIALLY DEFERRED (it is deferrable, or it would not wait).</summary>
    bool InitiallyDeferred { get; }

    ValueTask CheckAsync(ITransactionStore store, CancellationToken cancellationToken);
}

/// <summary>
/// A transaction's deferred constraints (PostgreSQL's AfterTriggersData for constraint triggers): the SET CONSTRAINTS
/// modes in force and the checks waiting for COMMIT. A deferrable constraint is deferred when SET CONSTRAINTS named it
/// DEFERRED, else when the last SET CONSTRAINTS ALL said DEFERRED, else when it was declared INITIALLY DEFERRED (SET
/// CONSTRAINTS ALL forgets earlier per-constraint modes, as in PostgreSQL). Checks of one kind on one key are queued
/// once (<see cref="Add"/> takes an identity), so the queue grows with the distinct keys the transaction touched, which
/// the transaction's row limit bounds. Not thread-safe: one session runs one statement at a time.
/// </summary>
public sealed class DeferredConstraints
{
    private readonly Dictionary<(string Table, string Constraint), bool> _named = [];
    private readonly List<(string Identity, IDeferredConstraintCheck Check)> _pending = [];
    private readonly HashSet<string> _pendingIdentities = new(StringComparer.Ordinal);
    private bool? _all;

    public bool HasPending => _pending.Count > 0;

    /// <summary>The modes and waiting checks at one moment, for a savepoint to go back to.</summary>
    public sealed record State(Dictionary<(string Table, string Constraint), bool> Named,
        List<(string Identity, IDeferredConstraintCheck Check)> Pending, bool? All);

    /// <summary>A copy of the present modes and waiting checks (a savepoint's; the queue is bounded by the transaction's
    /// row limit, so copying it is cheap).</summary>
    public State Save() => new(new(_named), [.. _pending], _all);

    /// <summary>Puts back the modes and waiting checks <see cref="Save"/> copied.</summary>
    public void Restore(State state)
    {
        _named.Clear();
        foreach (var (key, deferred) in state.Named) _named[key] = deferred;
        _pending.Clear();
        _pending.AddRange(state.Pending);
        _pendingIdentities.Clear();
        foreach (var (identity, _) in _pending) _pendingIdentities.Add(identity);
        _all = state.All;
    }

    /// <summary>Whether a constraint of <paramref name="table"/> is checked at COMMIT now; a constraint that is not
    /// deferrable never is.</summary>
    public bool IsDeferred(string table, string constraint, bool deferrable, bool initiallyDeferred)
    {
        if (!deferrable) return false;
        if (_named.TryGetValue((table, constraint), out bool deferred)) return deferred;
        return _all ?? initiallyDeferred;
    }

    /// <summary>Queues a check unless one with the same identity (the constraint, the kind of check and the key it
    /// concerns) is already waiting.</summary>
    public void Add(string identity, IDeferredConstraintCheck check)
    {
        if (_pendingIdentities.Add(identity)) _pending.Add((identity, check));
    }

    /// <summary>SET CONSTRAINTS ALL {DEFERRED | IMMEDIATE}.</summary>
    public void SetAll(bool deferred)
    {
        _named.Clear();
        _all = deferred;
    }

    /// <summary>SET CONSTRAINTS name {DEFERRED | IMMEDIATE} for one constraint of one table.</summary>
    public void Set(string table, string constraint, bool deferred) => _named[(table, constraint)] = deferred;

    /// <summary>Runs, in the order they were queued, the waiting checks whose constraints are no longer deferred (all
    /// of them at COMMIT, <paramref name="atCommit"/>), and forgets them: the first violation throws.</summary>
    public async ValueTask RunAsync(ITransactionStore store, bool atCommit, CancellationToken cancellationToken)
    {
        var due = new List<IDeferredConstraintCheck>();
        for (int position = 0; position < _pending.Count;)
        {
            (string identity, IDeferredConstraintCheck check) = _pending[position];
            if (!atCommit && IsDeferred(check.TableName, check.ConstraintName, deferrable: true, check.InitiallyDeferred))
            {
                position++;
                continue;
            }
            due.Add(check);
            _pendingIdentities.Remove(identity);
            _pending.RemoveAt(position);
        }
        foreach (IDeferredConstraintCheck check in due) await check.CheckAsync(store, cancellationToken);
    }
}
