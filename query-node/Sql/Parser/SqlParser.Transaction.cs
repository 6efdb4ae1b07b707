using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    private TransactionStmt ParseTransaction()
    {
        Token token = Advance();
        switch (token.Text)
        {
            case "begin":
                if (!TryKeyword("work")) TryKeyword("transaction");
                return new TransactionStmt(TransactionControl.Begin, "BEGIN", token.Position, ParseTransactionModes());
            case "start":
                ExpectKeyword("transaction");
                return new TransactionStmt(TransactionControl.Begin, "START TRANSACTION", token.Position, ParseTransactionModes());
            case "commit":
            case "end":
                if (!TryKeyword("work")) TryKeyword("transaction");
                ParseAndChain();
                return new TransactionStmt(TransactionControl.Commit, "COMMIT", token.Position);
            case "savepoint":
                return new TransactionStmt(TransactionControl.Savepoint, "SAVEPOINT", token.Position) { SavepointName = ExpectColumnIdentifier().Name };
            case "release":
                TryKeyword("savepoint");
                return new TransactionStmt(TransactionControl.Release, "RELEASE", token.Position) { SavepointName = ExpectColumnIdentifier().Name };
            default:
                if (!TryKeyword("work")) TryKeyword("transaction");
                // ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name; ABORT has no TO form in PostgreSQL's grammar.
                if (token.Text == "rollback" && TryKeyword("to"))
                {
                    TryKeyword("savepoint");
                    return new TransactionStmt(TransactionControl.RollbackTo, "ROLLBACK", token.Position) { SavepointName = ExpectColumnIdentifier().Name };
                }
                ParseAndChain();
                return new TransactionStmt(TransactionControl.Rollback, "ROLLBACK", token.Position);
        }
    }

    private void ParseAndChain()
    {
        if (!TryKeyword("and")) return;
        if (IsKeyword("chain")) throw NotSupported("AND CHAIN", Current.Position);
        ExpectKeyword("no");
        ExpectKeyword("chain");
    }

    /// <summary>ISOLATION LEVEL ..., READ WRITE, READ ONLY, [NOT] DEFERRABLE: accepted; every transaction runs at
    /// snapshot isolation (PostgreSQL's REPEATABLE READ), as in Aurora DSQL. Returns READ ONLY (true) / READ WRITE (false).</summary>
    private bool? ParseTransactionModes()
    {
        bool? readOnly = null;
        while (true)
        {
            if (TryKeyword("isolation"))
            {
                ExpectKeyword("level");
                if (TryKeyword("serializable")) { }
                else if (TryKeyword("repeatable")) ExpectKeyword("read");
                else if (TryKeyword("read"))
                {
                    if (!TryKeyword("committed")) ExpectKeyword("uncommitted");
                }
                else throw SyntaxError();
            }
            else if (TryKeyword("read"))
            {
                if (TryKeyword("write")) readOnly = false;
                else
                {
                    ExpectKeyword("only");
                    readOnly = true;
                }
            }
            else if (TryKeyword("not"))
            {
                ExpectKeyword("deferrable");
            }
            else if (TryKeyword("deferrable"))
            {
            }
            else
            {
                return readOnly;
            }
            TryOperator(",");
        }
    }
}
