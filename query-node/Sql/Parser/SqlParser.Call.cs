using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    /// <summary>CALL name(arguments).</summary>
    private CallStmt ParseCall()
    {
        int location = ExpectKeyword("call").Position;
        Expression call = ParseExpression();
        if (call is not FuncCall function) throw new SqlException(SqlState.SyntaxError, "syntax error at or near \"CALL\"", location + 1);
        return new CallStmt(function, location);
    }
}
