using System.Buffers.Binary;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Hosting;

/// <summary>
/// Gives a query node its node id when it starts: the next value of a counter kept in the catalog key space and
/// moved by an ordinary committed transaction, so two nodes starting at once conflict at the adjudicator and one of
/// them tries again with the next value. Node ids run 1..1023 and then wrap (0 is <see cref="UniqueIdGenerator.Unassigned"/>).
/// </summary>
internal static class QueryNodeIdentity
{
    public static ValueTask<int> TakeNodeIdAsync(ISeparateTransactions transactions, CancellationToken cancellationToken) =>
        transactions.RunAsync(async store =>
        {
            var key = CatalogKeys.QueryNodeIdCounter();
            var stored = await store.GetAsync(key, cancellationToken);
            var taken = stored is null ? 1 : BinaryPrimitives.ReadInt64BigEndian(stored) + 1;
            var value = new byte[sizeof(long)];
            BinaryPrimitives.WriteInt64BigEndian(value, taken);
            store.Put(key, value);
            return NodeIdOf(taken);
        }, cancellationToken);

    /// <summary>The node id of the <paramref name="taken"/>-th start (1-based): 1..1023, round and round.</summary>
    public static int NodeIdOf(long taken) => (int)((taken - 1) % (UniqueIdGenerator.NodeIdCount - 1)) + 1;
}
