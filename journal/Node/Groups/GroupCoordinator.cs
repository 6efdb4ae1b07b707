namespace Log.Journal.Node.Groups;

/// <summary>One protocol a member supports (for consumers: an assignor name and its subscription).</summary>
public sealed record GroupProtocol(string Name, byte[] Metadata);

/// <summary>A JoinGroup request, as the coordinator needs it.</summary>
public sealed record JoinGroupRequestData(
    string GroupId,
    string MemberId,
    string? GroupInstanceId,
    string ClientId,
    int SessionTimeoutMs,
    int RebalanceTimeoutMs,
    string ProtocolType,
    IReadOnlyList<GroupProtocol> Protocols);

/// <summary>A member as the leader sees it in its JoinGroup response.</summary>
public sealed record GroupMemberMetadata(string MemberId, string? GroupInstanceId, byte[] Metadata);

/// <summary>What a JoinGroup is answered with. Only the leader gets the members.</summary>
public sealed record JoinGroupResult(short ErrorCode, int GenerationId, string ProtocolName, string LeaderId, string MemberId,
    IReadOnlyList<GroupMemberMetadata> Members)
{
    public static JoinGroupResult Failed(short errorCode, string memberId = "") => new(errorCode, -1, "", "", memberId, []);
}

public readonly record struct SyncGroupResult(short ErrorCode, byte[] Assignment);

/// <summary>
/// Kafka's classic group membership protocol, in memory and with no I/O: members join, the
/// coordinator waits until every known member has (re)joined, bumps the generation, picks a
/// protocol every member supports, and answers every join at once, the leader with the whole
/// member list. The leader computes the assignment on the client side (the node never looks inside
/// the protocol metadata) and sends it in SyncGroup; the coordinator only relays each member's
/// share. Heartbeats keep a member alive and tell it when a rebalance has begun.
///
/// Threading: every method takes the one lock; pending JoinGroup and SyncGroup answers are task
/// completions completed outside that lock's callers' continuations (they run asynchronously).
/// Time comes from the injected <see cref="TimeProvider"/>; <see cref="Expire"/> must be called
/// periodically to remove members whose session ran out and to end overdue rebalances.
/// Group state is soft: after a restart members rejoin (committed offsets are durable elsewhere).
/// </summary>
public sealed class GroupCoordinator
{
    private enum GroupState
    {
        Empty,
        PreparingRebalance,
        CompletingRebalance,
        Stable,
    }

    private sealed class Member(string id, string? groupInstanceId, string clientId)
    {
        public string Id { get; } = id;
        public string? GroupInstanceId { get; } = groupInstanceId;
        public string ClientId { get; } = clientId;
        public int SessionTimeoutMs { get; set; }
        public int RebalanceTimeoutMs { get; set; }
        public IReadOnlyList<GroupProtocol> Protocols { get; set; } = [];
        public TaskCompletionSource<JoinGroupResult>? PendingJoin { get; set; }
        public TaskCompletionSource<SyncGroupResult>? PendingSync { get; set; }
        public byte[] Assignment { get; set; } = [];
        public long LastHeardTimestamp { get; set; }
    }

    private sealed class Group(string id)
    {
        public string Id { get; } = id;
        public GroupState State { get; set; } = GroupState.Empty;
        public int Generation { get; set; }
        public string? ProtocolType { get; set; }
        public string ProtocolName { get; set; } = "";
        public string LeaderId { get; set; } = "";
        /// <summary>In join order: the first member becomes the leader when there is none.</summary>
        public List<Member> Members { get; } = [];
        public long RebalanceDeadlineTimestamp { get; set; }
        public long InitialDelayEndTimestamp { get; set; }

        public Member? Find(string memberId) => Members.Find(member => member.Id == memberId);
    }

