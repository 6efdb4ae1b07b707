using System.Buffers.Binary;
using Log.Adjudicator;

namespace Log.QueryNode.Execution;

/// <summary>
/// A key's adjudicator shard: its table id (the first element of every key, see CatalogKeys) modulo the shard count;
/// the system catalog (table id 0) belongs to every shard.
/// <para>
/// Why by table: a row and its secondary index entries share their table's id, so a write to one table, its unique index
/// entries included, is judged by one shard and commits with no cross-shard step, and every conflict on a row or an
/// index entry of a table is found in one window. Consecutive table ids alternate shards.
/// Why the catalog everywhere: every DML checks its tables' catalog entries (OC001), and each shard can judge those
/// checks itself only if it sees every catalog commit; DDL, rare, then commits on every shard at once (cross-shard).
/// Replicas apply the catalog's writes from each partition; they are the same versions, so all but the first are
/// skipped as not newer.
/// </para>
/// </summary>
public sealed class TableShardRouter : IKeyRouter
{
    // KeyEncoder.WriteInteger: a tag byte, then the value's 8 bytes big-endian with the sign bit flipped.
    private const byte IntegerTag = Sql.Encoding.KeyEncoder.IntegerTag;
    private const int EncodedIntegerBytes = 9;

    public int ShardOf(ReadOnlySpan<byte> key, int shardCount)
    {
        if (shardCount == 1)
        {
            return 0;
        }
        if (key.Length < EncodedIntegerBytes || key[0] != IntegerTag)
        {
            // Not a table's key (none exists today): keep it with the catalog, where every shard sees it.
            return IKeyRouter.EveryShard;
        }
        var tableId = (long)(BinaryPrimitives.ReadUInt64BigEndian(key[1..EncodedIntegerBytes]) ^ 0x8000_0000_0000_0000UL);
        return tableId == 0 ? IKeyRouter.EveryShard : (int)((ulong)tableId % (ulong)shardCount);
    }
}
