using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>ALTER TABLE ... SET SCHEMA: the table moves with its indexes and the sequences it owns, as in PostgreSQL.</summary>
internal static partial class AlterTableExecutor
{
    private static async ValueTask<StatementResult> SetSchemaAsync(TableDescriptor table, SetSchemaCmd command, SqlCatalog catalog, ITransactionStore store,
        CancellationToken cancellationToken)
    {
        if (!await SqlCatalog.SchemaExistsAsync(store, command.Schema, cancellationToken))
        {
            throw new SqlException("3F000", $"schema \"{command.Schema}\" does not exist");
        }
        if (command.Schema is SqlCatalog.CatalogSchema or SqlCatalog.InformationSchema)
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"moving a table into schema {command.Schema} is not supported");
        }
        if (RelationNames.SchemaOf(table.Name) == command.Schema) return new StatementResult(null, null, "ALTER TABLE");
        var moved = new Dictionary<string, string>(StringComparer.Ordinal);
        IEnumerable<string> names = table.Indexes.Select(index => index.Name).Prepend(table.Name)
            .Concat((await SqlCatalog.GetOwnedSequencesAsync(store, table.Name, cancellationToken)).Select(sequence => sequence.Name));
        foreach (string name in names)
        {
            string target = RelationNames.Compose(command.Schema, RelationNames.NameOf(name));
            if (await catalog.AnyRelationExistsAsync(store, target, cancellationToken))
            {
                throw new SqlException(SqlState.DuplicateTable, $"relation \"{RelationNames.NameOf(name)}\" already exists in schema \"{command.Schema}\"");
            }
            moved[name] = target;
        }
        await RelationMover.MoveAsync(moved, store, cancellationToken);
        return new StatementResult(null, null, "ALTER TABLE");
    }
}
