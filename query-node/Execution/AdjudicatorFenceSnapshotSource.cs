using Log.Adjudicator;

namespace Log.QueryNode.Execution;

/// <summary>Snapshots closed at the adjudicator: a timestamp from this node's clock, and a fence that promises nothing
/// commits at or below it. One call to the adjudicator per transaction: the all-in-one process with a journal run
/// elsewhere uses it (its adjudicator is in process, so the call is cheaper than a journal round trip and follows the
/// adjudicator's own view of a journal that is failing), as do compositions without a journal (tests over an
/// in-memory adjudicator and storage); otherwise the database uses <see cref="JournalSnapshotSource"/>.</summary>
public sealed class AdjudicatorFenceSnapshotSource(IAdjudicator adjudicator, Journal.Time.HybridClock clock) : ISnapshotSource
{
    public async ValueTask<Snapshot> TakeAsync(CancellationToken cancellationToken)
    {
        var start = clock.Now();
        var fence = await adjudicator.CloseTimestampAsync(start, cancellationToken);
        return new Snapshot(Transaction.ReadPointOf(start, fence, clock), fence.EndOffset);
    }

    public ValueTask<Snapshot> TakeAfterConflictAsync(CancellationToken cancellationToken) => TakeAsync(cancellationToken);
}
