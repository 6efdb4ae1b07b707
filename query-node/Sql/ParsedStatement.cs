using Log.QueryNode.Sql.Parser;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql;

/// <summary>One statement of a query string, parsed and ready to bind and run (maybe several times).</summary>
public sealed class ParsedStatement
{
    internal ParsedStatement(Statement tree, string text, int parameterCount)
    {
        Tree = tree;
        Text = text;
        ParameterCount = parameterCount;
        (TransactionControl, CommandTag, IsReadOnly) = tree switch
        {
            TransactionStmt transaction => (transaction.Kind, transaction.CommandTag, true),
            SelectStmt select => (TransactionControl.None, "SELECT", !StatementEffects.WritesOrLocks(select)),
            ExplainStmt explain => (TransactionControl.None, "EXPLAIN", !StatementEffects.WritesOrLocks(explain)),
            InsertStmt => (TransactionControl.None, "INSERT", false),
            UpdateStmt => (TransactionControl.None, "UPDATE", false),
            DeleteStmt => (TransactionControl.None, "DELETE", false),
            CreateStmt => (TransactionControl.None, "CREATE TABLE", false),
            CreateTableAsStmt => (TransactionControl.None, "SELECT", false),
            CommentStmt => (TransactionControl.None, "COMMENT", false),
            CreateSchemaStmt => (TransactionControl.None, "CREATE SCHEMA", false),
            DropSchemaStmt => (TransactionControl.None, "DROP SCHEMA", false),
            AlterSchemaStmt => (TransactionControl.None, "ALTER SCHEMA", false),
            DropStmt drop => (TransactionControl.None, drop.RemoveType switch
            {
                ObjectType.Sequence => "DROP SEQUENCE",
                ObjectType.View => "DROP VIEW",
                _ => "DROP TABLE",
            }, false),
            CreateSeqStmt => (TransactionControl.None, "CREATE SEQUENCE", false),
            AlterSeqStmt => (TransactionControl.None, "ALTER SEQUENCE", false),
            ViewStmt => (TransactionControl.None, "CREATE VIEW", false),
            TruncateStmt => (TransactionControl.None, "TRUNCATE TABLE", false),
            VacuumStmt vacuum => (TransactionControl.None, vacuum.IsVacuum ? "VACUUM" : "ANALYZE", false),
            // PostgreSQL allows LOCK TABLE in a read-only transaction, whatever the mode.
            LockStmt => (TransactionControl.None, "LOCK TABLE", true),
            ConstraintsSetStmt => (TransactionControl.None, "SET CONSTRAINTS", true),
            DeclareCursorStmt declare => (TransactionControl.None, "DECLARE CURSOR", !StatementEffects.WritesOrLocks(declare.Query)),
            FetchStmt fetch => (TransactionControl.None, fetch.IsMove ? "MOVE" : "FETCH", true),
            ClosePortalStmt close => (TransactionControl.None, close.Name is null ? "CLOSE CURSOR ALL" : "CLOSE CURSOR", true),
            AlterTableStmt => (TransactionControl.None, "ALTER TABLE", false),
            IndexStmt => (TransactionControl.None, "CREATE INDEX", false),
            DropIndexStmt => (TransactionControl.None, "DROP INDEX", false),
            VariableSetStmt set => (TransactionControl.None, set.Value is null && !IsTransactionModes(set.Name) ? "RESET" : "SET", true),
            VariableShowStmt => (TransactionControl.None, "SHOW", true),
            DiscardStmt discard => (TransactionControl.None, discard.Target == "all" ? "DISCARD ALL" : "DISCARD " + discard.Target.ToUpperInvariant(), true),
            NoOperationStmt noOperation => (TransactionControl.None, noOperation.CommandTag, true),
            CopyStmt copy => (TransactionControl.None, "COPY", !copy.IsFrom),
            CreateRoleStmt => (TransactionControl.None, "CREATE ROLE", false),
            AlterRoleStmt => (TransactionControl.None, "ALTER ROLE", false),
            DropRoleStmt => (TransactionControl.None, "DROP ROLE", false),
            GrantRoleStmt grantRole => (TransactionControl.None, grantRole.IsGrant ? "GRANT ROLE" : "REVOKE ROLE", false),
            IamGrantStmt iam => (TransactionControl.None, iam.IsGrant ? "AWS IAM GRANT" : "AWS IAM REVOKE", false),
            GrantStmt grant => (TransactionControl.None, grant.IsGrant ? "GRANT" : "REVOKE", false),
            AlterDefaultPrivilegesStmt => (TransactionControl.None, "ALTER DEFAULT PRIVILEGES", false),
            // What EXECUTE may write is its prepared statement's: the session checks that statement when it runs it.
            PrepareStmt => (TransactionControl.None, "PREPARE", true),
            ExecuteStmt => (TransactionControl.None, "EXECUTE", true),
            DeallocateStmt deallocate => (TransactionControl.None, deallocate.Name is null ? "DEALLOCATE ALL" : "DEALLOCATE", true),
            _ => (TransactionControl.None, "", false),
        };
    }

    /// <summary>The kind of a transaction control statement (the session runs them), else None.</summary>
    public TransactionControl TransactionControl { get; }

    /// <summary>The command tag for transaction control statements ("BEGIN", "START TRANSACTION", "COMMIT", "ROLLBACK");
    /// for others the statement kind ("SELECT", "INSERT", ...), the final tag with its row count comes with the result.</summary>
    public string CommandTag { get; }

    /// <summary>True for statements that write nothing and take no row locks: a query without FOR UPDATE (anywhere in it)
    /// and without a data-modifying WITH, EXPLAIN unless it is EXPLAIN ANALYZE of a statement that writes, SHOW, SET.</summary>
    public bool IsReadOnly { get; }

    /// <summary>The statement's source text (without the terminating semicolon).</summary>
    public string Text { get; }

    /// <summary>For SET name = value / RESET name: the setting and its new value (null for RESET), so the session can
    /// keep it (and report application_name and the like in ParameterStatus). The engine itself keeps no settings.</summary>
    public (string Name, string? Value)? VariableAssignment => Tree is VariableSetStmt set && !IsTransactionModes(set.Name) ? (set.Name, set.Value) : null;

    /// <summary>SET LOCAL: the assignment lasts until the transaction ends.</summary>
    public bool IsLocalAssignment => Tree is VariableSetStmt { IsLocal: true };

    /// <summary>For BEGIN / START TRANSACTION / SET TRANSACTION / SET SESSION CHARACTERISTICS: READ ONLY (true), READ WRITE
    /// (false) or not said (null); whether it is for the session's later transactions (SET SESSION CHARACTERISTICS).</summary>
    public (bool? ReadOnly, bool ForSession)? TransactionModes => Tree switch
    {
        TransactionStmt { Kind: TransactionControl.Begin } begin => (begin.ReadOnly, false),
        VariableSetStmt set when IsTransactionModes(set.Name) => (set.Value is null ? null : set.Value == "on", set.Name == "session_characteristics"),
        _ => null,
    };

    /// <summary>The savepoint that SAVEPOINT, RELEASE and ROLLBACK TO name; null for other statements.</summary>
    public string? SavepointName => (Tree as TransactionStmt)?.SavepointName;

    private static bool IsTransactionModes(string name) => name is "transaction" or "session_characteristics";

    /// <summary>The highest $n the statement uses (extended protocol), 0 if none.</summary>
    public int ParameterCount { get; }

    internal Statement Tree { get; }

    public override string ToString() => Text;
}