    private readonly object gate = new();
    private readonly Dictionary<string, Group> groups = new(StringComparer.Ordinal);
    private readonly GroupCoordinatorLimits limits;
    private readonly TimeProvider time;
    /// <summary>Completed when the first group appears after there were none: the expiry loop sleeps on it while no
    /// client uses groups (the roles assign partitions themselves), so an idle node has no periodic wake-up for them.</summary>
    private TaskCompletionSource anyGroup = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GroupCoordinator(GroupCoordinatorLimits limits, TimeProvider time)
    {
        this.limits = limits;
        this.time = time;
    }

    public Task<JoinGroupResult> JoinAsync(JoinGroupRequestData request)
    {
        if (string.IsNullOrEmpty(request.GroupId))
        {
            return Task.FromResult(JoinGroupResult.Failed(Protocol.ErrorCode.InvalidGroupId, request.MemberId));
        }
        if (request.SessionTimeoutMs < limits.MinimumSessionTimeoutMs || request.SessionTimeoutMs > limits.MaximumSessionTimeoutMs)
        {
            return Task.FromResult(JoinGroupResult.Failed(Protocol.ErrorCode.InvalidSessionTimeout, request.MemberId));
        }
        if (request.Protocols.Count == 0 || string.IsNullOrEmpty(request.ProtocolType))
        {
            return Task.FromResult(JoinGroupResult.Failed(Protocol.ErrorCode.InconsistentGroupProtocol, request.MemberId));
        }
        List<Action> completions = [];
        Task<JoinGroupResult> answer;
        lock (gate)
        {
            var now = time.GetTimestamp();
            if (!groups.TryGetValue(request.GroupId, out var group))
            {
                if (groups.Count >= limits.MaximumGroups)
                {
                    return Task.FromResult(JoinGroupResult.Failed(Protocol.ErrorCode.CoordinatorNotAvailable, request.MemberId));
                }
                group = new Group(request.GroupId);
                groups[request.GroupId] = group;
                anyGroup.TrySetResult();
            }
            Member? member;
            if (request.MemberId.Length == 0)
            {
                if (group.Members.Count >= limits.MaximumMembersPerGroup)
                {
                    return Task.FromResult(JoinGroupResult.Failed(Protocol.ErrorCode.CoordinatorNotAvailable));
                }
                member = null;
            }
            else
            {
                member = group.Find(request.MemberId);
                if (member is null)
                {
                    return Task.FromResult(JoinGroupResult.Failed(Protocol.ErrorCode.UnknownMemberId, request.MemberId));
                }
            }
            if (group.Members.Count > 0 && (group.ProtocolType != request.ProtocolType || !SharesAProtocol(group, member, request.Protocols)))
            {
                return Task.FromResult(JoinGroupResult.Failed(Protocol.ErrorCode.InconsistentGroupProtocol, request.MemberId));
            }
            if (member is null)
            {
                member = new Member($"{request.ClientId}-{Guid.NewGuid():D}", request.GroupInstanceId, request.ClientId);
                group.Members.Add(member);
            }
            group.ProtocolType = request.ProtocolType;
            member.SessionTimeoutMs = request.SessionTimeoutMs;
            member.RebalanceTimeoutMs = request.RebalanceTimeoutMs > 0 ? request.RebalanceTimeoutMs : request.SessionTimeoutMs;
            member.Protocols = request.Protocols;
            member.LastHeardTimestamp = now;
            var previous = member.PendingJoin;
            if (previous is not null)
            {
                // The member asked again (its earlier request timed out on its side): only the
                // newest request is answered with the generation.
                completions.Add(() => previous.TrySetResult(JoinGroupResult.Failed(Protocol.ErrorCode.RebalanceInProgress, member.Id)));
            }
            member.PendingJoin = new TaskCompletionSource<JoinGroupResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            answer = member.PendingJoin.Task;
            if (group.State != GroupState.PreparingRebalance)
            {
                PrepareRebalance(group, now, completions);
            }
            TryCompleteJoin(group, now, force: false, completions);
        }
        Run(completions);
        return answer;
    }

