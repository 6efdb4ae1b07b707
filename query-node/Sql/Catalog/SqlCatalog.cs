using System.Collections.Concurrent;
using Log.QueryNode.Execution;
using MessagePack;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>
/// Reads and writes table descriptors through the transaction's store (so DDL is transactional and visible to the
/// transaction's own later statements). Parsed descriptors are cached by name and reused only when the stored bytes
/// are identical, so the cache can never serve a stale schema; the read itself is one GetAsync.
/// </summary>
internal sealed partial class SqlCatalog
{
    /// <summary>Schemas a table name may be qualified with; everything lives in public.</summary>
    public const string DefaultSchema = "public";

    private readonly ConcurrentDictionary<string, (byte[] Bytes, TableDescriptor Descriptor)> _cache = new(StringComparer.Ordinal);

    public async ValueTask<TableDescriptor?> GetTableAsync(ITransactionStore store, string name, CancellationToken cancellationToken) =>
        TableOf(name, await store.GetAsync(CatalogKeys.DescriptorByName(name), cancellationToken));

    /// <summary>The table descriptor stored as <paramref name="bytes"/> at <paramref name="name"/>'s key (null: none).</summary>
    public TableDescriptor? TableOf(string name, byte[]? bytes)
    {
        if (bytes is null) return null;
        if (_cache.TryGetValue(name, out var cached) && cached.Bytes.AsSpan().SequenceEqual(bytes))
        {
            return cached.Descriptor;
        }
        TableDescriptor descriptor = DescriptorCodec.Decode(bytes);
        _cache[name] = (bytes, descriptor);
        return descriptor;
    }

    /// <summary>Takes the next table id from the counter key; two concurrent CREATE TABLEs both write it, so one
    /// of them fails at commit instead of both getting the same id.</summary>
    public static async ValueTask<long> AllocateTableIdAsync(ITransactionStore store, CancellationToken cancellationToken)
    {
        byte[] key = CatalogKeys.TableIdCounter();
        byte[]? bytes = await store.GetAsync(key, cancellationToken);
        long next = CatalogKeys.FirstUserTableId;
        if (bytes is not null)
        {
            var reader = new MessagePackReader(bytes);
            next = reader.ReadInt64();
        }
        store.Put(key, MessagePackSerializer.Serialize(next + 1));
        return next;
    }

    public static void WriteTable(ITransactionStore store, TableDescriptor table)
    {
        store.Put(CatalogKeys.DescriptorByName(table.Name), DescriptorCodec.Encode(table));
        store.Put(CatalogKeys.NameById(table.Id), MessagePackSerializer.Serialize(table.Name));
        foreach (IndexDescriptor index in table.Indexes)
        {
            store.Put(CatalogKeys.TableIdByIndexName(index.Name), MessagePackSerializer.Serialize(table.Id));
        }
    }

    public static void DeleteTable(ITransactionStore store, TableDescriptor table)
    {
        store.Delete(CatalogKeys.DescriptorByName(table.Name));
        store.Delete(CatalogKeys.NameById(table.Id));
        foreach (IndexDescriptor index in table.Indexes) store.Delete(CatalogKeys.TableIdByIndexName(index.Name));
    }

    /// <summary>The table an index belongs to, or null when no index has that name.</summary>
    public async ValueTask<TableDescriptor?> GetTableOfIndexAsync(ITransactionStore store, string indexName, CancellationToken cancellationToken)
    {
        byte[]? idBytes = await store.GetAsync(CatalogKeys.TableIdByIndexName(indexName), cancellationToken);
        if (idBytes is null) return null;
        byte[]? nameBytes = await store.GetAsync(CatalogKeys.NameById(MessagePackSerializer.Deserialize<long>(idBytes)), cancellationToken);
        if (nameBytes is null) return null;
        TableDescriptor? table = await GetTableAsync(store, MessagePackSerializer.Deserialize<string>(nameBytes), cancellationToken);
        return table?.FindIndex(indexName) is null ? null : table;
    }

    /// <summary>Whether a table or an index has the name (they share PostgreSQL's relation namespace).</summary>
    public async ValueTask<bool> RelationExistsAsync(ITransactionStore store, string name, CancellationToken cancellationToken) =>
        await store.GetAsync(CatalogKeys.DescriptorByName(name), cancellationToken) is not null
        || await store.GetAsync(CatalogKeys.TableIdByIndexName(name), cancellationToken) is not null;

    public static void DeleteIndexName(ITransactionStore store, string indexName) => store.Delete(CatalogKeys.TableIdByIndexName(indexName));
}
