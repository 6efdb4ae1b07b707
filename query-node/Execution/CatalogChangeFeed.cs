using Log.Journal.Client;
using Log.Journal.Records;
using Log.StorageNode;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Log.QueryNode.Execution;

/// <summary>
/// Tells a query node about catalog changes committed through any query node: it reads the journal partition and
/// calls <c>onChange</c> (which moves the engine's catalog version, so cached plans are bound again) for every commit
/// that writes a definition key. A transaction waits at BEGIN (<see cref="WaitThroughAsync"/>) until the feed has read
/// every record below its fence's offset, after it read the catalog version and took its snapshot: so a DDL in its
/// snapshot has moved the version by the time the transaction looks for a cached plan, and no plan bound before the
/// DDL is taken as current.
///
/// One reader loop; a failed read is retried from the next offset after <see cref="RetryDelay"/>. Dispose stops it.
/// </summary>
public sealed class CatalogChangeFeed : ICatalogChanges
{
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>How long a transaction waits at BEGIN for the feed to reach its fence before it fails with 57P03 (the
    /// journal is unreachable or far behind), as a read that waits for storage does.</summary>
    public static readonly TimeSpan WaitMax = TimeSpan.FromSeconds(30);

    private readonly IJournalReader reader;
    private readonly int partition;
    private readonly Func<byte[], bool> changesDefinitions;
    private readonly Action onChange;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock gate = new();
    private readonly List<(long Offset, TaskCompletionSource Reached)> waiters = [];
    private long nextOffset;
    private Task loop = Task.CompletedTask;

    public CatalogChangeFeed(IJournalReader reader, int partition, long fromOffset, Func<byte[], bool> changesDefinitions,
        Action onChange, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentOutOfRangeException.ThrowIfNegative(fromOffset);
        this.reader = reader;
        this.partition = partition;
        this.changesDefinitions = changesDefinitions;
        this.onChange = onChange;
        this.logger = logger ?? NullLogger.Instance;
        nextOffset = fromOffset;
    }

    /// <summary>The offset of the next record the feed will read: it has seen every record below it.</summary>
    public long NextOffset
    {
        get
        {
            lock (gate)
            {
                return nextOffset;
            }
        }
    }

    public void Start() => loop = Task.Run(() => RunAsync(stopping.Token), CancellationToken.None);

    /// <summary>Completes once every record below the snapshot's journal offset has been seen.</summary>
    public Task WaitThroughAsync(Snapshot snapshot, CancellationToken cancellationToken) =>
        WaitThroughAsync(snapshot.JournalEndOffset, cancellationToken);

    /// <summary>Completes once every record below <paramref name="endOffset"/> has been seen; fails with
    /// <see cref="StorageUnavailableException"/> past <see cref="WaitMax"/>.</summary>
    public Task WaitThroughAsync(long endOffset, CancellationToken cancellationToken)
    {
        TaskCompletionSource reached;
        lock (gate)
        {
            if (nextOffset >= endOffset) return Task.CompletedTask;
            reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((endOffset, reached));
        }
        return WaitAsync(reached.Task, endOffset, cancellationToken);
    }

    private async Task WaitAsync(Task reached, long endOffset, CancellationToken cancellationToken)
    {
        try
        {
            await reached.WaitAsync(WaitMax, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new StorageUnavailableException(
                $"the journal's catalog changes did not reach offset {endOffset} within {WaitMax.TotalSeconds:0} s (at {NextOffset})");
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var entry in reader.ReadAsync(partition, NextOffset, cancellationToken).ConfigureAwait(false))
                {
                    if (entry.Record.Kind is JournalRecordKind.Commit or JournalRecordKind.CommitFragment or JournalRecordKind.Prepare
                        && entry.Record.Writes.Any(write => changesDefinitions(write.Key)))
                    {
                        onChange();
                    }
                    Advance(entry.Offset + 1);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Reading catalog changes from the journal failed; trying again");
                try
                {
                    await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Advance(long next)
    {
        List<TaskCompletionSource>? reached = null;
        lock (gate)
        {
            nextOffset = next;
            for (var index = waiters.Count - 1; index >= 0; index--)
            {
                if (waiters[index].Offset <= next)
                {
                    (reached ??= []).Add(waiters[index].Reached);
                    waiters.RemoveAt(index);
                }
            }
        }
        reached?.ForEach(waiter => waiter.TrySetResult());
    }

    public async ValueTask DisposeAsync()
    {
        stopping.Cancel();
        await loop.ConfigureAwait(false);
        lock (gate)
        {
            foreach (var (_, reached) in waiters) reached.TrySetCanceled();
            waiters.Clear();
        }
    }
}
