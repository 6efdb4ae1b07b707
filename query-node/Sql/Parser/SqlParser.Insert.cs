using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    private InsertStmt ParseInsert()
    {
        int location = ExpectKeyword("insert").Position;
        ExpectKeyword("into");
        RangeVar relation = ParseRangeVar(allowAlias: false);
        if (TryKeyword("as")) relation = relation with { Alias = ExpectColumnIdentifier().Name };
        List<ResTarget>? columns = null;
        if (Current.IsOperator("(") && !(Peek().IsKeyword("select") || Peek().IsKeyword("values")))
        {
            _index++;
            columns = [];
            do
            {
                (string name, int columnLocation) = ExpectColumnIdentifier();
                if (Current.IsOperator(".") || Current.IsOperator("[")) throw NotSupported("assignment to a field or subscript", Current.Position);
                columns.Add(new ResTarget(new ColumnRef([name], false, columnLocation), name, columnLocation));
            }
            while (TryOperator(","));
            ExpectOperator(")");
        }
        var valuesLists = new List<IReadOnlyList<Expression>>();
        SelectStmt? select = null;
        if (TryKeyword("default"))
        {
            ExpectKeyword("values");
        }
        else if (TryKeyword("values"))
        {
            do
            {
                ExpectOperator("(");
                var row = new List<Expression>();
                do row.Add(IsKeyword("default") ? new SetToDefault(Advance().Position) : ParseExpression());
                while (TryOperator(","));
                ExpectOperator(")");
                valuesLists.Add(row);
                if (valuesLists.Count > SqlLimits.ValuesRowsMax)
                {
                    throw new SqlException(SqlState.ProgramLimitExceeded, $"more than {SqlLimits.ValuesRowsMax} rows in VALUES");
                }
            }
            while (TryOperator(","));
        }
        else if (IsKeyword("select"))
        {
            select = ParseSelect();
        }
        else if (Current.IsOperator("(") && Peek().IsKeyword("select"))
        {
            _index++;
            select = ParseSelect();
            ExpectOperator(")");
        }
        else
        {
            throw SyntaxError();
        }
        if (IsKeyword("on")) throw NotSupported("ON CONFLICT", Current.Position);
        List<ResTarget>? returning = ParseOptionalReturning();
        return new InsertStmt(relation, columns, valuesLists, select, returning, location);
    }
}
