using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Log.Adjudicator;
using Log.Journal.Records;
using Log.Journal.Time;
using MessagePack;

namespace Log.Benchmarks.RpcTransports;

/// <summary>
/// The commit request a query node sends for the DEV308 write transaction (tests/benchmarks/dev308-write.sql):
/// <code>
/// INSERT INTO dev308_orders (id, customer, amount) VALUES (:id * 2, 'alice', 10);
/// INSERT INTO dev308_orders (id, customer, amount) VALUES (:id * 2 + 1, 'bob', 20);
/// INSERT INTO dev308_audit (id, note) VALUES (:id, 'two orders');
/// </code>
/// Three writes at the rows' primary keys, (table id, primary index 1, id) in the query node's tuple encoding, each
/// holding the row as a MessagePack map from column id to value (numeric as its text); and the two tables' descriptors,
/// (0, 1, name), as schema checks (the query node checks the catalog entry of every table a statement uses). The query
/// node's encoders are internal to it, so this writes the same bytes itself (query-node/Sql/Encoding/KeyEncoder.cs,
/// RowEncoder.cs, Catalog/CatalogKeys.cs): only the size and shape of the request matter to the transports.
/// </summary>
internal static class Dev308Commit
{
    /// <summary>The table ids the first two user tables get (CatalogKeys.FirstUserTableId and the next).</summary>
    private const long OrdersTableId = 100;
    private const long AuditTableId = 101;
    private const long PrimaryIndexId = 1;
    private const long SystemTableId = 0;
    private const long DescriptorByNameSubspace = 1;

    /// <summary>pgbench's <c>random(2147483648, 4000000000000000)</c>.</summary>
    private const long IdMinimum = 2_147_483_648;
    private const long IdMaximum = 4_000_000_000_000_000;

    private static readonly ConflictCheck[] SchemaChecks =
    [
        new(DescriptorKey("dev308_orders"), ConflictCheckKind.Schema),
        new(DescriptorKey("dev308_audit"), ConflictCheckKind.Schema),
    ];

    /// <summary>A new transaction's request: a fresh transaction id, an id drawn as pgbench draws it, and the start
    /// timestamp taken from the caller's clock as a query node takes it at BEGIN.</summary>
    public static CommitRequest Next(Random random, HybridClock clock)
    {
        var id = random.NextInt64(IdMinimum, IdMaximum + 1);
        JournalWrite[] writes =
        [
            new(RowKey(OrdersTableId, id * 2), Row(id * 2, "alice", "10")),
            new(RowKey(OrdersTableId, id * 2 + 1), Row(id * 2 + 1, "bob", "20")),
            new(RowKey(AuditTableId, id), Row(id, "two orders")),
        ];
        return new CommitRequest(Guid.NewGuid(), clock.Now(), writes, SchemaChecks);
    }

    private static byte[] RowKey(long tableId, long primaryKey)
    {
        var key = new byte[27];
        WriteInteger(key.AsSpan(0), tableId);
        WriteInteger(key.AsSpan(9), PrimaryIndexId);
        WriteInteger(key.AsSpan(18), primaryKey);
        return key;
    }

    private static byte[] DescriptorKey(string tableName)
    {
        var name = Encoding.UTF8.GetBytes(tableName);
        var key = new byte[18 + 1 + name.Length + 2];
        WriteInteger(key.AsSpan(0), SystemTableId);
        WriteInteger(key.AsSpan(9), DescriptorByNameSubspace);
        key[18] = 0x50;
        name.CopyTo(key.AsSpan(19));
        key[^2] = 0x00;
        key[^1] = 0x01;
        return key;
    }

    /// <summary>An integer element of the tuple encoding: tag 0x20, then 8 bytes big-endian with the sign bit flipped.</summary>
    private static void WriteInteger(Span<byte> destination, long value)
    {
        destination[0] = 0x20;
        BinaryPrimitives.WriteUInt64BigEndian(destination[1..], (ulong)value ^ 0x8000_0000_0000_0000UL);
    }

    /// <summary>A row: column 1 the id, then the text columns (numeric is stored as its text), MessagePack map of column id to value.</summary>
    private static byte[] Row(long id, params ReadOnlySpan<string> texts)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(1 + texts.Length);
        writer.Write(1);
        writer.Write(id);
        for (var index = 0; index < texts.Length; index++)
        {
            writer.Write(index + 2);
            writer.Write(texts[index]);
        }
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
