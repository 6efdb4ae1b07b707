using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    /// <summary>PREPARE name [ (type, ...) ] AS PreparableStmt, as gram.y reads it.</summary>
    private PrepareStmt ParsePrepare()
    {
        Token prepare = ExpectKeyword("prepare");
        string name = ExpectColumnIdentifier().Name;
        var types = new List<TypeName>();
        if (TryOperator("("))
        {
            do types.Add(ParseTypeName());
            while (TryOperator(","));
            ExpectOperator(")");
        }
        ExpectKeyword("as");
        int start = _index;
        Statement query = ParsePreparableStatement();
        if (_selectInto is not null) throw new SqlException(SqlState.SyntaxError, "SELECT ... INTO is not allowed here", _selectInto.Value.Location + 1);
        Token first = _tokens[start];
        Token last = _tokens[_index - 1];
        return new PrepareStmt(name, types, query, _text[first.Position..(last.Position + last.Length)], HighestParameter(start), prepare.Position);
    }

    /// <summary>EXECUTE name [ (expression, ...) ].</summary>
    private ExecuteStmt ParseExecute()
    {
        Token execute = ExpectKeyword("execute");
        string name = ExpectColumnIdentifier().Name;
        var parameters = new List<Expression>();
        if (TryOperator("("))
        {
            do parameters.Add(ParseExpression());
            while (TryOperator(","));
            ExpectOperator(")");
        }
        return new ExecuteStmt(name, parameters, execute.Position);
    }

    /// <summary>DEALLOCATE [PREPARE] { name | ALL }.</summary>
    private DeallocateStmt ParseDeallocate()
    {
        Token deallocate = ExpectKeyword("deallocate");
        TryKeyword("prepare");
        if (TryKeyword("all")) return new DeallocateStmt(null, deallocate.Position);
        return new DeallocateStmt(ExpectColumnIdentifier().Name, deallocate.Position);
    }
}
