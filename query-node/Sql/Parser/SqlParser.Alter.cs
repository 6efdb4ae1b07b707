using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    private Statement ParseAlter()
    {
        int location = ExpectKeyword("alter").Position;
        if (TryKeyword("sequence")) return ParseAlterSequence(location);
        if (!IsKeyword("table")) throw NotSupported("ALTER " + Current.Text.ToUpperInvariant(), Current.Position);
        _index++;
        bool missingOk = false;
        if (TryKeyword("if"))
        {
            ExpectKeyword("exists");
            missingOk = true;
        }
        TryKeyword("only");
        RangeVar relation = ParseRangeVar(allowAlias: false);
        var commands = new List<AlterTableCmd>();
        do commands.Add(ParseAlterTableCommand());
        while (TryOperator(","));
        return new AlterTableStmt(relation, missingOk, commands, location);
    }

    private AlterTableCmd ParseAlterTableCommand()
    {
        int location = Current.Position;
        if (TryKeyword("add"))
        {
            if (IsKeyword("constraint") || IsKeyword("primary") || IsKeyword("unique") || IsKeyword("check") || IsKeyword("foreign"))
            {
                throw NotSupported("ALTER TABLE ... ADD " + Current.Text.ToUpperInvariant(), Current.Position);
            }
            TryKeyword("column");
            bool ifNotExists = false;
            if (TryKeyword("if"))
            {
                ExpectKeyword("not");
                ExpectKeyword("exists");
                ifNotExists = true;
            }
            return new AddColumnCmd(ParseColumnDef(), ifNotExists, location);
        }
        if (TryKeyword("drop"))
        {
            if (IsKeyword("constraint")) throw NotSupported("ALTER TABLE ... DROP CONSTRAINT", Current.Position);
            TryKeyword("column");
            bool ifExists = false;
            if (TryKeyword("if"))
            {
                ExpectKeyword("exists");
                ifExists = true;
            }
            string name = ExpectColumnIdentifier().Name;
            if (IsKeyword("cascade")) throw NotSupported("DROP COLUMN ... CASCADE", Current.Position);
            TryKeyword("restrict");
            return new DropColumnCmd(name, ifExists, location);
        }
        if (TryKeyword("rename"))
        {
            if (TryKeyword("to")) return new RenameTableCmd(ExpectColumnIdentifier().Name, location);
            if (IsKeyword("constraint")) throw NotSupported("ALTER TABLE ... RENAME CONSTRAINT", Current.Position);
            TryKeyword("column");
            string oldName = ExpectColumnIdentifier().Name;
            ExpectKeyword("to");
            return new RenameColumnCmd(oldName, ExpectColumnIdentifier().Name, location);
        }
        if (IsKeyword("alter") || IsKeyword("owner") || IsKeyword("set") || IsKeyword("enable") || IsKeyword("disable"))
        {
            throw NotSupported("ALTER TABLE ... " + Current.Text.ToUpperInvariant(), Current.Position);
        }
        throw SyntaxError();
    }
}
