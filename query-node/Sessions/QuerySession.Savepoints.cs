using Log.QueryNode.Execution;
using Log.QueryNode.Sql;

namespace Log.QueryNode.Sessions;

/// <summary>
/// SAVEPOINT, RELEASE [SAVEPOINT] and ROLLBACK TO [SAVEPOINT], as PostgreSQL runs them: only in a transaction block;
/// a name may be used again and the newest savepoint of a name is the one RELEASE and ROLLBACK TO find; RELEASE also
/// ends every savepoint made after the one it names, ROLLBACK TO ends those and keeps its own. ROLLBACK TO puts back
/// the transaction's writes (<see cref="Transaction.RollBackTo"/>), the session's settings (SET and SET LOCAL) and
/// the index builds asked for since the savepoint, and it is the one statement (with ROLLBACK) that a failed
/// transaction accepts: an error after a savepoint leaves the transaction failed (25P02) until ROLLBACK TO recovers it.
/// Aurora DSQL refuses savepoints; with <see cref="SqlEngine.DsqlCompatibility"/> Log refuses them too.
/// </summary>
public sealed partial class QuerySession
{
    /// <summary>One open savepoint: where the transaction's writes stood and what the session's settings were.</summary>
    private sealed record Savepoint(string Name, Transaction.SavepointMark Mark, IReadOnlyDictionary<string, string> Settings,
        Dictionary<string, string?> LocalSettings, int IndexBuildCount);

    /// <summary>The open transaction's savepoints, oldest first; empty outside a transaction block.</summary>
    private readonly List<Savepoint> savepoints = [];

    private StatementResult RunSavepointStatement(ParsedStatement statement)
    {
        var kind = statement.TransactionControl;
        if (engine.DsqlCompatibility)
        {
            throw new SqlException(SqlState.FeatureNotSupported, kind switch
            {
                TransactionControl.Savepoint => "SAVEPOINT is not supported",
                TransactionControl.Release => "RELEASE is not supported",
                _ => "ROLLBACK TO SAVEPOINT is not supported",
            });
        }
        if (failed && kind != TransactionControl.RollbackTo)
        {
            throw InFailedTransaction();
        }
        if (!explicitTransaction)
        {
            string statementName = kind switch
            {
                TransactionControl.Savepoint => "SAVEPOINT",
                TransactionControl.Release => "RELEASE SAVEPOINT",
                _ => "ROLLBACK TO SAVEPOINT",
            };
            throw new SqlException(SqlState.NoActiveSqlTransaction, $"{statementName} can only be used in transaction blocks");
        }
        string name = statement.SavepointName ?? throw new InvalidOperationException("a savepoint statement without a name");
        if (kind == TransactionControl.Savepoint)
        {
            var open = transaction ?? throw new InvalidOperationException("a transaction block without its transaction");
            savepoints.Add(new Savepoint(name, open.OpenSavepoint(), settings.Save(), new(localSettings, StringComparer.OrdinalIgnoreCase),
                PendingIndexBuildCount(open)));
            return new StatementResult(null, null, statement.CommandTag);
        }
        int index = savepoints.FindLastIndex(savepoint => savepoint.Name.Equals(name, StringComparison.Ordinal));
        if (index < 0)
        {
            throw new SqlException(SqlState.InvalidSavepointSpecification, $"savepoint \"{name}\" does not exist");
        }
        // A transaction failed with no savepoint open was dropped (AbortAfterError): there is nothing to find then.
        var owner = transaction ?? throw new InvalidOperationException("a savepoint without its transaction");
        if (kind == TransactionControl.Release)
        {
            owner.CloseSavepoints(savepoints.Count - index);
            savepoints.RemoveRange(index, savepoints.Count - index);
            return new StatementResult(null, null, statement.CommandTag);
        }
        owner.CloseSavepoints(savepoints.Count - index - 1);
        savepoints.RemoveRange(index + 1, savepoints.Count - index - 1);
        var target = savepoints[index];
        owner.RollBackTo(target.Mark);
        settings.Restore(target.Settings);
        localSettings.Clear();
        foreach ((string setting, string? value) in target.LocalSettings) localSettings[setting] = value;
        TruncatePendingIndexBuilds(owner, target.IndexBuildCount);
        failed = false;
        return new StatementResult(null, null, statement.CommandTag);
    }
}