    public Task<SyncGroupResult> SyncAsync(string groupId, int generationId, string memberId, IReadOnlyList<(string MemberId, byte[] Assignment)> assignments)
    {
        List<Action> completions = [];
        Task<SyncGroupResult> answer;
        lock (gate)
        {
            var (error, group, member) = Validate(groupId, generationId, memberId);
            if (error != Protocol.ErrorCode.None)
            {
                return Task.FromResult(new SyncGroupResult(error, []));
            }
            member!.LastHeardTimestamp = time.GetTimestamp();
            switch (group!.State)
            {
                case GroupState.PreparingRebalance:
                    return Task.FromResult(new SyncGroupResult(Protocol.ErrorCode.RebalanceInProgress, []));
                case GroupState.Stable:
                    return Task.FromResult(new SyncGroupResult(Protocol.ErrorCode.None, member.Assignment));
                case GroupState.Empty:
                    return Task.FromResult(new SyncGroupResult(Protocol.ErrorCode.UnknownMemberId, []));
            }
            var previous = member.PendingSync;
            if (previous is not null)
            {
                completions.Add(() => previous.TrySetResult(new SyncGroupResult(Protocol.ErrorCode.RebalanceInProgress, [])));
            }
            member.PendingSync = new TaskCompletionSource<SyncGroupResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            answer = member.PendingSync.Task;
            if (member.Id == group.LeaderId)
            {
                foreach (var each in group.Members)
                {
                    each.Assignment = [];
                }
                foreach (var (assignedMemberId, assignment) in assignments)
                {
                    var assigned = group.Find(assignedMemberId);
                    if (assigned is not null)
                    {
                        assigned.Assignment = assignment;
                    }
                }
                group.State = GroupState.Stable;
                foreach (var each in group.Members)
                {
                    var pending = each.PendingSync;
                    if (pending is not null)
                    {
                        var assignment = each.Assignment;
                        completions.Add(() => pending.TrySetResult(new SyncGroupResult(Protocol.ErrorCode.None, assignment)));
                        each.PendingSync = null;
                    }
                }
            }
        }
        Run(completions);
        return answer;
    }

    public short Heartbeat(string groupId, int generationId, string memberId)
    {
        lock (gate)
        {
            var (error, group, member) = Validate(groupId, generationId, memberId);
            if (error != Protocol.ErrorCode.None)
            {
                return error;
            }
            member!.LastHeardTimestamp = time.GetTimestamp();
            return group!.State == GroupState.PreparingRebalance ? Protocol.ErrorCode.RebalanceInProgress : Protocol.ErrorCode.None;
        }
    }

    public short Leave(string groupId, string memberId)
    {
        List<Action> completions = [];
        lock (gate)
        {
            if (!groups.TryGetValue(groupId, out var group) || group.Find(memberId) is not { } member)
            {
                return Protocol.ErrorCode.UnknownMemberId;
            }
            RemoveMember(group, member, time.GetTimestamp(), completions);
        }
        Run(completions);
        return Protocol.ErrorCode.None;
    }

    /// <summary>Whether an OffsetCommit from this member may be stored (Kafka's rules: a group
    /// with no members takes commits from anyone; otherwise the member and generation must match).</summary>
    public short ValidateOffsetCommit(string groupId, int generationId, string memberId)
    {
        lock (gate)
        {
            if (!groups.TryGetValue(groupId, out var group) || group.State == GroupState.Empty)
            {
                return generationId < 0 ? Protocol.ErrorCode.None : Protocol.ErrorCode.IllegalGeneration;
            }
            if (generationId < 0 && memberId.Length == 0)
            {
                // Offsets stored by a client outside the group's membership (Assign and Commit).
                return Protocol.ErrorCode.None;
            }
            if (group.State == GroupState.CompletingRebalance)
            {
                return Protocol.ErrorCode.RebalanceInProgress;
            }
            if (group.Find(memberId) is null)
            {
                return Protocol.ErrorCode.UnknownMemberId;
            }
            return generationId == group.Generation ? Protocol.ErrorCode.None : Protocol.ErrorCode.IllegalGeneration;
        }
    }

