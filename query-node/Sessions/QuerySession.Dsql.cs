using Log.QueryNode.Execution;
using Log.QueryNode.Sql;

namespace Log.QueryNode.Sessions;

/// <summary>Aurora DSQL's rules for schema changes in transactions, enforced only when the engine runs with
/// <see cref="SqlEngine.DsqlCompatibility"/>: one DDL statement per transaction, and no DDL and DML in one
/// transaction. Queries that only read mix with either, as in DSQL.</summary>
public sealed partial class QuerySession
{
    private const string DdlAndDmlMessage = "ddl and dml are not supported in the same transaction";
    private const string MultipleDdlMessage = "multiple ddl statements are not supported in a transaction";

    /// <summary>What the open transaction has run so far, for the DSQL rules.</summary>
    private bool transactionRanDdl;
    private bool transactionRanDml;

    /// <summary>Checks a statement against DSQL's rules before it runs (it changes nothing when it fails), then notes
    /// its kind. The transaction must be open.</summary>
    private void CheckDsqlTransactionRules(ParsedStatement statement)
    {
        if (!engine.DsqlCompatibility) return;
        bool isDdl = SqlEngine.ChangesCatalog(statement.Tree);
        bool isDml = !isDdl && !statement.IsReadOnly;
        if (isDdl && transactionRanDdl) throw new SqlException(SqlState.FeatureNotSupported, MultipleDdlMessage);
        if (isDdl && transactionRanDml || isDml && transactionRanDdl) throw new SqlException(SqlState.FeatureNotSupported, DdlAndDmlMessage);
        transactionRanDdl |= isDdl;
        transactionRanDml |= isDml;
    }

    private void ResetDsqlTransactionRules()
    {
        transactionRanDdl = false;
        transactionRanDml = false;
    }
}
