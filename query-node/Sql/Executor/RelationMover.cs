using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// Gives relations new catalog names in one transaction: ALTER SCHEMA ... RENAME TO (every relation of the schema)
/// and ALTER TABLE ... SET SCHEMA (a table, its indexes and the sequences it owns). A catalog name carries its schema
/// (<see cref="RelationNames"/>), so everything that names a moved relation is rewritten with it: the descriptors'
/// keys and names, index names, foreign keys and the lists of tables referencing a table (in every table), OWNED BY,
/// the nextval defaults of serial and identity columns, and comments. Every table descriptor written gets a new
/// version, so a concurrent transaction that used one fails at commit (OC001). A view's query is stored as text that
/// may name a moved relation by its schema, and a running job names its table: either refuses the move (0A000, 55006)
/// rather than leaving a name that no longer resolves.
/// </summary>
internal static class RelationMover
{
    public static async ValueTask MoveAsync(IReadOnlyDictionary<string, string> moved, ITransactionStore store, CancellationToken cancellationToken)
    {
        string Renamed(string name) => moved.GetValueOrDefault(name, name);
        foreach (JobDescriptor job in await SqlCatalog.GetJobsAsync(store, cancellationToken))
        {
            if (!job.IsFinished && moved.ContainsKey(job.TableName))
            {
                throw new SqlException(EngineSqlState.ObjectInUse,
                    $"cannot move \"{RelationNames.Display(job.TableName)}\" because its job {job.JobId} is still running");
            }
        }
        (byte[] start, byte[] end) = CatalogKeys.ViewByNameRange();
        var views = new List<ViewDescriptor>();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(start, end, cancellationToken)) views.Add(SqlCatalog.DecodeView(entry.Value));
        foreach (ViewDescriptor view in views)
        {
            if (moved.Keys.Any(name => name != view.Name && view.QueryText.Contains(RelationNames.NameOf(name), StringComparison.OrdinalIgnoreCase)))
            {
                throw new SqlException(SqlState.FeatureNotSupported,
                    $"moving relations that view \"{RelationNames.Display(view.Name)}\" may name is not supported");
            }
        }
        foreach (ViewDescriptor view in views.Where(view => moved.ContainsKey(view.Name)))
        {
            SqlCatalog.DeleteView(store, view);
            SqlCatalog.WriteView(store, view with { Name = moved[view.Name] });
            await SqlCatalog.MoveCommentsAsync(store, view.Name, moved[view.Name], cancellationToken);
        }

        var sequences = new List<SequenceDescriptor>();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(CatalogKeys.SequenceByNamePrefix(), CatalogKeys.SequenceStatePrefix(), cancellationToken))
        {
            sequences.Add(SequenceCodec.Decode(entry.Value));
        }
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (SequenceDescriptor sequence in sequences)
        {
            bool renamed = moved.ContainsKey(sequence.Name);
            if (!renamed && (sequence.OwnedByTable is null || !moved.ContainsKey(sequence.OwnedByTable))) continue;
            if (renamed)
            {
                store.Delete(CatalogKeys.SequenceByName(sequence.Name));
                await SqlCatalog.MoveCommentsAsync(store, sequence.Name, moved[sequence.Name], cancellationToken);
                defaults[RelationNames.NextvalDefault(sequence.Name)] = RelationNames.NextvalDefault(moved[sequence.Name]);
            }
            SqlCatalog.WriteSequence(store, sequence with
            {
                Name = Renamed(sequence.Name),
                OwnedByTable = sequence.OwnedByTable is null ? null : Renamed(sequence.OwnedByTable),
            });
        }

        var tables = new List<TableDescriptor>();
        (start, end) = CatalogKeys.DescriptorByNameRange();
        await foreach (KeyValuePair<byte[], byte[]> entry in store.ScanAsync(start, end, cancellationToken)) tables.Add(DescriptorCodec.Decode(entry.Value));
        foreach (TableDescriptor table in tables)
        {
            bool renamed = moved.ContainsKey(table.Name);
            bool names = table.ForeignKeys.Any(foreignKey => moved.ContainsKey(foreignKey.ReferencedTable))
                || table.ReferencedBy.Any(moved.ContainsKey)
                || table.Columns.Any(column => column.DefaultExpression is { } text && defaults.ContainsKey(text));
            if (!renamed && !names) continue;
            if (table.Rewrite is not null)
            {
                throw new SqlException(EngineSqlState.ObjectInUse, $"cannot move \"{RelationNames.Display(table.Name)}\" because its rewrite is still running");
            }
            TableDescriptor changed = table.WithSchema(
                name: Renamed(table.Name),
                columns: table.Columns
                    .Select(column => column.DefaultExpression is { } text && defaults.TryGetValue(text, out string? moving) ? column with { DefaultExpression = moving } : column)
                    .ToArray(),
                indexes: table.Indexes.Select(index => index with { Name = Renamed(index.Name) }).ToArray(),
                foreignKeys: table.ForeignKeys.Select(foreignKey => foreignKey with
                {
                    // A constraint's name is in its table's schema, as an index's is.
                    Name = RelationNames.InSchemaOf(Renamed(table.Name), RelationNames.NameOf(foreignKey.Name)),
                    ReferencedTable = Renamed(foreignKey.ReferencedTable),
                }).ToArray(),
                referencedBy: table.ReferencedBy.Select(Renamed).ToArray());
            if (renamed)
            {
                SqlCatalog.DeleteTable(store, table);
                await SqlCatalog.MoveCommentsAsync(store, table.Name, changed.Name, cancellationToken);
                foreach (IndexDescriptor index in table.Indexes) await SqlCatalog.MoveCommentsAsync(store, index.Name, Renamed(index.Name), cancellationToken);
            }
            SqlCatalog.WriteTable(store, changed);
        }
    }
}
