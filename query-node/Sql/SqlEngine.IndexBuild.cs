using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Executor;

namespace Log.QueryNode.Sql;

/// <summary>An index to build: its table and name.</summary>
public sealed record IndexBuildRequest(string TableName, string IndexName);

/// <summary>The transactions an index build runs in, each its own (begun at a fresh snapshot, committed through the
/// adjudicator); the session provides them. TryCommitAsync returns false when the commit lost a conflict (40001).</summary>
public interface IIndexBuildTransactions
{
    ValueTask<ITransactionStore> BeginAsync(CancellationToken cancellationToken);

    ValueTask<bool> TryCommitAsync(ITransactionStore transaction, CancellationToken cancellationToken);
}

public sealed partial class SqlEngine
{
    /// <summary>Builds an index that CREATE INDEX committed in the building state; see <see cref="IndexBuild"/>.
    /// Throws 23505 (after dropping the index) when a unique index finds a duplicate.</summary>
    public ValueTask BuildIndexAsync(IndexBuildRequest request, IIndexBuildTransactions transactions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(transactions);
        return new IndexBuild(_catalog, request, transactions).RunAsync(cancellationToken);
    }
}
