using Log.Journal.Time;
using Log.QueryNode.Execution;

namespace Log.QueryNode.Tests.Execution;

/// <summary>The node's registry of first writers: a second writer waits for the first to end, learns whether it
/// committed after its own start, and never waits in a cycle or past its bound.</summary>
public sealed class LocalWritersTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);
    private static readonly byte[] Key = [1, 2, 3];
    private static readonly byte[] OtherKey = [4, 5, 6];
    private static readonly HybridTimestamp Start = HybridTimestamp.From(1_000, 0);

    /// <summary><paramref name="waiter"/> asks for <paramref name="key"/>, held by <paramref name="holder"/>: it waits
    /// until the holder ends without committing, then holds the key.</summary>
    private static async Task AssertTakesItWhenTheHolderEndsAsync(LocalWriters registry, LocalWriter waiter, byte[] key, LocalWriter holder)
    {
        var waiting = registry.HoldAsync(waiter, key, Long, Start, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        holder.End(HybridTimestamp.Zero);
        Assert.True(await waiting.WaitAsync(Long));
    }

    [Fact]
    public async Task A_free_key_is_held_at_once_and_released_when_its_writer_ends()
    {
        var registry = new LocalWriters();
        var writer = new LocalWriter(registry);
        Assert.True(await registry.HoldAsync(writer, Key, Long, Start, CancellationToken.None));
        Assert.True(await registry.HoldAsync(writer, Key, Long, Start, CancellationToken.None));
        Assert.Equal(1, registry.HeldKeyCount);
        writer.End(HybridTimestamp.Zero);
        Assert.Equal(0, registry.HeldKeyCount);
    }

    [Fact]
    public async Task A_second_writer_waits_and_loses_the_key_to_a_commit_after_its_start()
    {
        var registry = new LocalWriters();
        var first = new LocalWriter(registry);
        var second = new LocalWriter(registry);
        Assert.True(await registry.HoldAsync(first, Key, Long, Start, CancellationToken.None));
        var waiting = registry.HoldAsync(second, Key, Long, Start, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        first.End(HybridTimestamp.From(2_000, 0));
        Assert.False(await waiting);
        Assert.Equal(0, registry.HeldKeyCount);
    }

    [Fact]
    public async Task A_second_writer_takes_the_key_when_the_first_ends_without_committing()
    {
        var registry = new LocalWriters();
        var first = new LocalWriter(registry);
        var second = new LocalWriter(registry);
        var third = new LocalWriter(registry);
        await registry.HoldAsync(first, Key, Long, Start, CancellationToken.None);
        var waiting = registry.HoldAsync(second, Key, Long, Start, CancellationToken.None).AsTask();
        first.End(HybridTimestamp.Zero);
        Assert.True(await waiting);
        // The key is the second's now: a third waits for it.
        await AssertTakesItWhenTheHolderEndsAsync(registry, third, Key, second);
    }

    [Fact]
    public async Task A_commit_at_or_below_the_start_does_not_fail_the_waiter()
    {
        var registry = new LocalWriters();
        var first = new LocalWriter(registry);
        var second = new LocalWriter(registry);
        await registry.HoldAsync(first, Key, Long, Start, CancellationToken.None);
        var waiting = registry.HoldAsync(second, Key, Long, Start, CancellationToken.None).AsTask();
        first.End(Start);
        Assert.True(await waiting);
    }

    [Fact]
    public async Task Writers_that_would_wait_for_each_other_do_not_wait()
    {
        var registry = new LocalWriters();
        var first = new LocalWriter(registry);
        var second = new LocalWriter(registry);
        await registry.HoldAsync(first, Key, Long, Start, CancellationToken.None);
        await registry.HoldAsync(second, OtherKey, Long, Start, CancellationToken.None);
        var firstWaiting = registry.HoldAsync(first, OtherKey, Long, Start, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(firstWaiting.IsCompleted);
        // The second would close the cycle: it goes on at once, as without the registry (the adjudicator decides).
        var secondWaiting = registry.HoldAsync(second, Key, Long, Start, CancellationToken.None).AsTask();
        Assert.True(await secondWaiting.WaitAsync(Long));
        second.End(HybridTimestamp.Zero);
        Assert.True(await firstWaiting.WaitAsync(Long));
    }

    [Fact]
    public async Task A_writer_that_never_ends_is_waited_for_at_most_the_bound_then_taken_over()
    {
        var registry = new LocalWriters();
        var forgotten = new LocalWriter(registry);
        var second = new LocalWriter(registry);
        var third = new LocalWriter(registry);
        await registry.HoldAsync(forgotten, Key, Long, Start, CancellationToken.None);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(await registry.HoldAsync(second, Key, TimeSpan.FromMilliseconds(100), Start, CancellationToken.None));
        Assert.True(waited.Elapsed >= TimeSpan.FromMilliseconds(90), $"waited {waited.Elapsed}");
        // The forgotten writer's end no longer releases the key it lost.
        forgotten.End(HybridTimestamp.Zero);
        Assert.Equal(1, registry.HeldKeyCount);
        await AssertTakesItWhenTheHolderEndsAsync(registry, third, Key, second);
    }

    [Fact]
    public async Task A_reservation_waits_for_the_holder_whatever_it_did_and_then_holds_the_key()
    {
        var registry = new LocalWriters();
        var first = new LocalWriter(registry);
        await registry.HoldAsync(first, Key, Long, Start, CancellationToken.None);
        var reserving = registry.ReserveAsync(Key, Long, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(reserving.IsCompleted);
        first.End(HybridTimestamp.From(2_000, 0));
        var reserved = await reserving;
        Assert.Equal(1, registry.HeldKeyCount);
        reserved.End(HybridTimestamp.Zero);
        Assert.Equal(0, registry.HeldKeyCount);
    }

    [Fact]
    public async Task A_cancelled_wait_holds_nothing_and_waits_for_nobody()
    {
        var registry = new LocalWriters();
        var first = new LocalWriter(registry);
        var second = new LocalWriter(registry);
        await registry.HoldAsync(first, Key, Long, Start, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = registry.HoldAsync(second, Key, Long, Start, cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        // first may now wait for second's keys without a false cycle.
        await registry.HoldAsync(second, OtherKey, Long, Start, CancellationToken.None);
        await AssertTakesItWhenTheHolderEndsAsync(registry, first, OtherKey, second);
    }

    private static readonly HybridTimestamp AfterStart = HybridTimestamp.From(2_000, 0);

    private static bool WroteAll(byte[] key) => true;

    private static bool WroteNothing(byte[] key) => false;

    /// <summary>A writer of <paramref name="key"/> that commits it at <paramref name="at"/>.</summary>
    private static async Task CommitAsync(LocalWriters registry, byte[] key, HybridTimestamp at)
    {
        var writer = new LocalWriter(registry);
        Assert.True(await registry.HoldAsync(writer, key, Long, committedAbove: null, CancellationToken.None));
        writer.End(at, WroteAll);
    }

    [Fact]
    public async Task A_writer_older_than_a_commit_of_the_key_loses_it_at_once_while_another_holds_it()
    {
        var registry = new LocalWriters();
        await CommitAsync(registry, Key, AfterStart);
        var holder = new LocalWriter(registry);
        Assert.True(await registry.HoldAsync(holder, Key, Long, AfterStart, CancellationToken.None));
        var older = new LocalWriter(registry);
        Assert.False(await registry.HoldAsync(older, Key, Long, Start, CancellationToken.None).AsTask().WaitAsync(Long));
        // It held nothing: the key is still the holder's, and the older writer's end releases nothing of it.
        older.End(HybridTimestamp.Zero);
        Assert.Equal(1, registry.HeldKeyCount);
        holder.End(HybridTimestamp.Zero);
        // A writer whose snapshot holds the commit takes the key.
        Assert.True(await registry.HoldAsync(new LocalWriter(registry), Key, Long, AfterStart, CancellationToken.None));
    }

    [Fact]
    public async Task Only_committed_writes_are_remembered()
    {
        var registry = new LocalWriters();
        // Rolled back, reserved and not written, and written but told as not: none fails an older writer.
        var rolledBack = new LocalWriter(registry);
        await registry.HoldAsync(rolledBack, Key, Long, committedAbove: null, CancellationToken.None);
        rolledBack.End(HybridTimestamp.Zero, WroteAll);
        var reserved = await registry.ReserveAsync(Key, Long, CancellationToken.None);
        reserved.End(AfterStart, WroteNothing);
        var untold = new LocalWriter(registry);
        await registry.HoldAsync(untold, Key, Long, committedAbove: null, CancellationToken.None);
        untold.End(AfterStart);
        var writer = new LocalWriter(registry);
        Assert.True(await registry.HoldAsync(writer, Key, Long, Start, CancellationToken.None));
        writer.End(HybridTimestamp.Zero);
        // A reservation asks for no start: a commit never fails it.
        await CommitAsync(registry, Key, AfterStart);
        (await registry.ReserveAsync(Key, Long, CancellationToken.None)).End(HybridTimestamp.Zero);
    }

    [Fact]
    public async Task The_later_of_two_commits_of_a_key_is_kept_whichever_ends_last()
    {
        var registry = new LocalWriters();
        var later = HybridTimestamp.From(3_000, 0);
        await CommitAsync(registry, Key, later);
        await CommitAsync(registry, Key, AfterStart);
        Assert.False(await registry.HoldAsync(new LocalWriter(registry), Key, Long, AfterStart, CancellationToken.None));
        Assert.True(await registry.HoldAsync(new LocalWriter(registry), Key, Long, later, CancellationToken.None));
    }

    [Fact]
    public async Task Commits_are_remembered_for_a_bounded_number_of_keys()
    {
        var registry = new LocalWriters();
        await CommitAsync(registry, Key, AfterStart);
        // One generation later the key is still known; two generations of other keys push it out.
        for (var index = 0; index < LocalWriters.RecentCommitsMax; index++)
        {
            await CommitAsync(registry, BitConverter.GetBytes(index), AfterStart);
        }
        Assert.False(await registry.HoldAsync(new LocalWriter(registry), Key, Long, Start, CancellationToken.None));
        for (var index = LocalWriters.RecentCommitsMax; index < 2 * LocalWriters.RecentCommitsMax; index++)
        {
            await CommitAsync(registry, BitConverter.GetBytes(index), AfterStart);
        }
        var forgotten = new LocalWriter(registry);
        Assert.True(await registry.HoldAsync(forgotten, Key, Long, Start, CancellationToken.None));
        forgotten.End(HybridTimestamp.Zero);
    }
}
