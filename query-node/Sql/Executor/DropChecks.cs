using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>PostgreSQL's DropErrorMsgWrongType: DROP TABLE of a view, DROP SEQUENCE of a table and the like fail with
/// 42809 and a hint naming the right statement.</summary>
internal static class DropChecks
{
    public static async ValueTask ThrowIfOtherKindAsync(SqlCatalog catalog, ITransactionStore store, string name, ObjectType expected, CancellationToken cancellationToken)
    {
        char? kind = await catalog.RelationKindAsync(store, name, cancellationToken);
        (string? noun, string? statement) = kind switch
        {
            SqlCatalog.OrdinaryTable when expected != ObjectType.Table => ("table", "DROP TABLE"),
            SqlCatalog.Sequence when expected != ObjectType.Sequence => ("sequence", "DROP SEQUENCE"),
            SqlCatalog.View when expected != ObjectType.View => ("view", "DROP VIEW"),
            _ => (null, null),
        };
        if (noun is null) return;
        string expectedNoun = expected switch { ObjectType.Sequence => "sequence", ObjectType.View => "view", _ => "table" };
        throw new SqlException(SqlState.WrongObjectType, $"\"{name}\" is not a {expectedNoun}", hint: $"Use {statement} to remove a {noun}.");
    }
}
