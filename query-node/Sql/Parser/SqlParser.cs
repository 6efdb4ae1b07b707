using System.Runtime.CompilerServices;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

/// <summary>A recursive-descent parser for the subset of PostgreSQL's grammar (gram.y) the engine runs, producing
/// PostgreSQL's raw parse nodes. Split by statement kind into partial files.</summary>
internal sealed partial class SqlParser
{
    private readonly string _text;
    private readonly List<Token> _tokens;
    private int _index;
    private int _depth;

    /// <summary>Token indexes where reading a parenthesized query failed, so an ambiguous '(' is not tried twice.</summary>
    private readonly HashSet<int> _failedQueryStarts = [];

    /// <summary>The target of SELECT ... INTO, read inside the select and taken by the statement around it.</summary>
    private (RangeVar Relation, int Location)? _selectInto;

    /// <summary>The syntax error of a reading given up for another one: reported instead when it is further on.</summary>
    private SqlException? _furthestSyntaxError;

    private SqlParser(string text, List<Token> tokens)
    {
        _text = text;
        _tokens = tokens;
    }

    /// <summary>Parses every statement of a query string; empty statements are dropped. The whole string is parsed
    /// before anything runs, as PostgreSQL does, so a syntax error anywhere runs nothing. The lexer's notices
    /// (truncated identifiers) go to <paramref name="notices"/> when given.</summary>
    public static List<(Statement Statement, string Text, int ParameterCount)> ParseAll(string text, List<string>? notices = null)
    {
        var parser = new SqlParser(text, SqlLexer.Tokenize(text, notices));
        var statements = new List<(Statement, string, int)>();
        while (true)
        {
            while (parser.Current.IsOperator(";")) parser._index++;
            if (parser.Current.Kind == TokenKind.EndOfInput) return statements;
            int startToken = parser._index;
            Statement statement = parser.ParseStatement();
            if (!parser.Current.IsOperator(";") && parser.Current.Kind != TokenKind.EndOfInput)
            {
                throw parser.SyntaxError();
            }
            Token first = parser._tokens[startToken];
            Token last = parser._tokens[parser._index - 1];
            statements.Add((statement, text[first.Position..(last.Position + last.Length)], parser.HighestParameter(startToken)));
        }
    }

    private Token Current => _tokens[_index];

    /// <summary>The highest $n among the tokens from <paramref name="startToken"/> up to the current one, 0 if none.</summary>
    private int HighestParameter(int startToken)
    {
        int parameterCount = 0;
        for (int index = startToken; index < _index; index++)
        {
            Token token = _tokens[index];
            if (token.Kind == TokenKind.Parameter && int.TryParse(token.Text, out int number)) parameterCount = Math.Max(parameterCount, number);
        }
        return parameterCount;
    }

    private Token Peek(int offset = 1) => _tokens[Math.Min(_index + offset, _tokens.Count - 1)];

    private Token Advance() => _tokens[_index++];

    private SqlException SyntaxError() => SyntaxErrorAt(Current);

    private SqlException SyntaxErrorAt(Token token)
    {
        if (_furthestSyntaxError is not null && (_furthestSyntaxError.Position ?? 0) > token.Position + 1) return _furthestSyntaxError;
        if (token.Kind == TokenKind.EndOfInput)
        {
            return new SqlException(SqlState.SyntaxError, "syntax error at end of input", _text.Length + 1);
        }
        return new SqlException(SqlState.SyntaxError, $"syntax error at or near \"{_text.Substring(token.Position, token.Length)}\"", token.Position + 1);
    }

    private static SqlException NotSupported(string feature, int location) =>
        new(SqlState.FeatureNotSupported, $"{feature} is not supported", location >= 0 ? location + 1 : null);

    private bool IsKeyword(string keyword) => Current.IsKeyword(keyword);

    private bool TryKeyword(string keyword)
    {
        if (!Current.IsKeyword(keyword)) return false;
        _index++;
        return true;
    }

    private Token ExpectKeyword(string keyword)
    {
        if (!Current.IsKeyword(keyword)) throw SyntaxError();
        return Advance();
    }

    private bool TryOperator(string op)
    {
        if (!Current.IsOperator(op)) return false;
        _index++;
        return true;
    }

    private Token ExpectOperator(string op)
    {
        if (!Current.IsOperator(op)) throw SyntaxError();
        return Advance();
    }

    /// <summary>ColId: an identifier, a quoted identifier, or a keyword that may name a column or table.</summary>
    private (string Name, int Location) ExpectColumnIdentifier()
    {
        Token token = Current;
        if (token.Kind == TokenKind.QuotedIdentifier || (token.Kind == TokenKind.Identifier && Keywords.CanBeColumnIdentifier(token.Text)))
        {
            _index++;
            return (token.Text, token.Position);
        }
        throw SyntaxError();
    }

