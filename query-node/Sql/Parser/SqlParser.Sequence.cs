using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    /// <summary>CREATE SEQUENCE [IF NOT EXISTS] name [options]; "create" and "sequence" are read.</summary>
    private CreateSeqStmt ParseCreateSequence(int location)
    {
        bool ifNotExists = false;
        if (TryKeyword("if"))
        {
            ExpectKeyword("not");
            ExpectKeyword("exists");
            ifNotExists = true;
        }
        RangeVar sequence = ParseRangeVar(allowAlias: false);
        return new CreateSeqStmt(sequence, ParseSequenceOptions(allowRestart: false, parenthesized: false), ifNotExists, location);
    }

    /// <summary>ALTER SEQUENCE [IF EXISTS] name options; "alter" and "sequence" are read.</summary>
    private AlterSeqStmt ParseAlterSequence(int location)
    {
        bool missingOk = false;
        if (TryKeyword("if"))
        {
            ExpectKeyword("exists");
            missingOk = true;
        }
        RangeVar sequence = ParseRangeVar(allowAlias: false);
        if (IsKeyword("rename") || IsKeyword("owner") || IsKeyword("set"))
        {
            throw NotSupported("ALTER SEQUENCE ... " + Current.Text.ToUpperInvariant(), Current.Position);
        }
        List<SequenceOption> options = ParseSequenceOptions(allowRestart: true, parenthesized: false);
        if (options.Count == 0) throw SyntaxError();
        return new AlterSeqStmt(sequence, options, missingOk, location);
    }

    /// <summary>SeqOptList: AS type, INCREMENT [BY] n, MINVALUE n | NO MINVALUE, MAXVALUE n | NO MAXVALUE, START [WITH] n,
    /// RESTART [[WITH] n], CACHE n, [NO] CYCLE, OWNED BY table.column | NONE. Inside an identity column's parentheses
    /// the list ends at ')'.</summary>
    private List<SequenceOption> ParseSequenceOptions(bool allowRestart, bool parenthesized)
    {
        var options = new List<SequenceOption>();
        while (true)
        {
            Token token = Current;
            if (token.Kind != TokenKind.Identifier) break;
            if (TryKeyword("as"))
            {
                options.Add(new SequenceOption("as", ParseTypeName(), token.Position));
            }
            else if (TryKeyword("increment"))
            {
                TryKeyword("by");
                options.Add(new SequenceOption("increment", ParseSequenceNumber(), token.Position));
            }
            else if (TryKeyword("minvalue"))
            {
                options.Add(new SequenceOption("minvalue", ParseSequenceNumber(), token.Position));
            }
            else if (TryKeyword("maxvalue"))
            {
                options.Add(new SequenceOption("maxvalue", ParseSequenceNumber(), token.Position));
            }
            else if (TryKeyword("start"))
            {
                TryKeyword("with");
                options.Add(new SequenceOption("start", ParseSequenceNumber(), token.Position));
            }
            else if (allowRestart && TryKeyword("restart"))
            {
                bool hasWith = TryKeyword("with");
                bool hasValue = hasWith || Current.Kind is TokenKind.Integer || Current.IsOperator("-") || Current.IsOperator("+");
                options.Add(new SequenceOption("restart", hasValue ? ParseSequenceNumber() : null, token.Position));
            }
            else if (TryKeyword("cache"))
            {
                options.Add(new SequenceOption("cache", ParseSequenceNumber(), token.Position));
            }
            else if (TryKeyword("cycle"))
            {
                options.Add(new SequenceOption("cycle", true, token.Position));
            }
            else if (IsKeyword("no") && Peek().Kind == TokenKind.Identifier && Peek().Text is "minvalue" or "maxvalue" or "cycle")
            {
                _index++;
                string name = Advance().Text;
                options.Add(new SequenceOption(name, name == "cycle" ? false : null, token.Position));
            }
            else if (TryKeyword("owned"))
            {
                ExpectKeyword("by");
                if (TryKeyword("none"))
                {
                    options.Add(new SequenceOption("owned_by", null, token.Position));
                }
                else
                {
                    var names = new List<string> { ExpectColumnIdentifier().Name };
                    while (TryOperator(".")) names.Add(ExpectColumnLabel());
                    options.Add(new SequenceOption("owned_by", names, token.Position));
                }
            }
            else if (IsKeyword("sequence") && parenthesized)
            {
                throw NotSupported("SEQUENCE NAME in identity options", token.Position);
            }
            else
            {
                break;
            }
        }
        return options;
    }

    /// <summary>NumericOnly: an optionally signed integer constant.</summary>
    private long ParseSequenceNumber()
    {
        bool negative = false;
        if (TryOperator("-")) negative = true;
        else TryOperator("+");
        Token number = Current;
        if (number.Kind != TokenKind.Integer) throw SyntaxError();
        _index++;
        if (!long.TryParse(number.Text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value))
        {
            throw new SqlException(SqlState.NumericValueOutOfRange, $"value \"{number.Text}\" is out of range for type bigint", number.Position + 1);
        }
        return negative ? -value : value;
    }

    /// <summary>TRUNCATE [TABLE] [ONLY] name [*] [, ...] [RESTART IDENTITY | CONTINUE IDENTITY] [CASCADE | RESTRICT].</summary>
    private TruncateStmt ParseTruncate()
    {
        int location = ExpectKeyword("truncate").Position;
        TryKeyword("table");
        var relations = new List<RangeVar>();
        do
        {
            TryKeyword("only");
            relations.Add(ParseRangeVar(allowAlias: false));
            TryOperator("*");
        }
        while (TryOperator(","));
        bool restart = false;
        if (TryKeyword("restart"))
        {
            ExpectKeyword("identity");
            restart = true;
        }
        else if (TryKeyword("continue"))
        {
            ExpectKeyword("identity");
        }
        if (IsKeyword("cascade")) throw NotSupported("TRUNCATE ... CASCADE", Current.Position);
        TryKeyword("restrict");
        return new TruncateStmt(relations, restart, location);
    }

    /// <summary>CREATE [OR REPLACE] VIEW name [(columns)] AS query [WITH [CASCADED | LOCAL] CHECK OPTION]; "create [or replace]
    /// view" is read.</summary>
    private ViewStmt ParseCreateView(int location, bool replace)
    {
        RangeVar view = ParseRangeVar(allowAlias: false);
        List<string>? aliases = null;
        if (TryOperator("("))
        {
            aliases = [];
            do aliases.Add(ExpectColumnIdentifier().Name);
            while (TryOperator(","));
            ExpectOperator(")");
        }
        if (IsKeyword("with") && Peek().IsOperator("(")) throw NotSupported("CREATE VIEW ... WITH options", Current.Position);
        ExpectKeyword("as");
        int start = _index;
        SelectStmt query = ParseSelectStatement();
        Token last = _tokens[_index - 1];
        string text = _text[_tokens[start].Position..(last.Position + last.Length)];
        string? checkOption = null;
        if (TryKeyword("with"))
        {
            checkOption = TryKeyword("local") ? "local" : "cascaded";
            if (checkOption == "cascaded") TryKeyword("cascaded");
            ExpectKeyword("check");
            ExpectKeyword("option");
        }
        return new ViewStmt(view, aliases, query, text, replace, location) { CheckOption = checkOption };
    }
}
