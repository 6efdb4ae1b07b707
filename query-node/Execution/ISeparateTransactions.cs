namespace Log.QueryNode.Execution;

/// <summary>
/// Runs a small transaction of its own, apart from the session's, and commits it before returning: what a sequence
/// uses to hand out a block of values, so that the values are durable (never handed out again, even after a crash)
/// and the user's transaction never conflicts on the sequence's key. A conflict with another node doing the same is
/// retried with a fresh snapshot; other failures throw the SqlException the session would.
/// </summary>
public interface ISeparateTransactions
{
    ValueTask<T> RunAsync<T>(Func<ITransactionStore, ValueTask<T>> body, CancellationToken cancellationToken);
}
