using System.Runtime.CompilerServices;
using Log.Adjudicator;
using Log.Journal.Time;
using Log.QueryNode.Execution;
using Log.QueryNode.Sessions;
using Log.QueryNode.Sql;
using Log.StorageNode;
using Log.Wire;
using Microsoft.Extensions.Logging.Abstractions;
using Log.Journal.Records;

namespace Log.QueryNode.Tests.Sessions;

/// <summary>
/// An in-memory stand-in for the adjudicator and storage: MVCC versions per key, and first-committer-wins on the
/// keys a transaction wrote or checked, the rule the real adjudicator applies. Enough to run real sessions.
/// </summary>
internal sealed class InMemoryCluster : IAdjudicator, IStorageReader, INewestVersionLookup
{
    private readonly SortedDictionary<byte[], List<(HybridTimestamp At, byte[]? Value)>> versions = new(KeyComparer.Instance);
    private readonly object gate = new();

    public HybridClock Clock { get; } = new();
    public SqlEngine Engine { get; init; } = new();
    public int Commits { get; private set; }
    public TransactionLimits Limits { get; init; } = new();

    /// <summary>The sessions' shared registry of first writers, as a query node's factory gives its sessions one.</summary>
    public LocalWriters LocalWriters { get; } = new();

    /// <summary>A session of this query node, or with <paramref name="otherNode"/> one that commits through the same
    /// adjudicator but whose writers this node's registry does not see (another query node's).</summary>
    public QuerySession Connect(IReadOnlyDictionary<string, string>? parameters = null, bool otherNode = false) =>
        new(new PgStartup("postgres", "postgres", parameters ?? new Dictionary<string, string>(), 1, 2), Engine, this, this, Clock,
            Limits, NullLogger.Instance) { LocalWriters = otherNode ? new LocalWriters() : LocalWriters };

    public Task<CommitResult> CommitAsync(CommitRequest request, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            foreach (var key in request.Writes.Select(write => write.Key).Concat(request.Checks.Select(check => check.Key)))
            {
                if (versions.TryGetValue(key, out var history) && history[^1].At > request.StartTimestamp)
                {
                    bool schema = request.Checks.Any(check => check.Kind == ConflictCheckKind.Schema && KeyComparer.Instance.Equals(check.Key, key));
                    return Task.FromResult(new CommitResult(schema ? CommitOutcome.SchemaConflict : CommitOutcome.DataConflict, default, -1, key));
                }
            }
            var at = Clock.Now();
            foreach (var write in request.Writes)
            {
                if (!versions.TryGetValue(write.Key, out var history))
                {
                    versions[write.Key] = history = [];
                }
                history.Add((at, write.Value));
            }
            Commits++;
            return Task.FromResult(new CommitResult(CommitOutcome.Committed, at, Commits, null));
        }
    }

    public Task<ReadFence> CloseTimestampAsync(HybridTimestamp timestamp, CancellationToken cancellationToken) =>
        Task.FromResult(new ReadFence(timestamp, 0, 0));

    /// <summary>Point reads asked of storage (GetAsync, or one GetManyAsync of several keys): a statement's round trips.</summary>
    public int PointReads { get; private set; }

    public ValueTask<byte[]?> GetAsync(byte[] key, ReadPoint at, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            PointReads++;
            return ValueTask.FromResult(Visible(key, at));
        }
    }

    public ValueTask<byte[]?[]> GetManyAsync(IReadOnlyList<byte[]> keys, ReadPoint at, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            PointReads++;
            return ValueTask.FromResult(keys.Select(key => Visible(key, at)).ToArray());
        }
    }

    /// <summary>Whether the stand-in answers <see cref="NewestCommitTimestamp"/> (so that sessions fail conflicting
    /// writes early, as over a replica in their process); off, it never knows, as a replica elsewhere.</summary>
    public bool TellsNewestVersions { get; init; }

    public HybridTimestamp NewestCommitTimestamp(byte[] key)
    {
        lock (gate)
        {
            return TellsNewestVersions && versions.TryGetValue(key, out var history) ? history[^1].At : HybridTimestamp.Zero;
        }
    }

    private byte[]? Visible(byte[] key, ReadPoint at) => versions.TryGetValue(key, out var history) ? VisibleValue(history, at.Timestamp) : null;

    public ValueTask<IReadOnlyList<KeyValue>> ScanAsync(byte[] startInclusive, byte[]? endExclusive, ReadPoint at, int limit,
        CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var page = new List<KeyValue>();
            foreach (var (key, history) in versions)
            {
                if (KeyComparer.Instance.Compare(key, startInclusive) < 0) continue;
                if (endExclusive is not null && KeyComparer.Instance.Compare(key, endExclusive) >= 0) break;
                if (VisibleValue(history, at.Timestamp) is { } value) page.Add(new KeyValue(key, value));
                if (page.Count == limit) break;
            }
            return ValueTask.FromResult<IReadOnlyList<KeyValue>>(page);
        }
    }

    private static byte[]? VisibleValue(List<(HybridTimestamp At, byte[]? Value)> history, HybridTimestamp at)
    {
        for (int index = history.Count - 1; index >= 0; index--)
        {
            if (history[index].At <= at) return history[index].Value;
        }
        return null;
    }
}

