using Log.QueryNode.Execution;
using MessagePack;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>The relations beside tables: sequences and views. Tables, sequences and views share one namespace, as in
/// PostgreSQL's pg_class, so creating any of them checks all three (<see cref="RelationKindAsync"/>).</summary>
internal sealed partial class SqlCatalog
{
    /// <summary>pg_class.relkind values.</summary>
    public const char OrdinaryTable = 'r';
    public const char Sequence = 'S';
    public const char View = 'v';

    /// <summary>The kind of the relation named <paramref name="name"/>, or null when no relation has that name.</summary>
    public async ValueTask<char?> RelationKindAsync(ITransactionStore store, string name, CancellationToken cancellationToken)
    {
        if (await GetTableAsync(store, name, cancellationToken) is not null) return OrdinaryTable;
        if (await store.GetAsync(CatalogKeys.SequenceByName(name), cancellationToken) is not null) return Sequence;
        if (await store.GetAsync(CatalogKeys.ViewByName(name), cancellationToken) is not null) return View;
        return null;
    }

    public static async ValueTask<SequenceDescriptor?> GetSequenceAsync(ITransactionStore store, string name, CancellationToken cancellationToken)
    {
        byte[]? bytes = await store.GetAsync(CatalogKeys.SequenceByName(name), cancellationToken);
        return bytes is null ? null : SequenceCodec.Decode(bytes);
    }

    public static void WriteSequence(ITransactionStore store, SequenceDescriptor sequence) =>
        store.Put(CatalogKeys.SequenceByName(sequence.Name), SequenceCodec.Encode(sequence));

    public static void WriteSequenceState(ITransactionStore store, long sequenceId, SequenceState state) =>
        store.Put(CatalogKeys.SequenceState(sequenceId), SequenceCodec.EncodeState(state));

    public static void DeleteSequence(ITransactionStore store, SequenceDescriptor sequence)
    {
        store.Delete(CatalogKeys.SequenceByName(sequence.Name));
        store.Delete(CatalogKeys.SequenceState(sequence.Id));
    }

    public static async ValueTask<ViewDescriptor?> GetViewAsync(ITransactionStore store, string name, CancellationToken cancellationToken)
    {
        byte[]? bytes = await store.GetAsync(CatalogKeys.ViewByName(name), cancellationToken);
        return bytes is null ? null : DecodeView(bytes);
    }

    public static ViewDescriptor DecodeView(byte[] bytes)
    {
        var reader = new MessagePackReader(bytes);
        // Four fields, then (written since views have check options) the check option, nil for none.
        int fieldCount = reader.ReadArrayHeader();
        if (fieldCount is not (4 or 5)) throw new InvalidOperationException("unknown view descriptor format");
        long id = reader.ReadInt64();
        string viewName = reader.ReadString()!;
        int columnCount = reader.ReadArrayHeader();
        var columns = new string[columnCount];
        for (int index = 0; index < columnCount; index++) columns[index] = reader.ReadString()!;
        string queryText = reader.ReadString()!;
        string? checkOption = fieldCount == 5 ? reader.ReadString() : null;
        return new ViewDescriptor(id, viewName, columns, queryText) { CheckOption = checkOption };
    }

    public static void WriteView(ITransactionStore store, ViewDescriptor view) =>
        store.Put(CatalogKeys.ViewByName(view.Name),
            MessagePackSerializer.Serialize(new object?[] { view.Id, view.Name, view.ColumnNames.ToArray(), view.QueryText, view.CheckOption }));

    public static void DeleteView(ITransactionStore store, ViewDescriptor view) => store.Delete(CatalogKeys.ViewByName(view.Name));

    /// <summary>The sequences OWNED BY a column of <paramref name="tableName"/> (a scan of every sequence descriptor:
    /// there are few, and a table does not list its sequences).</summary>
    public static async ValueTask<List<SequenceDescriptor>> GetOwnedSequencesAsync(ITransactionStore store, string tableName, CancellationToken cancellationToken)
    {
        var owned = new List<SequenceDescriptor>();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(CatalogKeys.SequenceByNamePrefix(), CatalogKeys.SequenceStatePrefix(), cancellationToken))
        {
            SequenceDescriptor sequence = SequenceCodec.Decode(entry.Value);
            if (sequence.OwnedByTable == tableName) owned.Add(sequence);
        }
        return owned;
    }
}
