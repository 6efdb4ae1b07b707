using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog;

/// <summary>One column of ALTER TABLE ... ALTER COLUMN ... TYPE that rewrites the rows: while the rewrite runs each row
/// holds its converted value under <see cref="TargetStorageId"/> beside the old one, and the switch at its end makes
/// that the column's <see cref="ColumnDescriptor.StorageId"/> (same id, name and position, the new type). <see cref="UsingExpression"/> is the USING clause's
/// SQL text, bound against the table; null converts the column itself (an assignment cast, as PostgreSQL does).</summary>
public sealed record ColumnConversion(int SourceColumnId, int TargetStorageId, SqlType TargetType, string? UsingExpression);

/// <summary>
/// A table rewrite in progress (see <c>TableRewrite</c> in the executor): the columns being converted, and the indexes
/// on them built anew over the converted values (<see cref="NewIndexes"/>[i] replaces the index whose id is
/// <see cref="ReplacedIndexIds"/>[i]; the new ones keep the old names and definitions and get new ids, so their entries
/// are apart from the old ones). The new indexes are not among
/// the table's <see cref="TableDescriptor.Indexes"/> until the switch, so no query, catalog view or DDL sees them; every
/// writer maintains them and the converted values, and checks the rows as the switched table will, so that the switch
/// is consistent with every write committed while the rewrite ran.
/// </summary>
public sealed record TableRewrite(string JobId, IReadOnlyList<ColumnConversion> Conversions, IReadOnlyList<IndexDescriptor> NewIndexes,
    IReadOnlyList<int> ReplacedIndexIds);
