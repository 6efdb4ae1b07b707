namespace Log.Journal.Client;

/// <summary>
/// Shares end-offset queries between callers without giving any of them a stale answer: a caller joins the next query
/// that has not started yet (one query runs at a time per partition), so the answer it gets was taken after its call
/// began, which is what <see cref="IJournalEndOffsets"/> promises. Many transactions beginning at once then cost one
/// round trip to the journal per query rather than one each. Thread-safe.
/// </summary>
public sealed class CoalescedEndOffsets(Func<int, CancellationToken, Task<long>> query, CancellationToken stopping) : IJournalEndOffsets
{
    private readonly Lock gate = new();
    private readonly Dictionary<int, PartitionQueries> partitions = [];

    public Task<long> GetEndOffsetAsync(int partition, CancellationToken cancellationToken)
    {
        Task<long> answer;
        lock (gate)
        {
            if (!partitions.TryGetValue(partition, out var queries))
            {
                partitions[partition] = queries = new PartitionQueries();
            }
            queries.Next ??= new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            answer = queries.Next.Task;
            if (!queries.Running)
            {
                queries.Running = true;
                _ = Task.Run(() => RunAsync(partition, queries), CancellationToken.None);
            }
        }
        return answer.WaitAsync(cancellationToken);
    }

    /// <summary>Runs the queries of one partition, one at a time, until no caller waits for another.</summary>
    private async Task RunAsync(int partition, PartitionQueries queries)
    {
        while (true)
        {
            TaskCompletionSource<long> batch;
            lock (gate)
            {
                if (queries.Next is null)
                {
                    queries.Running = false;
                    return;
                }
                // Everyone waiting on this batch called before the query below starts.
                batch = queries.Next;
                queries.Next = null;
            }
            try
            {
                batch.TrySetResult(await query(partition, stopping).ConfigureAwait(false));
            }
            catch (Exception exception)
            {
                batch.TrySetException(exception);
            }
        }
    }

    private sealed class PartitionQueries
    {
        public TaskCompletionSource<long>? Next;
        public bool Running;
    }
}
