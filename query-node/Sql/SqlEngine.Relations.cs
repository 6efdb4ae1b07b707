using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql;

/// <summary>Relation names of DDL statements resolved along search_path before the statement runs (queries and DML
/// resolve theirs as they look their tables up): the relation a statement creates goes in its schema or the first
/// one of the path; the relations it changes, drops or references are found along the path.</summary>
public sealed partial class SqlEngine
{
    private static async ValueTask ResolveStatementRelationsAsync(Statement tree, StatementContext statement, CancellationToken cancellationToken)
    {
        if (statement.Relations is not { } resolver) return;
        RangeVar? created = tree switch
        {
            CreateStmt create => create.Relation,
            CreateTableAsStmt createAs => createAs.Relation,
            ViewStmt view => view.View,
            CreateSeqStmt sequence => sequence.Sequence,
            _ => null,
        };
        if (created is not null) await resolver.ResolveForCreateAsync(created, cancellationToken);
        IEnumerable<RangeVar> referenced = tree switch
        {
            CreateStmt create => [.. ForeignKeyTables(create.Constraints), .. create.Columns.SelectMany(column => ForeignKeyTables(column.Constraints)),
                .. create.Likes.Select(like => like.Like.Relation)],
            AlterTableStmt alter => [alter.Relation],
            DropStmt drop => drop.Objects,
            DropIndexStmt dropIndex => dropIndex.Indexes,
            TruncateStmt truncate => truncate.Relations,
            IndexStmt index => [index.Relation],
            CommentStmt comment => [comment.Relation],
            AlterSeqStmt sequence => [sequence.Sequence],
            CopyStmt { Relation: { } relation } => [relation],
            _ => [],
        };
        foreach (RangeVar relation in referenced) await resolver.ResolveAsync(relation, cancellationToken);
    }

    private static IEnumerable<RangeVar> ForeignKeyTables(IEnumerable<TableConstraint> constraints) =>
        constraints.Where(constraint => constraint.References is not null).Select(constraint => constraint.References!.Table);

    /// <summary>The catalog name of a relation the running statement names (see <see cref="RelationResolver"/>).</summary>
    internal static string CatalogNameOf(RangeVar relation, RelationResolver? relations) =>
        relations?.CatalogName(relation) ?? RelationNames.Compose(relation.SchemaName ?? SqlCatalog.DefaultSchema, relation.RelationName);
}