    /// <summary>ColLabel (after AS): any identifier or keyword.</summary>
    private string ExpectColumnLabel()
    {
        Token token = Current;
        if (token.Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier)
        {
            _index++;
            return token.Text;
        }
        throw SyntaxError();
    }

    private void EnterNesting()
    {
        if (++_depth > SqlLimits.ExpressionDepthMax || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw StackDepthExceeded();
        }
    }

    private void LeaveNesting() => _depth--;

    /// <summary>A statement inside an expression or FROM item (a subquery) counts toward the depth limit; the statement
    /// at the top does not, so the limit is about how deep expressions nest, as in PostgreSQL. Returns whether it counted.</summary>
    private bool EnterStatementNesting()
    {
        if (_depth == 0) return false;
        EnterNesting();
        return true;
    }

    private void LeaveStatementNesting(bool counted)
    {
        if (counted) LeaveNesting();
    }

    public static SqlException StackDepthExceeded() => new(EngineSqlState.StackDepthLimitExceeded, "stack depth limit exceeded",
        hint: "Increase the configuration parameter \"max_stack_depth\" (currently 2048kB), after ensuring the platform's stack depth limit is adequate.");

    private Statement ParseStatement()
    {
        Token token = Current;
        if (token.Kind != TokenKind.Identifier)
        {
            if (token.IsOperator("(")) return ParseSelectStatement();
            throw SyntaxError();
        }
        return token.Text switch
        {
            "select" or "values" or "table" or "with" => WithSelectInto(ParsePreparableStatement()),
            "insert" or "update" or "delete" => ParsePreparableStatement(),
            "explain" => ParseExplain(),
            "create" => ParseCreate(),
            "drop" => ParseDrop(),
            "begin" or "start" or "commit" or "end" or "rollback" or "abort" or "savepoint" or "release" => ParseTransaction(),
            "set" or "reset" => ParseSet(),
            "show" => ParseShow(),
            "alter" => ParseAlter(),
            "discard" => ParseDiscard(),
            "close" => ParseClose(),
            "unlisten" => ParseUnlisten(),
            "copy" => ParseCopy(),
            "truncate" => ParseTruncate(),
            "comment" => ParseComment(),
            "vacuum" or "analyze" or "analyse" => ParseVacuum(),
            "lock" => ParseLock(),
            "call" => ParseCall(),
            "declare" => ParseDeclareCursor(),
            "fetch" or "move" => ParseFetch(),
            "grant" or "revoke" => ParseGrantOrRevoke(),
            "aws" when Peek().IsKeyword("iam") => ParseIamGrant(),
            "prepare" => ParsePrepare(),
            "execute" => ParseExecute(),
            "deallocate" => ParseDeallocate(),
            "listen" or "notify"
                or "do"
                or "merge" => throw NotSupported(token.Text.ToUpperInvariant(), token.Position),
            _ => throw SyntaxError(),
        };
    }

    /// <summary>A SELECT that had INTO becomes CREATE TABLE AS.</summary>
    private Statement WithSelectInto(Statement statement)
    {
        if (_selectInto is not { } into) return statement;
        _selectInto = null;
        if (statement is not SelectStmt select) throw new SqlException(SqlState.SyntaxError, "SELECT ... INTO is not allowed here", into.Location + 1);
        return new CreateTableAsStmt(into.Relation, null, select, IfNotExists: false, WithData: true, select.Location);
    }

    /// <summary>A table name: [schema.]name, with an optional alias ([AS] alias) when allowed.</summary>
    private RangeVar ParseRangeVar(bool allowAlias)
    {
        (string first, int location) = ExpectColumnIdentifier();
        string? schema = null;
        string name = first;
        if (Current.IsOperator("."))
        {
            _index++;
            schema = first;
            name = ExpectColumnLabel();
            if (Current.IsOperator("."))
            {
                throw new SqlException(SqlState.FeatureNotSupported, "cross-database references are not implemented: " + schema + "." + name, location + 1);
            }
        }
        string? alias = null;
        if (allowAlias)
        {
            if (TryKeyword("as"))
            {
                alias = ExpectColumnIdentifier().Name;
            }
            else if (Current.Kind == TokenKind.QuotedIdentifier || (Current.Kind == TokenKind.Identifier && Keywords.CanBeColumnIdentifier(Current.Text) && !IsClauseKeyword(Current.Text)))
            {
                alias = Advance().Text;
            }
        }
        return new RangeVar(schema, name, alias, location);
    }

    /// <summary>Unreserved keywords that start a clause after a table name (SET in UPDATE); not aliases.</summary>
    private static bool IsClauseKeyword(string word) => word is "set";

    private List<ResTarget>? ParseOptionalReturning()
    {
        if (!TryKeyword("returning")) return null;
        return ParseTargetList();
    }
}
