using System.Globalization;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Encoding;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>INSERT: evaluate each row, check NOT NULL and the primary key (against the snapshot plus this
/// transaction's own writes, including earlier rows of this statement), then write.</summary>
internal static class InsertExecutor
{
    public static async ValueTask<StatementResult> ExecuteAsync(BoundInsert insert, List<object?[]>? queryRows, ITransactionStore store, CancellationToken cancellationToken)
    {
        TableDescriptor table = insert.Table;
        List<object?[]>? returned = insert.Returning is null ? null : [];
        int count = 0;
        if (queryRows is null)
        {
            foreach (BoundExpression[] row in insert.Rows)
            {
                var values = new object?[row.Length];
                for (int ordinal = 0; ordinal < values.Length; ordinal++) values[ordinal] = ExpressionEvaluator.Evaluate(row[ordinal], []);
                await WriteAsync(table, values, store, returned, insert.Returning, cancellationToken);
                count++;
            }
        }
        else
        {
            foreach (object?[] source in queryRows)
            {
                var values = new object?[table.Columns.Count];
                for (int ordinal = 0; ordinal < values.Length; ordinal++)
                {
                    values[ordinal] = ExpressionEvaluator.Evaluate(SqlBinder.DefaultOf(table.Columns[ordinal]), []);
                }
                for (int index = 0; index < insert.TargetOrdinals.Count; index++)
                {
                    ColumnDescriptor column = table.Columns[insert.TargetOrdinals[index]];
                    SqlType sourceType = insert.Query!.Types[index];
                    values[insert.TargetOrdinals[index]] = ValueCast.Convert(source[index], sourceType, column.Type, ValueCast.Context.Assignment);
                }
                await WriteAsync(table, values, store, returned, insert.Returning, cancellationToken);
                count++;
            }
        }
        string tag = "INSERT 0 " + count.ToString(CultureInfo.InvariantCulture);
        return new StatementResult(insert.Returning?.Columns, returned, tag);
    }

    internal static async ValueTask WriteAsync(TableDescriptor table, object?[] values, ITransactionStore store,
        List<object?[]>? returned, BoundReturning? returning, CancellationToken cancellationToken)
    {
        ConstraintChecks.CheckNotNull(table, values);
        byte[] key = RowSource.KeyOf(store, table, values);
        await ConstraintChecks.CheckKeyIsFreeAsync(store, table, key, values, cancellationToken);
        store.Put(key, RowEncoder.Encode(table, values));
        if (returned is not null) returned.Add(Returning.Project(returning!, values));
    }
}

internal static class Returning
{
    public static object?[] Project(BoundReturning returning, object?[] row)
    {
        var output = new object?[returning.Projection.Count];
        for (int index = 0; index < output.Length; index++) output[index] = ExpressionEvaluator.Evaluate(returning.Projection[index], row);
        return output;
    }
}
