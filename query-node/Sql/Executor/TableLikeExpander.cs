using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using CatalogDefinitions = Log.QueryNode.Sql.Catalog.System.CatalogDefinitions;
using Log.QueryNode.Sql.Parser;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>CREATE TABLE t (LIKE s [INCLUDING ...]): the LIKE clauses are replaced by column definitions and
/// constraints written as if the user had typed them (PostgreSQL's transformTableLikeClause), so that the rest of
/// CREATE TABLE (serial expansion, binding, name checks) treats them as any other. Column names, types and NOT NULL
/// are always copied; defaults, generation expressions, identity, CHECK constraints and the primary key and unique
/// constraints only when asked for. Comments, compression, statistics and storage have nothing to copy here.</summary>
internal static class TableLikeExpander
{
    public static async ValueTask<CreateStmt> ExpandAsync(CreateStmt create, SqlCatalog catalog, ITransactionStore store, StatementContext statement, CancellationToken cancellationToken)
    {
        if (create.Likes.Count == 0) return create;
        var columns = new List<ColumnDef>(create.Columns);
        var constraints = new List<TableConstraint>(create.Constraints);
        IReadOnlyList<(string Name, int Location)>? primaryKey = create.PrimaryKey;
        int inserted = 0;
        foreach ((int position, TableLikeClause like) in create.Likes)
        {
            TableDescriptor source = await catalog.GetTableAsync(store, SqlEngine.CatalogNameOf(like.Relation, statement.Relations), cancellationToken)
                ?? throw new SqlException(SqlState.UndefinedTable, $"relation \"{like.Relation.RelationName}\" does not exist", like.Relation.Location + 1);
            List<ColumnDef> copied = source.Columns.Select((column, ordinal) => CopyColumn(source, ordinal, like.Options, like.Location)).ToList();
            columns.InsertRange(position + inserted, copied);
            inserted += copied.Count;
            if (like.Options.HasFlag(TableLikeOptions.Constraints))
            {
                constraints.AddRange(source.Checks.Select(check => new TableConstraint(check.Name, TableConstraintKind.Check, [], IsColumnConstraint: false,
                    NullsNotDistinct: false, SqlParser.ParseExpressionText(check.Expression), check.Expression, like.Location)));
            }
            if (like.Options.HasFlag(TableLikeOptions.Indexes))
            {
                if (!source.HasHiddenRowId)
                {
                    if (primaryKey is not null || columns.Any(column => column.IsPrimaryKey))
                    {
                        throw new SqlException(SqlState.InvalidTableDefinition,
                            $"multiple primary keys for table \"{create.Relation.RelationName}\" are not allowed", like.Location + 1);
                    }
                    primaryKey = source.PrimaryKeyOrdinals.Select(ordinal => (source.Columns[ordinal].Name, like.Location)).ToList();
                }
                constraints.AddRange(source.Indexes.Select(index => UniqueConstraint(source, index, like.Location)));
            }
        }
        return create with { Columns = columns, PrimaryKey = primaryKey, Constraints = constraints, Likes = [] };
    }

    private static ColumnDef CopyColumn(TableDescriptor source, int ordinal, TableLikeOptions options, int location)
    {
        ColumnDescriptor column = source.Columns[ordinal];
        // The type as PostgreSQL spells it, read back through the parser's own type grammar.
        var cast = (TypeCast)SqlParser.ParseExpressionText("NULL::" + column.Type.DisplayNameWithModifier);
        var definition = new ColumnDef(column.Name, cast.TypeName with { Location = location }, column.NotNull || source.IsPrimaryKeyColumn(ordinal),
            IsPrimaryKey: false, Default: null, location);
        if (column.Generated is { } generated)
        {
            return options.HasFlag(TableLikeOptions.Generated)
                ? definition with { Generated = SqlParser.ParseExpressionText(generated), GeneratedText = generated }
                : definition;
        }
        if (column.Identity is not null)
        {
            // The copy gets a sequence of its own (with default options), as PostgreSQL's does.
            return options.HasFlag(TableLikeOptions.Identity) ? definition with { Identity = column.Identity, IsNotNull = false } : definition;
        }
        if (options.HasFlag(TableLikeOptions.Defaults) && CatalogDefinitions.HasCatalogDefault(column))
        {
            string text = column.DefaultExpression ?? CatalogDefinitions.DefaultExpression(source, column)!;
            return definition with { Default = SqlParser.ParseExpressionText(text), DefaultText = text };
        }
        return definition;
    }

    /// <summary>INCLUDING INDEXES: a unique index on plain columns becomes a UNIQUE constraint of the new table (its name
    /// chosen afresh); other indexes would need the index build of CREATE INDEX, which CREATE TABLE does not run.</summary>
    private static TableConstraint UniqueConstraint(TableDescriptor source, IndexDescriptor index, int location)
    {
        if (!index.IsUnique || index.IsPartial || index.IncludeColumnIds.Count > 0
            || index.KeyColumns.Any(key => key.IsExpression || key.Descending || key.NullsFirst))
        {
            throw new SqlException(SqlState.FeatureNotSupported,
                $"LIKE ... INCLUDING INDEXES of index \"{RelationNames.NameOf(index.Name)}\" is not supported (only primary keys and plain unique indexes are copied)",
                location + 1);
        }
        var keyColumns = index.KeyColumns.Select(key => (source.Columns[source.OrdinalOfColumnId(key.ColumnId)].Name, location)).ToList();
        return new TableConstraint(null, TableConstraintKind.Unique, keyColumns, IsColumnConstraint: false, index.NullsNotDistinct, Check: null, CheckText: null, location)
        {
            Deferral = index.Deferral,
        };
    }
}
