using Log.QueryNode.Execution;
using Log.QueryNode.Sql;

namespace Log.QueryNode.Tests.Sql;

/// <summary>An engine over an in-memory store; runs query strings as one transaction would.</summary>
internal sealed class SqlHarness
{
    public SqlEngine Engine { get; init; } = new();
    public InMemoryTransactionStore Store { get; } = new();

    /// <summary>Runs every statement of the string and returns the last result.</summary>
    public StatementResult Run(string sql)
    {
        StatementResult? last = null;
        foreach (ParsedStatement statement in Engine.Parse(sql))
        {
            last = Engine.ExecuteAsync(statement, Store, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            // One store, always committed: an index build's transactions are this same store.
            foreach (IndexBuildRequest build in last.IndexBuilds)
            {
                Engine.BuildIndexAsync(build, new SameStoreTransactions(Store), CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }
        }
        return last ?? throw new InvalidOperationException("no statement");
    }

    public SqlException Error(string sql) => Assert.Throws<SqlException>(() => Run(sql));

    /// <summary>The rows as PostgreSQL's text output, one string per row with columns joined by '|' (psql -A style; NULL as "NULL").</summary>
    public List<string> Text(string sql)
    {
        StatementResult result = Run(sql);
        Assert.NotNull(result.Columns);
        return result.Rows.Select(row => string.Join("|", row.Select((value, index) => result.Columns![index].FormatText(value) ?? "NULL"))).ToList();
    }

    public string Scalar(string sql) => Assert.Single(Text(sql));

    private sealed class SameStoreTransactions(ITransactionStore store) : IIndexBuildTransactions
    {
        public ValueTask<ITransactionStore> BeginAsync(CancellationToken cancellationToken) => ValueTask.FromResult(store);

        public ValueTask<bool> TryCommitAsync(ITransactionStore transaction, CancellationToken cancellationToken) => ValueTask.FromResult(true);
    }
}
