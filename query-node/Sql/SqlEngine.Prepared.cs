using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql;

public sealed partial class SqlEngine
{
    /// <summary>
    /// The values of EXECUTE's parameter expressions, each of the prepared statement's parameter type, as PostgreSQL's
    /// EvaluateParams gives them: a string literal or NULL is read by the type's input (it is of unknown type there), any
    /// other expression is computed (in the session's transaction: it may read tables) and coerced as an assignment is,
    /// 42804 when no assignment cast exists.
    /// </summary>
    internal async ValueTask<object?[]> EvaluateParametersAsync(IReadOnlyList<Expression> arguments, IReadOnlyList<int> typeOids,
        ITransactionStore store, DateTimeSettings dateTimeSettings, ISessionEnvironment? session, CancellationToken cancellationToken)
    {
        var values = new object?[arguments.Count];
        var computed = new List<int>();
        for (int index = 0; index < arguments.Count; index++)
        {
            if (arguments[index] is A_Const { Kind: ConstantKind.String or ConstantKind.Null } literal) values[index] = literal.Text;
            else computed.Add(index);
        }
        if (computed.Count == 0) return values;
        var select = new SelectStmt(arguments[computed[0]].Location)
        {
            TargetList = computed.Select(index => new ResTarget(arguments[index], null, arguments[index].Location)).ToArray(),
        };
        StatementResult result = await ExecuteAsync(new ParsedStatement(select, "", 0), null, null, store, dateTimeSettings, session,
            streamRows: false, cancellationToken);
        object?[] row = result.Rows[0];
        for (int column = 0; column < computed.Count; column++)
        {
            int index = computed[column];
            SqlType from = ParameterContext.TypeOfOid(result.Columns![column].TypeOid);
            SqlType to = ParameterContext.TypeOfOid(typeOids[index]);
            int position = arguments[index].Location + 1;
            if (from.Kind != TypeKind.Unknown && !ValueCast.CanCast(from, to, ValueCast.Context.Assignment))
            {
                throw new SqlException(SqlState.DatatypeMismatch,
                    $"parameter ${index + 1} of type {from.DisplayName} cannot be coerced to the expected type {to.DisplayName}", position,
                    hint: "You will need to rewrite or cast the expression.");
            }
            values[index] = from.Kind == TypeKind.Unknown ? row[column]
                : ValueCast.Convert(row[column], from, to, ValueCast.Context.Assignment, dateTimeSettings, position);
        }
        return values;
    }
}
