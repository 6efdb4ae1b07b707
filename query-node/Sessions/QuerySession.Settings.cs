using Log.QueryNode.Execution;
using Log.QueryNode.Sql;
using Log.QueryNode.Sql.Parser.Ast;
using Log.Wire;
using Log.Wire.Types;

namespace Log.QueryNode.Sessions;

public sealed partial class QuerySession
{
    private static readonly ResultColumn[] ShowAllColumns =
    [
        new("name", PgTypeOid.Text, -1, -1),
        new("setting", PgTypeOid.Text, -1, -1),
        new("description", PgTypeOid.Text, -1, -1),
    ];

    /// <summary>SET, RESET, SHOW, DISCARD and the no-op reset statements of connection pools: they change or read this
    /// session only, so they need no snapshot.</summary>
    private StatementResult RunSessionStatement(ParsedStatement statement, IPgResponseWriter writer)
    {
        switch (statement.Tree)
        {
            case VariableSetStmt set:
                // SET TRANSACTION / SET SESSION CHARACTERISTICS AS TRANSACTION: every transaction runs at snapshot
                // isolation, whatever level is asked for (see SessionSettings).
                if (statement.VariableAssignment is { } assignment)
                {
                    if (statement.IsLocalAssignment && !explicitTransaction)
                    {
                        writer.Notice(new PgError("WARNING", SqlState.NoActiveSqlTransaction, "SET LOCAL can only be used in transaction blocks"));
                    }
                    // SET LOCAL is undone when the transaction ends (COMMIT too); SET only when it rolls back.
                    Environment.SetSetting(assignment.Name, assignment.Value, statement.IsLocalAssignment);
                    // Plans resolved their relation names along the old path (PostgreSQL replans on a new one too).
                    if (assignment.Name.Equals("search_path", StringComparison.OrdinalIgnoreCase)) engine.CatalogChanged();
                }
                else if (statement.TransactionModes is { ReadOnly: { } readOnly } modes)
                {
                    settings.Apply(modes.ForSession ? "default_transaction_read_only" : "transaction_read_only", readOnly ? "on" : "off");
                }
                return new StatementResult(null, null, statement.CommandTag);
            case VariableShowStmt { Name: "all" }:
                return new StatementResult(ShowAllColumns, settings.ShowAll().Select(pair => new object?[] { pair.Name, pair.Value, "" }).ToList(), "SHOW");
            case VariableShowStmt show:
            {
                var (name, value) = settings.Show(show.Name);
                return new StatementResult([new ResultColumn(name, PgTypeOid.Text, -1, -1)], [[value]], "SHOW");
            }
            case DiscardStmt discard:
                if (explicitTransaction)
                {
                    throw new SqlException(SqlState.ActiveSqlTransaction, $"DISCARD {discard.Target.ToUpperInvariant()} cannot run inside a transaction block");
                }
                if (discard.Target == "all")
                {
                    settings.ResetAll();
                    // The protocol's prepared statements and portals are the wire's: it drops them.
                    writer.DiscardPreparedStatementsAndPortals();
                }
                return new StatementResult(null, null, statement.CommandTag);
            case NoOperationStmt:
                return new StatementResult(null, null, statement.CommandTag);
            default:
                throw new InvalidOperationException($"not a session statement: {statement.Tree.GetType().Name}");
        }
    }

    /// <summary>What Describe reports for a session statement: SHOW returns one text column, the others nothing.</summary>
    private IReadOnlyList<PgField>? DescribeSessionStatement(ParsedStatement statement) => statement.Tree switch
    {
        VariableShowStmt { Name: "all" } => ToFields(ShowAllColumns),
        VariableShowStmt show => [new PgField(settings.Show(show.Name).Name, 0, 0, PgTypeOid.Text, -1, -1)],
        _ => null,
    };
}
