using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>NOT NULL and primary key checks with PostgreSQL's messages and details.</summary>
internal static class ConstraintChecks
{
    public static void CheckNotNull(TableDescriptor table, object?[] values)
    {
        for (int ordinal = 0; ordinal < values.Length; ordinal++)
        {
            if (values[ordinal] is null && table.Columns[ordinal].NotNull)
            {
                throw new SqlException(SqlState.NotNullViolation,
                    $"null value in column \"{table.Columns[ordinal].Name}\" of relation \"{table.Name}\" violates not-null constraint",
                    detail: $"Failing row contains ({string.Join(", ", values.Select(value => ValueFormatter.Format(value) ?? "null"))}).");
            }
        }
    }

    public static async ValueTask CheckKeyIsFreeAsync(ITransactionStore store, TableDescriptor table, byte[] key, object?[] values, CancellationToken cancellationToken)
    {
        if (table.HasHiddenRowId) return;
        if (await store.GetAsync(key, cancellationToken) is null) return;
        throw DuplicateKey(table, values);
    }

    /// <summary>The same check for a statement's writing node, which also sees the statement's deferred writes.</summary>
    public static async ValueTask CheckKeyIsFreeAsync(StatementWrites writes, TableDescriptor table, byte[] key, object?[] values, CancellationToken cancellationToken)
    {
        if (table.HasHiddenRowId) return;
        if (await writes.GetAsync(key, cancellationToken) is null) return;
        throw DuplicateKey(table, values);
    }

    private static SqlException DuplicateKey(TableDescriptor table, object?[] values)
    {
        var names = new List<string>();
        var texts = new List<string>();
        foreach (int ordinal in table.PrimaryKeyOrdinals)
        {
            names.Add(table.Columns[ordinal].Name);
            texts.Add(ValueFormatter.Format(values[ordinal]) ?? "null");
        }
        return new SqlException(SqlState.UniqueViolation,
            $"duplicate key value violates unique constraint \"{table.PrimaryKeyConstraintName}\"",
            detail: $"Key ({string.Join(", ", names)})=({string.Join(", ", texts)}) already exists.");
    }
}
