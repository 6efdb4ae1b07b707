namespace Log.QueryNode.Execution;

/// <summary>
/// Mints ids that are unique across every query node of a database (hidden row ids). An id is
/// <c>(milliseconds since 2020 &lt;&lt; 12 | counter) &lt;&lt; 10 | node id</c>: 41 bits of time (until 2089), 12 bits of
/// counter within a millisecond, 10 bits of node id, 63 in all, so ids stay positive and grow with time on each node,
/// as the hybrid clock values that hidden row ids were before (which are all smaller).
///
/// Two nodes never mint the same id because their node ids differ (each query node takes a fresh one from a
/// committed counter when it starts, <see cref="Hosting.QueryNodeIdentity"/>). One node never mints the same id twice
/// because time-and-counter only grows: past 4,096 ids in a millisecond it borrows the next millisecond. Node ids
/// repeat after 1,024 starts, which is safe while the earlier holder of an id has stopped (the usual case); the
/// README's limits say so. Thread-safe.
/// </summary>
public sealed class UniqueIdGenerator
{
    public const int NodeIdBits = 10;
    public const int CounterBits = 12;
    public const int NodeIdCount = 1 << NodeIdBits;

    private static readonly long EpochMilliseconds = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private readonly TimeProvider timeProvider;
    private long lastTimeAndCounter;

    public UniqueIdGenerator(int nodeId, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeId);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(nodeId, NodeIdCount);
        NodeId = nodeId;
        this.timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The ids of a process that has not taken a node id (tests, tools): node id 0, which
    /// <see cref="Hosting.QueryNodeIdentity"/> never hands out.</summary>
    public static UniqueIdGenerator Unassigned { get; } = new(0);

    public int NodeId { get; }

    public long Next()
    {
        var now = (timeProvider.GetUtcNow().ToUnixTimeMilliseconds() - EpochMilliseconds) << CounterBits;
        while (true)
        {
            var last = Volatile.Read(ref lastTimeAndCounter);
            var next = Math.Max(last + 1, now);
            if (Interlocked.CompareExchange(ref lastTimeAndCounter, next, last) == last)
            {
                return checked(next << NodeIdBits) | (long)NodeId;
            }
        }
    }
}
