using Log.Journal.Rpc;

namespace Log.Adjudicator.Rpc;

/// <summary>
/// Settings and limits of the adjudicator's RPC, both ends (the shared ones in <see cref="RpcEndpointOptions"/>).
/// Defaults are sized for a data centre network: a commit is retried across reconnects for as long as a client would
/// wait for a rebuilding adjudicator anyway (<see cref="RpcEndpointOptions.CallTimeout"/>, 30 s), sending it again
/// with the same transaction id, which the adjudicator answers with its first decision.
/// </summary>
public sealed record AdjudicatorRpcOptions : RpcEndpointOptions
{
    public const int DefaultPort = 7400;

    public AdjudicatorRpcOptions()
    {
        Port = DefaultPort;
    }

    /// <summary>Both ends: how far a peer's hybrid clock (carried on every message) may run ahead of this end's
    /// physical clock. The server refuses a call beyond it (and a commit whose start timestamp is beyond it) before
    /// deciding anything; the client does not move its clock to a reply beyond it and logs the offset. It bounds how
    /// far one badly set clock can push every role's clock and commit timestamps ahead. CockroachDB's default.</summary>
    public TimeSpan MaxClockOffset { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Client: how long a read fence (a closed timestamp a snapshot waits on, read-only transactions
    /// included) is sent again before the call fails as unavailable. Shorter than <see cref="RpcEndpointOptions.CallTimeout"/>:
    /// a close decides nothing, so there is no outcome to wait for, and a reader is better told at once (57P03,
    /// retryable) than held for the commit's patience while a shard restarts.</summary>
    public TimeSpan CloseCallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public override void Validate()
    {
        base.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CloseCallTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxClockOffset, TimeSpan.Zero);
    }
}
