using System.Runtime.CompilerServices;
using Log.QueryNode.Execution;
using Log.Journal.Records;

namespace Log.QueryNode.Tests.Sql;

/// <summary>A single-transaction key-value store for engine tests: a sorted map with unsigned byte order, counters
/// of the calls the engine makes (to prove point lookups use GetAsync), and the conflict checks it registered.</summary>
internal sealed class InMemoryTransactionStore : ITransactionStore
{
    private readonly SortedDictionary<byte[], byte[]> _data = new(KeyComparer.Instance);
    private long _nextUniqueId = 1;

    public int GetCalls { get; private set; }
    public int ScanCalls { get; private set; }

    /// <summary>Multi-key reads (each also counts its keys in <see cref="GetCalls"/>).</summary>
    public int GetManyCalls { get; private set; }

    /// <summary>Rows handed out by scans: how far the readers read.</summary>
    public int RowsScanned { get; private set; }
    public List<(byte[] Start, byte[] End)> Scans { get; } = [];
    public List<(byte[] Key, bool IsSchema)> ConflictChecks { get; } = [];
    public int Count => _data.Count;

    public void ResetCounters()
    {
        GetCalls = 0;
        GetManyCalls = 0;
        ScanCalls = 0;
        RowsScanned = 0;
        Scans.Clear();
        ConflictChecks.Clear();
    }

    public ValueTask<byte[]?> GetAsync(byte[] key, CancellationToken cancellationToken)
    {
        GetCalls++;
        return ValueTask.FromResult(_data.TryGetValue(key, out byte[]? value) ? value : null);
    }

    public async ValueTask<byte[]?[]> GetManyAsync(IReadOnlyList<byte[]> keys, CancellationToken cancellationToken)
    {
        GetManyCalls++;
        var values = new byte[]?[keys.Count];
        for (var index = 0; index < keys.Count; index++)
        {
            values[index] = await GetAsync(keys[index], cancellationToken);
        }
        return values;
    }

    public async IAsyncEnumerable<KeyValuePair<byte[], byte[]>> ScanAsync(byte[] startInclusive, byte[] endExclusive,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ScanCalls++;
        Scans.Add((startInclusive, endExclusive));
        // Snapshot the range, as a real store iterates a snapshot plus the transaction's overlay.
        var entries = _data.Where(entry => KeyComparer.Instance.Compare(entry.Key, startInclusive) >= 0
            && KeyComparer.Instance.Compare(entry.Key, endExclusive) < 0).ToList();
        foreach (var entry in entries)
        {
            await Task.Yield();
            RowsScanned++;
            yield return entry;
        }
    }

    public void Put(byte[] key, byte[] value) => _data[key] = value;

    public void Delete(byte[] key) => _data.Remove(key);

    public void AddConflictCheck(byte[] key, bool isSchema) => ConflictChecks.Add((key, isSchema));

    public long NextUniqueId() => _nextUniqueId++;

    public IEnumerable<byte[]> Keys => _data.Keys;
}
