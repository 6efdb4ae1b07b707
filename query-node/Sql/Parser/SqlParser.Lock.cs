using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    private LockStmt ParseLock()
    {
        int location = ExpectKeyword("lock").Position;
        TryKeyword("table");
        var relations = new List<RangeVar>();
        do
        {
            bool only = TryKeyword("only");
            relations.Add(ParseRangeVar(allowAlias: false));
            if (!only) TryOperator("*");
        }
        while (TryOperator(","));
        string mode = "access exclusive";
        if (TryKeyword("in"))
        {
            mode = ParseLockMode();
            ExpectKeyword("mode");
        }
        return new LockStmt(relations, mode, TryKeyword("nowait"), location);
    }

    /// <summary>gram.y's lock_type: ACCESS SHARE, ROW SHARE, ROW EXCLUSIVE, SHARE UPDATE EXCLUSIVE, SHARE,
    /// SHARE ROW EXCLUSIVE, EXCLUSIVE, ACCESS EXCLUSIVE.</summary>
    private string ParseLockMode()
    {
        foreach (string first in (string[])["access", "row"])
        {
            if (!TryKeyword(first)) continue;
            if (TryKeyword("share")) return first + " share";
            ExpectKeyword("exclusive");
            return first + " exclusive";
        }
        if (TryKeyword("share"))
        {
            if (TryKeyword("update"))
            {
                ExpectKeyword("exclusive");
                return "share update exclusive";
            }
            if (TryKeyword("row"))
            {
                ExpectKeyword("exclusive");
                return "share row exclusive";
            }
            return "share";
        }
        ExpectKeyword("exclusive");
        return "exclusive";
    }
}
