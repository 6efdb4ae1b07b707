using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Binder;

internal sealed partial class SqlBinder
{
    public BoundDelete BindDelete(DeleteStmt delete)
    {
        _aggregateCalls = null;
        _aggregateForbiddenIn = "WHERE";
        BoundExpression? where = delete.Where is null ? null : CoerceToBoolean(Bind(delete.Where), delete.Where, "WHERE");
        return new BoundDelete(_table!, where, BindReturning(delete.ReturningList));
    }
}
