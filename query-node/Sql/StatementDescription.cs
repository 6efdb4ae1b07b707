namespace Log.QueryNode.Sql;

/// <summary>What the extended protocol's Describe reports: the parameter types (declared, or inferred from use) and
/// the row description (null for statements that return no rows).</summary>
public sealed record StatementDescription(IReadOnlyList<int> ParameterTypeOids, IReadOnlyList<ResultColumn>? Columns);
