namespace Log.QueryNode.Sql;

/// <summary>Transaction control statements, which the session runs itself (it owns the transaction).</summary>
public enum TransactionControl
{
    None,
    Begin,
    Commit,
    Rollback,
    /// <summary>SAVEPOINT name.</summary>
    Savepoint,
    /// <summary>RELEASE [SAVEPOINT] name.</summary>
    Release,
    /// <summary>ROLLBACK TO [SAVEPOINT] name.</summary>
    RollbackTo,
}
