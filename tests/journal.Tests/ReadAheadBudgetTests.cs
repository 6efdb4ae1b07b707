using Log.Journal.Client;

namespace Log.Journal.Tests;

public sealed class ReadAheadBudgetTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task TheProducerWaitsWhileTheBytesHeldWouldPassTheBoundAndGoesOnWhenTheConsumerTakesThem()
    {
        var budget = new ReadAheadBudget(bytesMax: 100);
        budget.Take(60, CancellationToken.None);
        budget.Take(40, CancellationToken.None);
        var blocked = Task.Run(() => budget.Take(10, CancellationToken.None));
        await Task.Delay(200);
        Assert.False(blocked.IsCompleted, "a take past the bound did not wait");
        Assert.Equal(100, budget.BytesHeld);

        budget.Return(60);
        await blocked.WaitAsync(Timeout);
        Assert.Equal(50, budget.BytesHeld);
    }

    [Fact]
    public async Task ARecordLargerThanTheWholeBoundPassesAloneAndACancelledWaitEnds()
    {
        var budget = new ReadAheadBudget(bytesMax: 100);
        budget.Take(500, CancellationToken.None); // alone: it passes
        using var stop = new CancellationTokenSource();
        var blocked = Task.Run(() => budget.Take(1, stop.Token));
        await Task.Delay(200);
        Assert.False(blocked.IsCompleted, "a take beside an oversized record did not wait");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(Timeout));
        budget.Return(500);
        Assert.Equal(0, budget.BytesHeld);
        budget.Take(500, CancellationToken.None);
        Assert.Equal(500, budget.BytesHeld);
    }
}
