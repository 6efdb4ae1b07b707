using Log.Journal.Records;
using Log.QueryNode.Execution;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// Where the INSERT, UPDATE and DELETE nodes of one statement write. Normally straight into the transaction's store.
/// A statement with data-modifying WITH queries defers them instead: all of its parts read the snapshot the statement
/// started with (PostgreSQL: the main query does not see the WITH queries' changes to a table, nor they each
/// other's), while the writing nodes themselves see every write of the statement (a key inserted twice is still a
/// duplicate). The deferred writes reach the store, in key order, when the statement completes.
/// </summary>
internal sealed class StatementWrites(ITransactionStore store, bool deferred, StatementContext statement)
{
    private readonly SortedDictionary<byte[], byte[]?>? _pending = deferred ? new(KeyComparer.Instance) : null;

    public ITransactionStore Store { get; } = store;

    /// <summary>The statement the writes belong to (its settings for the CHECK constraints and defaults computed on
    /// the write path); for a check at COMMIT or a background job, one with the default settings.</summary>
    public StatementContext Statement { get; } = statement;

    /// <summary>The context of the expressions the write path computes (generated columns, CHECKs, defaults).</summary>
    public ExecutionContext Expressions => field ??= ExecutionContext.ForExpressions(Statement, Store);

    public ValueTask<byte[]?> GetAsync(byte[] key, CancellationToken cancellationToken)
    {
        if (_pending is not null && _pending.TryGetValue(key, out byte[]? value)) return ValueTask.FromResult(value);
        return Store.GetAsync(key, cancellationToken);
    }

    public void Put(byte[] key, byte[] value)
    {
        if (_pending is null) Store.Put(key, value);
        else _pending[key] = value;
    }

    public void Delete(byte[] key)
    {
        if (_pending is null) Store.Delete(key);
        else _pending[key] = null;
    }

    /// <summary>Hands the deferred writes to the store (nothing to do when writes were not deferred).</summary>
    public void Flush()
    {
        if (_pending is null) return;
        foreach ((byte[] key, byte[]? value) in _pending)
        {
            if (value is null) Store.Delete(key);
            else Store.Put(key, value);
        }
        _pending.Clear();
    }
}
