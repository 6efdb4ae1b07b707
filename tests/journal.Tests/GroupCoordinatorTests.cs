using Log.Journal.Node.Groups;
using ErrorCode = Log.Journal.Node.Protocol.ErrorCode;

namespace Log.Journal.Tests;

/// <summary>A clock that moves only when told.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long ticks = 1_000_000;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
}

/// <summary>The group membership protocol alone, with no network and a hand-driven clock.</summary>
public sealed class GroupCoordinatorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
    private readonly ManualTimeProvider time = new();
    private readonly GroupCoordinator coordinator;

    public GroupCoordinatorTests()
    {
        coordinator = new GroupCoordinator(new GroupCoordinatorLimits(
            MinimumSessionTimeoutMs: 1_000, MaximumSessionTimeoutMs: 60_000, InitialRebalanceDelayMs: 0,
            MaximumGroups: 10, MaximumMembersPerGroup: 10), time);
    }

    private static JoinGroupRequestData Join(string memberId, string client, params string[] protocols) => new(
        "group", memberId, null, client, SessionTimeoutMs: 10_000, RebalanceTimeoutMs: 30_000, "consumer",
        [.. protocols.Select(name => new GroupProtocol(name, System.Text.Encoding.UTF8.GetBytes($"{client}:{name}")))]);

    [Fact]
    public async Task Members_rebalance_into_one_generation_and_the_leader_assignment_is_relayed()
    {
        var first = await coordinator.JoinAsync(Join("", "a", "range", "roundrobin")).WaitAsync(Patience);
        Assert.Equal(ErrorCode.None, first.ErrorCode);
        Assert.Equal(1, first.GenerationId);
        Assert.Equal(first.MemberId, first.LeaderId);
        Assert.Single(first.Members);
        var synced = await coordinator.SyncAsync("group", 1, first.MemberId, [(first.MemberId, [1])]).WaitAsync(Patience);
        Assert.Equal(ErrorCode.None, synced.ErrorCode);
        Assert.Equal(new byte[] { 1 }, synced.Assignment);

        // A second member: the first learns of the rebalance from its heartbeat and rejoins.
        var secondJoin = coordinator.JoinAsync(Join("", "b", "roundrobin", "range"));
        Assert.False(secondJoin.IsCompleted);
        Assert.Equal(ErrorCode.RebalanceInProgress, coordinator.Heartbeat("group", 1, first.MemberId));
        var firstAgain = await coordinator.JoinAsync(Join(first.MemberId, "a", "range", "roundrobin")).WaitAsync(Patience);
        var second = await secondJoin.WaitAsync(Patience);
        Assert.Equal(2, firstAgain.GenerationId);
        Assert.Equal(2, second.GenerationId);
        Assert.Equal(first.MemberId, second.LeaderId);
        Assert.Equal(2, firstAgain.Members.Count);
        Assert.Empty(second.Members);
        // One vote each: the tie goes to the leader's preference.
        Assert.Equal("range", second.ProtocolName);

        // The follower waits for the leader's assignment, then gets its own share only.
        var followerSync = coordinator.SyncAsync("group", 2, second.MemberId, []);
        Assert.False(followerSync.IsCompleted);
        var leaderSync = await coordinator.SyncAsync("group", 2, first.MemberId, [(first.MemberId, [10]), (second.MemberId, [20])]).WaitAsync(Patience);
        Assert.Equal(new byte[] { 10 }, leaderSync.Assignment);
        Assert.Equal(new byte[] { 20 }, (await followerSync.WaitAsync(Patience)).Assignment);
        Assert.Equal(ErrorCode.None, coordinator.Heartbeat("group", 2, second.MemberId));
        Assert.Equal(ErrorCode.IllegalGeneration, coordinator.Heartbeat("group", 1, second.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, coordinator.Heartbeat("group", 2, "nobody"));
    }

    [Fact]
    public async Task A_silent_member_is_removed_after_its_session_and_the_rest_rebalance()
    {
        var first = await coordinator.JoinAsync(Join("", "a", "range")).WaitAsync(Patience);
        var secondJoin = coordinator.JoinAsync(Join("", "b", "range"));
        var firstAgain = await coordinator.JoinAsync(Join(first.MemberId, "a", "range")).WaitAsync(Patience);
        var second = await secondJoin.WaitAsync(Patience);
        await coordinator.SyncAsync("group", firstAgain.GenerationId, first.MemberId, []).WaitAsync(Patience);
        Assert.Equal(2, coordinator.MemberCounts()["group"]);

        // The second member keeps heartbeating; the first goes quiet past its 10 s session.
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(ErrorCode.None, coordinator.Heartbeat("group", second.GenerationId, second.MemberId));
        time.Advance(TimeSpan.FromSeconds(6));
        coordinator.Expire();
        Assert.Equal(ErrorCode.RebalanceInProgress, coordinator.Heartbeat("group", second.GenerationId, second.MemberId));
        var alone = await coordinator.JoinAsync(Join(second.MemberId, "b", "range")).WaitAsync(Patience);
        Assert.Equal(ErrorCode.None, alone.ErrorCode);
        Assert.Equal(second.MemberId, alone.LeaderId);
        Assert.Single(alone.Members);
        Assert.Equal(ErrorCode.UnknownMemberId, coordinator.Heartbeat("group", alone.GenerationId, first.MemberId));
    }

    [Fact]
    public async Task A_member_that_does_not_rejoin_in_time_is_dropped_from_the_generation()
    {
        var first = await coordinator.JoinAsync(Join("", "a", "range")).WaitAsync(Patience);
        await coordinator.SyncAsync("group", 1, first.MemberId, []).WaitAsync(Patience);
        var secondJoin = coordinator.JoinAsync(Join("", "b", "range"));
        // The first keeps heartbeating (so its session holds) but never rejoins.
        for (var step = 0; step < 4; step++)
        {
            time.Advance(TimeSpan.FromSeconds(8));
            Assert.Equal(ErrorCode.RebalanceInProgress, coordinator.Heartbeat("group", 1, first.MemberId));
            coordinator.Expire();
        }
        var second = await secondJoin.WaitAsync(Patience);
        Assert.Equal(ErrorCode.None, second.ErrorCode);
        Assert.Equal(second.MemberId, second.LeaderId);
        Assert.Single(second.Members);
    }

    [Fact]
    public async Task Leaving_rebalances_and_offset_commits_follow_kafka_rules()
    {
        Assert.Equal(ErrorCode.None, coordinator.ValidateOffsetCommit("group", -1, ""));
        Assert.Equal(ErrorCode.IllegalGeneration, coordinator.ValidateOffsetCommit("group", 3, "someone"));
        var first = await coordinator.JoinAsync(Join("", "a", "range")).WaitAsync(Patience);
        Assert.Equal(ErrorCode.RebalanceInProgress, coordinator.ValidateOffsetCommit("group", 1, first.MemberId));
        await coordinator.SyncAsync("group", 1, first.MemberId, []).WaitAsync(Patience);
        Assert.Equal(ErrorCode.None, coordinator.ValidateOffsetCommit("group", 1, first.MemberId));
        Assert.Equal(ErrorCode.IllegalGeneration, coordinator.ValidateOffsetCommit("group", 0, first.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, coordinator.ValidateOffsetCommit("group", 1, "stranger"));
        Assert.Equal(ErrorCode.None, coordinator.Leave("group", first.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, coordinator.Leave("group", first.MemberId));
        Assert.Equal(ErrorCode.None, coordinator.ValidateOffsetCommit("group", -1, ""));
    }

    [Fact]
    public async Task Joins_that_cannot_work_are_refused()
    {
        Assert.Equal(ErrorCode.UnknownMemberId, (await coordinator.JoinAsync(Join("made-up", "a", "range"))).ErrorCode);
        Assert.Equal(ErrorCode.InvalidSessionTimeout,
            (await coordinator.JoinAsync(Join("", "a", "range") with { SessionTimeoutMs = 10 })).ErrorCode);
        var first = await coordinator.JoinAsync(Join("", "a", "range")).WaitAsync(Patience);
        Assert.Equal(ErrorCode.None, first.ErrorCode);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, (await coordinator.JoinAsync(Join("", "b", "sticky"))).ErrorCode);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol,
            (await coordinator.JoinAsync(Join("", "b", "range") with { ProtocolType = "connect" })).ErrorCode);
    }
}
