using System.Runtime.CompilerServices;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser;

namespace Log.QueryNode.Sql.Executor;

/// <summary>An index as a write maintains it: its key columns as row ordinals (-1 for an expression, bound against the
/// table), its predicate and INCLUDE columns, and how its keys are named in a duplicate's DETAIL.</summary>
internal sealed class WriteIndex
{
    public WriteIndex(TableDescriptor table, IndexDescriptor index)
    {
        Descriptor = index;
        KeyOrdinals = new int[index.KeyColumns.Count];
        KeyExpressions = new BoundExpression?[index.KeyColumns.Count];
        KeyNames = new string[index.KeyColumns.Count];
        for (int position = 0; position < KeyOrdinals.Length; position++)
        {
            IndexKeyColumn key = index.KeyColumns[position];
            if (key.Expression is { } text)
            {
                KeyOrdinals[position] = -1;
                KeyExpressions[position] = WriteSchema.BindExpression(table, text);
                KeyNames[position] = text;
            }
            else
            {
                KeyOrdinals[position] = table.OrdinalOfColumnId(key.ColumnId);
                KeyNames[position] = table.Columns[KeyOrdinals[position]].Name;
            }
        }
        Predicate = index.Predicate is null ? null : WriteSchema.BindExpression(table, index.Predicate);
        IncludeOrdinals = index.IncludeColumnIds.Select(table.OrdinalOfColumnId).ToArray();
    }

    public IndexDescriptor Descriptor { get; }

    public int[] KeyOrdinals { get; }

    public BoundExpression?[] KeyExpressions { get; }

    public string[] KeyNames { get; }

    public BoundExpression? Predicate { get; }

    public int[] IncludeOrdinals { get; }

    /// <summary>What an index's expressions and predicate are computed in. PostgreSQL requires both to be immutable, so
    /// they read no session setting: the default settings serve every statement and background build alike.</summary>
    private static readonly ExecutionContext ImmutableExpressions = ExecutionContext.ForExpressions(new StatementContext(CancellationToken.None));

    /// <summary>The key column values of a row, in key order.</summary>
    public object?[] KeyValues(object?[] row)
    {
        var values = new object?[KeyOrdinals.Length];
        for (int position = 0; position < values.Length; position++)
        {
            values[position] = KeyOrdinals[position] >= 0 ? row[KeyOrdinals[position]] : ExpressionEvaluator.Evaluate(KeyExpressions[position]!, row, ImmutableExpressions);
        }
        return values;
    }

    /// <summary>Whether a row belongs in the index (a partial index holds only rows its predicate is true for).</summary>
    public bool Covers(object?[] row) => Predicate is null || ExpressionEvaluator.Evaluate(Predicate, row, ImmutableExpressions) is true;
}

/// <summary>What a write of a table must check and maintain, bound once per table descriptor (descriptors are
/// immutable, so a new schema gets a new one): the CHECK constraints and the secondary indexes.</summary>
internal sealed class WriteSchema
{
    private static readonly ConditionalWeakTable<TableDescriptor, WriteSchema> Cache = new();

    private WriteSchema(TableDescriptor table)
    {
        Checks = table.Checks.Select(check => (check, BindExpression(table, check.Expression))).ToArray();
        Generated = Enumerable.Range(0, table.Columns.Count)
            .Where(ordinal => table.Columns[ordinal].Generated is not null)
            .Select(ordinal => (ordinal, GeneratedColumnBinder.Bind(table, table.Columns[ordinal])))
            .ToArray();
        Indexes = table.Indexes.Select(index => new WriteIndex(table, index)).ToArray();
        DeferrableUniqueIndexes = Indexes.Where(index => index.Descriptor.IsUnique && index.Descriptor.Deferral.IsDeferrable()).ToArray();
        Rewrite = table.Rewrite is { } rewrite ? new RewriteSchema(table, rewrite) : null;
    }

    public static WriteSchema For(TableDescriptor table) => Cache.GetValue(table, static table => new WriteSchema(table));

    public (CheckConstraint Constraint, BoundExpression Expression)[] Checks { get; }

    public WriteIndex[] Indexes { get; }

    /// <summary>The unique indexes of DEFERRABLE constraints, whose values are checked after they are written.</summary>
    public WriteIndex[] DeferrableUniqueIndexes { get; }
    /// <summary>What writes of a table being rewritten to new column types add (see <see cref="RewriteSchema"/>).</summary>
    public RewriteSchema? Rewrite { get; }

    /// <summary>The stored generated columns (row ordinal, expression over the row), computed before every check.</summary>
    public (int Ordinal, BoundExpression Expression)[] Generated { get; }

    /// <summary>Binds an expression the catalog stores as text against the table's row (columns are row ordinals).</summary>
    public static BoundExpression BindExpression(TableDescriptor table, string text)
    {
        var binder = new SqlBinder(table, table.Name);
        return binder.Bind(SqlParser.ParseExpressionText(text));
    }
}