/// <summary>Records what a session writes, one line per message, rows as their text ("1|a", NULL as "NULL").</summary>
internal sealed class RecordingWriter : IPgResponseWriter
{
    private IReadOnlyList<PgField>? fields;

    public List<string> Messages { get; } = [];
    public List<object?[]> TypedRows { get; } = [];
    public Queue<byte[]> CopyInData { get; } = new();
    public List<string> CopyOutData { get; } = [];
    /// <summary>The CopyData payloads as sent (binary COPY's are not UTF-8).</summary>
    public List<byte[]> CopyOutBytes { get; } = [];

    /// <summary>The fields for DataRow in a portal (the server sets them from Describe in real life).</summary>
    public void UseFields(IReadOnlyList<PgField>? portalFields) => fields = portalFields;

    public void RowDescription(IReadOnlyList<PgField> rowFields)
    {
        fields = rowFields;
        Messages.Add("RowDescription " + string.Join(",", rowFields.Select(field => $"{field.Name}:{field.TypeOid}")));
    }

    public void DataRow(IReadOnlyList<string?> textValues) => Messages.Add("DataRow " + string.Join("|", textValues.Select(value => value ?? "NULL")));

    public void DataRow(IReadOnlyList<object?> values)
    {
        TypedRows.Add(values.ToArray());
        var settings = Wire.Types.PgTypeSettings.Default;
        Messages.Add("DataRow " + string.Join("|", values.Select((value, index) =>
            Wire.Types.PgTypes.EncodeText(value, fields![index].TypeOid, settings) ?? "NULL")));
    }

    public void CommandComplete(string tag) => Messages.Add("CommandComplete " + tag);
    public void EmptyQueryResponse() => Messages.Add("EmptyQueryResponse");
    public void Error(PgError error) => Messages.Add($"Error {error.SqlState} {error.Message}");
    public void Notice(PgError notice) => Messages.Add($"Notice {notice.SqlState} {notice.Message}");
    public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<IPgCopyIn> CopyInAsync(PgCopyFormat format, int columnCount, CancellationToken cancellationToken)
    {
        Messages.Add($"CopyInResponse {columnCount}");
        return ValueTask.FromResult<IPgCopyIn>(new CopyIn(CopyInData));
    }

    public IPgCopyOut CopyOut(PgCopyFormat format, int columnCount)
    {
        Messages.Add($"CopyOutResponse {columnCount}");
        return new CopyOutRecorder(CopyOutData, CopyOutBytes);
    }

    private sealed class CopyIn(Queue<byte[]> data) : IPgCopyIn
    {
        public ValueTask<ReadOnlyMemory<byte>?> ReadAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(data.TryDequeue(out var next) ? new ReadOnlyMemory<byte>(next) : (ReadOnlyMemory<byte>?)null);
    }

    private sealed class CopyOutRecorder(List<string> output, List<byte[]> bytes) : IPgCopyOut
    {
        public void CopyData(ReadOnlySpan<byte> data)
        {
            output.Add(System.Text.Encoding.UTF8.GetString(data));
            bytes.Add(data.ToArray());
        }

        public void Done() => output.Add("CopyDone");
    }
}

internal static class SessionExtensions
{
    /// <summary>Runs a simple Query and returns what the session wrote.</summary>
    public static async Task<List<string>> QueryAsync(this QuerySession session, string sql, CancellationToken cancellationToken = default)
    {
        var writer = new RecordingWriter();
        await session.ExecuteSimpleQueryAsync(sql, writer, cancellationToken);
        return writer.Messages;
    }

    /// <summary>The DataRows of a simple Query, as text.</summary>
    public static async Task<List<string>> RowsAsync(this QuerySession session, string sql) =>
        (await session.QueryAsync(sql)).Where(message => message.StartsWith("DataRow ", StringComparison.Ordinal))
            .Select(message => message["DataRow ".Length..]).ToList();
}
