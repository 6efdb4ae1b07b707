using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// CALL: the one procedure is Aurora DSQL's sys.wait_for_job(job_id), which blocks until the job ends and returns
/// one row, succeeded (true when the job completed; false when it failed or was cancelled). The argument is a string
/// literal or a parameter. Any other procedure does not exist (42883), as in PostgreSQL.
/// </summary>
internal static class CallExecutor
{
    public const string SysSchema = "sys";
    public const string WaitForJob = "wait_for_job";

    public static readonly IReadOnlyList<ResultColumn> Columns = [ResultColumn.For("succeeded", SqlType.Bool)];

    public static bool IsWaitForJob(CallStmt call) => call.Call is { Schema: SysSchema, Name: WaitForJob };

    /// <summary>The job id the call names; throws 42883 for any other procedure.</summary>
    public static string JobId(CallStmt call, IReadOnlyList<object?>? parameters)
    {
        FuncCall function = call.Call;
        if (!IsWaitForJob(call) || function.Arguments.Count != 1)
        {
            string name = function.Schema is null ? function.Name : $"{function.Schema}.{function.Name}";
            throw new SqlException(SqlState.UndefinedFunction, $"procedure {name}({string.Join(", ", function.Arguments.Select(ArgumentTypeName))}) does not exist",
                function.Location + 1, hint: "No procedure matches the given name and argument types. You might need to add explicit type casts.");
        }
        object? value = function.Arguments[0] switch
        {
            A_Const { Kind: not ConstantKind.Null } constant => constant.Text,
            ParamRef parameter when parameters is not null && parameter.Number <= parameters.Count => parameters[parameter.Number - 1],
            _ => throw new SqlException(SqlState.FeatureNotSupported, "sys.wait_for_job takes a job id as a string literal or a parameter", function.Location + 1),
        };
        return value as string ?? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)
            ?? throw new SqlException(SqlState.NullValueNotAllowed, "job id must not be null");
    }

    /// <summary>The type PostgreSQL's message names for an argument: a literal's type as the parser sees it.</summary>
    private static string ArgumentTypeName(Expression argument) => argument switch
    {
        A_Const { Kind: ConstantKind.Integer } => "integer",
        A_Const { Kind: ConstantKind.Decimal } => "numeric",
        A_Const { Kind: ConstantKind.Boolean } => "boolean",
        _ => "unknown",
    };
}
