using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Encoding;
using MessagePack;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>COMMENT ON texts (PostgreSQL's pg_description), keyed by relation name and column number. They go with
/// their relation (DROP) and follow it (RENAME), since nothing else would find them by the old name.</summary>
internal sealed partial class SqlCatalog
{
    public static async ValueTask<string?> GetCommentAsync(ITransactionStore store, string relationName, int columnNumber, CancellationToken cancellationToken)
    {
        byte[]? bytes = await store.GetAsync(CatalogKeys.Comment(relationName, columnNumber), cancellationToken);
        return bytes is null ? null : Decode(bytes).Comment;
    }

    public static void WriteComment(ITransactionStore store, string relationName, int columnNumber, string? comment)
    {
        byte[] key = CatalogKeys.Comment(relationName, columnNumber);
        if (comment is null) store.Delete(key);
        else store.Put(key, MessagePackSerializer.Serialize(new object[] { columnNumber, comment }));
    }

    /// <summary>Every comment (pg_description's data) in one scan, keyed by relation name and column number.
    /// <paramref name="relationNames"/> are the relations that may have comments: a key is its relation's comment
    /// prefix followed by the column number, a fixed-width integer, so the prefix names the relation.</summary>
    public static async ValueTask<Dictionary<(string Relation, int Column), string>> ReadCommentsAsync(ITransactionStore store,
        IEnumerable<string> relationNames, CancellationToken cancellationToken)
    {
        var comments = new Dictionary<(string Relation, int Column), string>();
        var relationByPrefix = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string name in relationNames) relationByPrefix.TryAdd(Convert.ToHexString(CatalogKeys.CommentPrefix(name).ToArray()), name);
        if (relationByPrefix.Count == 0) return comments;
        (byte[] start, byte[] end) = CatalogKeys.CommentRange();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(start, end, cancellationToken))
        {
            string prefix = Convert.ToHexString(entry.Key.AsSpan(0, entry.Key.Length - CatalogKeys.IntegerKeyBytes));
            if (!relationByPrefix.TryGetValue(prefix, out string? relation)) continue;
            (int columnNumber, string comment) = Decode(entry.Value);
            comments[(relation, columnNumber)] = comment;
        }
        return comments;
    }

    /// <summary>A comment's value holds its column number too, so moving it needs no key decoding.</summary>
    private static (int ColumnNumber, string Comment) Decode(byte[] bytes)
    {
        var reader = new MessagePackReader(bytes);
        if (reader.ReadArrayHeader() != 2) throw new InvalidOperationException("unknown comment format");
        return (reader.ReadInt32(), reader.ReadString()!);
    }

    /// <summary>Removes every comment on a relation and its columns, or moves them to <paramref name="newName"/>.</summary>
    public static async ValueTask MoveCommentsAsync(ITransactionStore store, string relationName, string? newName, CancellationToken cancellationToken)
    {
        KeyEncoder prefix = CatalogKeys.CommentPrefix(relationName);
        var comments = new List<KeyValuePair<byte[], byte[]>>();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(prefix.ToArray(), prefix.ToPrefixEnd(), cancellationToken)) comments.Add(entry);
        foreach (KeyValuePair<byte[], byte[]> entry in comments)
        {
            store.Delete(entry.Key);
            if (newName is null) continue;
            store.Put(CatalogKeys.Comment(newName, Decode(entry.Value).ColumnNumber), entry.Value);
        }
    }
}
