using Log.Journal.Client;

namespace Log.Journal.Tests;

public sealed class CoalescedEndOffsetsTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_caller_never_gets_the_answer_of_a_query_that_started_before_its_call()
    {
        var queries = new List<TaskCompletionSource<long>>();
        var started = new SemaphoreSlim(0);
        var endOffsets = new CoalescedEndOffsets((_, _) =>
        {
            var query = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (queries) queries.Add(query);
            started.Release();
            return query.Task;
        }, CancellationToken.None);

        var first = endOffsets.GetEndOffsetAsync(0, CancellationToken.None);
        Assert.True(await started.WaitAsync(TestTimeout));
        // Both call while the first query runs: they share the next one, and must not get the first's answer.
        var second = endOffsets.GetEndOffsetAsync(0, CancellationToken.None);
        var third = endOffsets.GetEndOffsetAsync(0, CancellationToken.None);
        queries[0].SetResult(5);
        Assert.Equal(5, await first.WaitAsync(TestTimeout));
        Assert.True(await started.WaitAsync(TestTimeout));
        Assert.False(second.IsCompleted);
        queries[1].SetResult(7);

        Assert.Equal(7, await second.WaitAsync(TestTimeout));
        Assert.Equal(7, await third.WaitAsync(TestTimeout));
        Assert.Equal(2, queries.Count);
    }

    [Fact]
    public async Task A_failed_query_fails_its_callers_and_the_next_call_queries_again()
    {
        var calls = 0;
        var endOffsets = new CoalescedEndOffsets((_, _) => ++calls == 1
            ? Task.FromException<long>(new InvalidOperationException("journal down"))
            : Task.FromResult(11L), CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => endOffsets.GetEndOffsetAsync(3, CancellationToken.None).WaitAsync(TestTimeout));
        Assert.Equal(11, await endOffsets.GetEndOffsetAsync(3, CancellationToken.None).WaitAsync(TestTimeout));
    }
}
