using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    /// <summary>A column's REFERENCES, or a table's FOREIGN KEY (columns) REFERENCES (the current token is
    /// REFERENCES or FOREIGN).</summary>
    private TableConstraint ParseForeignKey(string? name, (string Name, int Location)? column)
    {
        Token keyword = Current;
        var columns = new List<(string, int)>();
        if (column is { } own)
        {
            columns.Add(own);
        }
        else
        {
            ExpectKeyword("foreign");
            ExpectKeyword("key");
            columns.AddRange(ParseColumnNameList());
        }
        ExpectKeyword("references");
        RangeVar table = ParseRangeVar(allowAlias: false);
        List<(string, int)>? referenced = Current.IsOperator("(") ? ParseColumnNameList() : null;
        if (TryKeyword("match"))
        {
            if (IsKeyword("full") || IsKeyword("partial")) throw NotSupported("MATCH " + Current.Text.ToUpperInvariant(), Current.Position);
            ExpectKeyword("simple");
        }
        ForeignKeyAction onDelete = ForeignKeyAction.NoAction;
        ForeignKeyAction onUpdate = ForeignKeyAction.NoAction;
        while (IsKeyword("on"))
        {
            _index++;
            bool delete = TryKeyword("delete");
            if (!delete) ExpectKeyword("update");
            ForeignKeyAction action = ParseReferentialAction();
            if (delete) onDelete = action;
            else onUpdate = action;
        }
        return new TableConstraint(name, TableConstraintKind.ForeignKey, columns, column is not null, false, null, null, keyword.Position)
        {
            References = new ForeignKeyReference(table, referenced, onDelete, onUpdate),
            Deferral = ParseConstraintDeferral(),
        };
    }

    private List<(string, int)> ParseColumnNameList()
    {
        ExpectOperator("(");
        var columns = new List<(string, int)>();
        do columns.Add(ExpectColumnIdentifier());
        while (TryOperator(","));
        ExpectOperator(")");
        return columns;
    }

    /// <summary>gram.y's key_action: NO ACTION | RESTRICT | CASCADE | SET NULL | SET DEFAULT.</summary>
    private ForeignKeyAction ParseReferentialAction()
    {
        if (TryKeyword("no"))
        {
            ExpectKeyword("action");
            return ForeignKeyAction.NoAction;
        }
        if (TryKeyword("restrict")) return ForeignKeyAction.Restrict;
        if (TryKeyword("cascade")) return ForeignKeyAction.Cascade;
        ExpectKeyword("set");
        if (TryKeyword("null")) return ForeignKeyAction.SetNull;
        ExpectKeyword("default");
        return ForeignKeyAction.SetDefault;
    }
}
