using Log.QueryNode.Execution;
using MessagePack;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>User schemas (pg_namespace rows beside the built-in pg_catalog, public and information_schema), stored as
/// (0, 24, name) -> [id, name, owner], written in the user's transaction like every other DDL.</summary>
internal sealed partial class SqlCatalog
{
    /// <summary>The schemas every database has; only public holds user relations.</summary>
    public const string CatalogSchema = "pg_catalog";
    public const string InformationSchema = "information_schema";

    public static bool IsBuiltInSchema(string name) => name is DefaultSchema or CatalogSchema or InformationSchema;

    public static async ValueTask<SchemaDescriptor?> GetSchemaAsync(ITransactionStore store, string name, CancellationToken cancellationToken)
    {
        byte[]? bytes = await store.GetAsync(CatalogKeys.SchemaByName(name), cancellationToken);
        return bytes is null ? null : DecodeSchema(bytes);
    }

    /// <summary>Whether a schema of that name exists (a built-in one or a user's).</summary>
    public static async ValueTask<bool> SchemaExistsAsync(ITransactionStore store, string name, CancellationToken cancellationToken) =>
        IsBuiltInSchema(name) || await store.GetAsync(CatalogKeys.SchemaByName(name), cancellationToken) is not null;

    public static async ValueTask<List<SchemaDescriptor>> GetSchemasAsync(ITransactionStore store, CancellationToken cancellationToken)
    {
        var schemas = new List<SchemaDescriptor>();
        (byte[] start, byte[] end) = CatalogKeys.SchemaByNameRange();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(start, end, cancellationToken)) schemas.Add(DecodeSchema(entry.Value));
        return schemas;
    }

    public static void WriteSchema(ITransactionStore store, SchemaDescriptor schema) =>
        store.Put(CatalogKeys.SchemaByName(schema.Name), MessagePackSerializer.Serialize(new object[] { schema.Id, schema.Name, schema.Owner }));

    public static void DeleteSchema(ITransactionStore store, SchemaDescriptor schema) => store.Delete(CatalogKeys.SchemaByName(schema.Name));

    private static SchemaDescriptor DecodeSchema(byte[] bytes)
    {
        var reader = new MessagePackReader(bytes);
        int fields = reader.ReadArrayHeader();
        if (fields < 3) throw new InvalidOperationException($"schema descriptor with {fields} fields");
        var schema = new SchemaDescriptor(reader.ReadInt64(), reader.ReadString()!, reader.ReadString()!);
        for (int extra = 3; extra < fields; extra++) reader.Skip();
        return schema;
    }

    /// <summary>Whether any relation (table, view, sequence or index) has the catalog name.</summary>
    public async ValueTask<bool> AnyRelationExistsAsync(ITransactionStore store, string catalogName, CancellationToken cancellationToken) =>
        await RelationKindAsync(store, catalogName, cancellationToken) is not null
        || await store.GetAsync(CatalogKeys.TableIdByIndexName(catalogName), cancellationToken) is not null;

    /// <summary>The catalog names of every relation in a schema (tables, views, sequences; indexes go with their
    /// tables), for DROP SCHEMA.</summary>
    public static async ValueTask<(List<TableDescriptor> Tables, List<ViewDescriptor> Views, List<SequenceDescriptor> Sequences)> GetSchemaContentsAsync(
        ITransactionStore store, string schema, CancellationToken cancellationToken)
    {
        var tables = new List<TableDescriptor>();
        (byte[] start, byte[] end) = CatalogKeys.DescriptorByNameRange();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(start, end, cancellationToken))
        {
            TableDescriptor table = DescriptorCodec.Decode(entry.Value);
            if (RelationNames.SchemaOf(table.Name) == schema) tables.Add(table);
        }
        var views = new List<ViewDescriptor>();
        (start, end) = CatalogKeys.ViewByNameRange();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(start, end, cancellationToken))
        {
            ViewDescriptor view = DecodeView(entry.Value);
            if (RelationNames.SchemaOf(view.Name) == schema) views.Add(view);
        }
        var sequences = new List<SequenceDescriptor>();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(CatalogKeys.SequenceByNamePrefix(), CatalogKeys.SequenceStatePrefix(), cancellationToken))
        {
            SequenceDescriptor sequence = SequenceCodec.Decode(entry.Value);
            if (RelationNames.SchemaOf(sequence.Name) == schema) sequences.Add(sequence);
        }
        return (tables, views, sequences);
    }
}