    /// <summary>Completes at once while a group exists, otherwise when the next one is created: nothing can expire
    /// before then.</summary>
    public Task WhenAnyGroupAsync()
    {
        lock (gate)
        {
            if (groups.Count > 0)
            {
                return Task.CompletedTask;
            }
            if (anyGroup.Task.IsCompleted)
            {
                anyGroup = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            return anyGroup.Task;
        }
    }

    /// <summary>Removes members whose session ran out, ends rebalances whose time is up, and
    /// forgets groups with no members. Call it periodically while <see cref="WhenAnyGroupAsync"/> is complete.</summary>
    public void Expire()
    {
        List<Action> completions = [];
        lock (gate)
        {
            var now = time.GetTimestamp();
            foreach (var group in groups.Values.ToList())
            {
                foreach (var member in group.Members.ToList())
                {
                    // A member waiting for its join answer is alive; the rebalance deadline covers it.
                    if (member.PendingJoin is null && time.GetElapsedTime(member.LastHeardTimestamp, now).TotalMilliseconds > member.SessionTimeoutMs)
                    {
                        RemoveMember(group, member, now, completions);
                    }
                }
                if (group.State == GroupState.PreparingRebalance)
                {
                    TryCompleteJoin(group, now, force: now >= group.RebalanceDeadlineTimestamp, completions);
                }
                if (group.State == GroupState.Empty && group.Members.Count == 0)
                {
                    groups.Remove(group.Id);
                }
            }
        }
        Run(completions);
    }

    /// <summary>Answers every pending request with COORDINATOR_NOT_AVAILABLE (the node is stopping).</summary>
    public void Shutdown()
    {
        List<Action> completions = [];
        lock (gate)
        {
            foreach (var member in groups.Values.SelectMany(group => group.Members))
            {
                var join = member.PendingJoin;
                var sync = member.PendingSync;
                var id = member.Id;
                completions.Add(() => join?.TrySetResult(JoinGroupResult.Failed(Protocol.ErrorCode.CoordinatorNotAvailable, id)));
                completions.Add(() => sync?.TrySetResult(new SyncGroupResult(Protocol.ErrorCode.CoordinatorNotAvailable, [])));
            }
            groups.Clear();
        }
        Run(completions);
    }

    /// <summary>Group ids with their members' count, for tests and diagnostics.</summary>
    public IReadOnlyDictionary<string, int> MemberCounts()
    {
        lock (gate)
        {
            return groups.ToDictionary(pair => pair.Key, pair => pair.Value.Members.Count, StringComparer.Ordinal);
        }
    }

    private (short Error, Group? Group, Member? Member) Validate(string groupId, int generationId, string memberId)
    {
        if (!groups.TryGetValue(groupId, out var group))
        {
            return (Protocol.ErrorCode.UnknownMemberId, null, null);
        }
        var member = group.Find(memberId);
        if (member is null)
        {
            return (Protocol.ErrorCode.UnknownMemberId, group, null);
        }
        if (generationId != group.Generation)
        {
            return (Protocol.ErrorCode.IllegalGeneration, group, member);
        }
        return (Protocol.ErrorCode.None, group, member);
    }

    private static bool SharesAProtocol(Group group, Member? joining, IReadOnlyList<GroupProtocol> protocols)
    {
        foreach (var protocol in protocols)
        {
            if (group.Members.All(member => member == joining || member.Protocols.Any(other => other.Name == protocol.Name)))
            {
                return true;
            }
        }
        return false;
    }

    private void PrepareRebalance(Group group, long now, List<Action> completions)
    {
        var wasEmpty = group.State == GroupState.Empty;
        group.State = GroupState.PreparingRebalance;
        var rebalanceTimeoutMs = group.Members.Count == 0 ? 0 : group.Members.Max(member => member.RebalanceTimeoutMs);
        group.RebalanceDeadlineTimestamp = now + (long)(rebalanceTimeoutMs * (time.TimestampFrequency / 1000.0));
        // A new group waits a little so that consumers starting together land in one generation.
        group.InitialDelayEndTimestamp = wasEmpty
            ? now + (long)(limits.InitialRebalanceDelayMs * (time.TimestampFrequency / 1000.0))
            : now;
        foreach (var member in group.Members)
        {
            var pending = member.PendingSync;
            if (pending is not null)
            {
                completions.Add(() => pending.TrySetResult(new SyncGroupResult(Protocol.ErrorCode.RebalanceInProgress, [])));
                member.PendingSync = null;
            }
        }
    }

    /// <summary>Ends the join phase when every member has rejoined, or when forced (the deadline
    /// passed: members that did not rejoin are dropped).</summary>
    private void TryCompleteJoin(Group group, long now, bool force, List<Action> completions)
    {
        if (group.State != GroupState.PreparingRebalance)
        {
            return;
        }
        var allJoined = group.Members.All(member => member.PendingJoin is not null);
        if (!force && (!allJoined || now < group.InitialDelayEndTimestamp))
        {
            return;
        }
        foreach (var member in group.Members.Where(member => member.PendingJoin is null).ToList())
        {
            group.Members.Remove(member);
        }
        group.Generation++;
        if (group.Members.Count == 0)
        {
            group.State = GroupState.Empty;
            group.LeaderId = "";
            group.ProtocolName = "";
            group.ProtocolType = null;
            return;
        }
        group.ProtocolName = ChooseProtocol(group);
        if (group.Find(group.LeaderId) is null)
        {
            group.LeaderId = group.Members[0].Id;
        }
        group.State = GroupState.CompletingRebalance;
        var everyone = group.Members
            .Select(member => new GroupMemberMetadata(member.Id, member.GroupInstanceId,
                member.Protocols.First(protocol => protocol.Name == group.ProtocolName).Metadata))
            .ToList();
        foreach (var member in group.Members)
        {
            var pending = member.PendingJoin!;
            member.PendingJoin = null;
            member.LastHeardTimestamp = now;
            var result = new JoinGroupResult(Protocol.ErrorCode.None, group.Generation, group.ProtocolName, group.LeaderId, member.Id,
                member.Id == group.LeaderId ? everyone : []);
            completions.Add(() => pending.TrySetResult(result));
        }
    }

    /// <summary>Kafka's vote: among the protocols every member supports, each member votes for the
    /// one it lists first; the most votes wins (ties go to the leader's order).</summary>
    private static string ChooseProtocol(Group group)
    {
        var candidates = group.Members[0].Protocols
            .Select(protocol => protocol.Name)
            .Where(name => group.Members.All(member => member.Protocols.Any(protocol => protocol.Name == name)))
            .ToList();
        return candidates
            .Select((name, order) => (Name: name, Order: order, Votes: group.Members.Count(member =>
                member.Protocols.First(protocol => candidates.Contains(protocol.Name)).Name == name)))
            .OrderByDescending(candidate => candidate.Votes)
            .ThenBy(candidate => candidate.Order)
            .First().Name;
    }

    private void RemoveMember(Group group, Member member, long now, List<Action> completions)
    {
        group.Members.Remove(member);
        var join = member.PendingJoin;
        var sync = member.PendingSync;
        if (join is not null)
        {
            completions.Add(() => join.TrySetResult(JoinGroupResult.Failed(Protocol.ErrorCode.UnknownMemberId, member.Id)));
        }
        if (sync is not null)
        {
            completions.Add(() => sync.TrySetResult(new SyncGroupResult(Protocol.ErrorCode.UnknownMemberId, [])));
        }
        if (group.State != GroupState.PreparingRebalance)
        {
            PrepareRebalance(group, now, completions);
        }
        TryCompleteJoin(group, now, force: false, completions);
    }

    private static void Run(List<Action> completions)
    {
        foreach (var completion in completions)
        {
            completion();
        }
    }
}

/// <summary>The coordinator's limits, taken from <see cref="JournalNodeOptions"/>.</summary>
public sealed record GroupCoordinatorLimits(
    int MinimumSessionTimeoutMs,
    int MaximumSessionTimeoutMs,
    int InitialRebalanceDelayMs,
    int MaximumGroups,
    int MaximumMembersPerGroup);
