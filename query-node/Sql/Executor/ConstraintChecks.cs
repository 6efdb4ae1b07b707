using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>NOT NULL and primary key checks, and the errors of every constraint, with PostgreSQL's messages and details.</summary>
internal static class ConstraintChecks
{
    public static void CheckNotNull(TableDescriptor table, object?[] values, DateTimeSettings settings)
    {
        for (int ordinal = 0; ordinal < values.Length; ordinal++)
        {
            if (values[ordinal] is null && table.Columns[ordinal].NotNull)
            {
                throw new SqlException(SqlState.NotNullViolation,
                    $"null value in column \"{table.Columns[ordinal].Name}\" of relation \"{RelationNames.NameOf(table.Name)}\" violates not-null constraint",
                    detail: FailingRow(values, settings));
            }
        }
    }

    /// <summary>The primary key check; the statement's writes include its deferred ones.</summary>
    public static async ValueTask CheckKeyIsFreeAsync(StatementWrites writes, TableDescriptor table, byte[] key, object?[] values, CancellationToken cancellationToken)
    {
        if (table.HasHiddenRowId) return;
        if (await writes.GetAsync(key, cancellationToken) is null) return;
        throw DuplicateKey(table, values, writes.Statement.DateTimeSettings);
    }

    private static SqlException DuplicateKey(TableDescriptor table, object?[] values, DateTimeSettings settings) =>
        DuplicateKey(table.PrimaryKeyConstraintName, table.PrimaryKeyOrdinals.Select(ordinal => table.Columns[ordinal].Name).ToArray(),
            table.PrimaryKeyOrdinals.Select(ordinal => values[ordinal]).ToArray(), settings);

    public static SqlException DuplicateKey(string constraintName, IReadOnlyList<string> keyNames, object?[] keyValues, DateTimeSettings settings) =>
        new(SqlState.UniqueViolation, $"duplicate key value violates unique constraint \"{constraintName}\"",
            detail: $"Key ({string.Join(", ", keyNames)})=({FormatValues(keyValues, settings)}) already exists.");

    /// <summary>The DETAIL of NOT NULL and CHECK violations, the values written with the statement's settings.</summary>
    public static string FailingRow(object?[] values, DateTimeSettings settings) => $"Failing row contains ({FormatValues(values, settings)}).";

    public static string FormatValues(object?[] values, DateTimeSettings settings) =>
        string.Join(", ", values.Select(value => ValueFormatter.Format(value, settings) ?? "null"));
}
