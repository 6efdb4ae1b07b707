using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    /// <summary>The options VACUUM (...) accepts in PostgreSQL 16 (vacuum.c's ExecVacuum), each with an optional value.</summary>
    private static readonly HashSet<string> VacuumOptions = new(StringComparer.Ordinal)
    {
        "verbose", "analyze", "freeze", "full", "disable_page_skipping", "skip_locked", "index_cleanup", "process_main",
        "process_toast", "truncate", "parallel", "skip_database_stats", "only_database_stats", "buffer_usage_limit",
    };

    /// <summary>The options ANALYZE (...) accepts.</summary>
    private static readonly HashSet<string> AnalyzeOptions = new(StringComparer.Ordinal) { "verbose", "skip_locked", "buffer_usage_limit" };

    /// <summary>VACUUM and ANALYZE (ANALYSE): the options are read and checked by name; their values are not kept.</summary>
    private VacuumStmt ParseVacuum()
    {
        Token command = Advance();
        bool isVacuum = command.Text == "vacuum";
        if (TryOperator("("))
        {
            HashSet<string> known = isVacuum ? VacuumOptions : AnalyzeOptions;
            do
            {
                Token option = Current;
                if (option.Kind != TokenKind.Identifier) throw SyntaxError();
                _index++;
                string name = option.Text == "analyse" ? "analyze" : option.Text;
                if (!known.Contains(name))
                {
                    throw new SqlException(SqlState.SyntaxError, $"unrecognized {(isVacuum ? "VACUUM" : "ANALYZE")} option \"{name}\"", option.Position + 1);
                }
                if (!Current.IsOperator(",") && !Current.IsOperator(")"))
                {
                    TryOperator("-");
                    if (Current.Kind is TokenKind.EndOfInput or TokenKind.Operator) throw SyntaxError();
                    _index++;
                }
            }
            while (TryOperator(","));
            ExpectOperator(")");
        }
        else
        {
            if (isVacuum) TryKeyword("full");
            if (isVacuum) TryKeyword("freeze");
            TryKeyword("verbose");
            if (isVacuum && !TryKeyword("analyze")) TryKeyword("analyse");
        }
        var relations = new List<VacuumRelation>();
        if (Current.Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier && !Current.IsOperator(";"))
        {
            do
            {
                RangeVar relation = ParseRangeVar(allowAlias: false);
                var columns = new List<string>();
                if (TryOperator("("))
                {
                    do columns.Add(ExpectColumnIdentifier().Name);
                    while (TryOperator(","));
                    ExpectOperator(")");
                }
                relations.Add(new VacuumRelation(relation, columns));
            }
            while (TryOperator(","));
        }
        return new VacuumStmt(isVacuum, relations, command.Position);
    }
}
