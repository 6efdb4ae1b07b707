using System.Globalization;
using System.Text;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sessions;

/// <summary>
/// The plans of a session's simple-protocol INSERT ... VALUES and SELECT statements, kept by the statement's shape: its
/// tokens with the literals that are values left out. A client that sends its values as literals (pgbench's simple
/// protocol, most ORMs without prepared statements) sends one text per row or key, so a cache keyed by the text never
/// hits; keyed by the shape, the second statement of a shape is parsed once more with $n in place of its literals and
/// prepared (the parameter types fixed as the literals' own: int4, int8 or numeric as the number's size says, and a
/// string's as inferred from its column), and from then on each statement of that shape runs the prepared statement's
/// cached plan with its literals as the values, without parsing, looking up, binding or planning it again.
/// <para>
/// Only literals whose meaning does not change as parameters are taken out: in an INSERT, numbers anywhere in the
/// VALUES rows outside subqueries (an ORDER BY 1 there would mean something else) and strings only as a whole value of
/// a row (an unknown-typed literal takes its type from the column, as the parameter does); in a SELECT, a number or a
/// string compared (=, &lt;&gt;, &lt;, &lt;=, &gt;, &gt;=) with a column in the WHERE clause, under AND, OR and NOT only
/// (a string there takes the column's type, as the parameter does; never in the select list, ORDER BY, GROUP BY, LIMIT
/// or a subquery). Only a literal at least as long as its $n, so that the parameterised text keeps every position of
/// the original. Everything else (identifiers, keywords, short or other literals, ON CONFLICT, RETURNING) is part of
/// the shape, and the search_path it resolved its names under too. Any doubt sends the statement the ordinary way: a
/// lexer notice, a parse of the parameterised text that differs, a prepare that fails or cannot type a parameter (the
/// shape is then never tried again), a literal whose value its parameter's type does not read (the ordinary path
/// reports the literal's own error, with its position).
/// </para>
/// </summary>
internal sealed class StatementShapes
{
    /// <summary>Shapes kept per session; when full, all are dropped (a session with that many shapes gains little).</summary>
    internal const int Capacity = 64;

    private readonly Dictionary<string, StatementShape> shapes = new(StringComparer.Ordinal);

    internal int Count => shapes.Count;

    /// <summary>Whether the text starts with INSERT or SELECT (whitespace first allowed): the only statements looked at here.</summary>
    internal static bool MayBeShaped(string text)
    {
        int index = 0;
        while (index < text.Length && char.IsWhiteSpace(text[index])) index++;
        return text.Length - index > 6
            && (text.AsSpan(index, 6).Equals("insert", StringComparison.OrdinalIgnoreCase) || text.AsSpan(index, 6).Equals("select", StringComparison.OrdinalIgnoreCase))
            && !(char.IsAsciiLetterOrDigit(text[index + 6]) || text[index + 6] is '_' or '$');
    }

    /// <summary>The literal tokens of the text last read by <see cref="TryRead"/>, in order (reused by the next read).</summary>
    internal List<Token> Literals { get; } = [];

    /// <summary>The shape of the text last read by <see cref="TryRead"/> (its first <see cref="keyLength"/> characters),
    /// reused from text to text: a shape's key is made a string only when the shape is added.</summary>
    private char[] key = new char[256];

    private int keyLength;

    private readonly List<string> notices = [];

    /// <summary>Reads the shape of <paramref name="text"/> under <paramref name="searchPath"/> and its literal tokens
    /// (<see cref="Literals"/>); false when the text is not lexed without a notice or an error.</summary>
    internal bool TryRead(string text, string searchPath)
    {
        Literals.Clear();
        notices.Clear();
        keyLength = 0;
        List<Token> tokens;
        try
        {
            tokens = SqlLexer.Tokenize(text, notices);
        }
        catch (SqlException)
        {
            return false;
        }
        if (notices.Count > 0) return false;
        Append(searchPath);
        Append('\0');
        foreach (Token token in tokens)
        {
            if (token.Kind is TokenKind.Integer or TokenKind.Decimal or TokenKind.String)
            {
                Literals.Add(token);
                Append(ClassOf(token));
                Append('\0');
            }
            else if (token.Kind != TokenKind.EndOfInput)
            {
                Append((char)('A' + (int)token.Kind));
                Append(token.Text);
                Append('\0');
            }
        }
        return true;
    }

    private void Append(char character)
    {
        if (keyLength == key.Length) Array.Resize(ref key, key.Length * 2);
        key[keyLength++] = character;
    }

    private void Append(string text)
    {
        if (keyLength + text.Length > key.Length) Array.Resize(ref key, Math.Max(key.Length * 2, keyLength + text.Length));
        text.CopyTo(0, key, keyLength, text.Length);
        keyLength += text.Length;
    }

    /// <summary>A literal's kind as its constant is typed: i int4, l int8, n a larger integer (numeric), d a decimal
    /// (numeric), s a string, x an integer the lexer took in another spelling (never a parameter).</summary>
    private static char ClassOf(Token token) => token.Kind switch
    {
        TokenKind.String => 's',
        TokenKind.Decimal => 'd',
        _ when !IsDigits(token.Text) => 'x',
        _ when int.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out _) => 'i',
        _ when long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out _) => 'l',
        _ => 'n',
    };

    private static bool IsDigits(string text) => text.Length > 0 && !text.AsSpan().ContainsAnyExceptInRange('0', '9');

    /// <summary>The shape last read, if the session keeps it.</summary>
    internal bool TryGet(out StatementShape shape) =>
        shapes.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(key.AsSpan(0, keyLength), out shape!);

    /// <summary>Records the shape last read, of a statement just parsed the ordinary way: which of its literals become
    /// parameters (none: a shape never run from a plan).</summary>
    internal void Add(IReadOnlyList<ParsedStatement> statements)
    {
        if (shapes.Count >= Capacity) shapes.Clear();
        shapes[new string(key, 0, keyLength)] = StatementShape.Of(Literals, statements);
    }

    internal void Clear() => shapes.Clear();
}

/// <summary>One INSERT or SELECT shape (see <see cref="StatementShapes"/>): for each literal token, whether it is a parameter or its
/// text is part of the shape; once prepared, the parameterised statement and its cached plan.</summary>
internal sealed class StatementShape
{
    /// <summary>Per literal token: its text when it stays in the statement, null when it is a parameter.</summary>
    private readonly string?[] fixedTexts;

    private StatementShape(string?[] fixedTexts, int parameterCount)
    {
        this.fixedTexts = fixedTexts;
        ParameterCount = parameterCount;
    }

    internal int ParameterCount { get; }

    /// <summary>Never run from a plan: not a plain INSERT ... VALUES or SELECT, or no literal to take out.</summary>
    internal bool Ignored { get; private set; }

    /// <summary>The catalog version at which the preparation failed (a table not there yet, say): tried again at another.</summary>
    private long? failedAtCatalogVersion;

    /// <summary>Whether the shape is run the ordinary way at catalog version <paramref name="catalogVersion"/>.</summary>
    internal bool IsIgnoredAt(long catalogVersion) => Ignored || failedAtCatalogVersion == catalogVersion;

    internal ParsedStatement? Statement { get; private set; }

    internal CachedPlan? Plan { get; private set; }

    /// <summary>The parameterised text did not parse as the shape says: the shape is never run from a plan.</summary>
    internal void Ignore()
    {
        Ignored = true;
        Statement = null;
        Plan = null;
    }

    /// <summary>The preparation failed at <paramref name="catalogVersion"/>: tried again once the catalog changed.</summary>
    internal void FailedAt(long catalogVersion) => failedAtCatalogVersion = catalogVersion;

    /// <summary>The catalog version the parameters' types were inferred at: a string's type is its column's, which a
    /// DDL may change, so the shape is prepared again at another version.</summary>
    internal long PreparedAtCatalogVersion { get; private set; }

    internal void Keep(ParsedStatement statement, CachedPlan plan, long catalogVersion)
    {
        Statement = statement;
        Plan = plan;
        PreparedAtCatalogVersion = catalogVersion;
    }

    private static string ParameterText(int number) => "$" + number.ToString(CultureInfo.InvariantCulture);

    internal static StatementShape Of(List<Token> literals, IReadOnlyList<ParsedStatement> statements)
    {
        var fixedTexts = new string?[literals.Count];
        for (int index = 0; index < literals.Count; index++) fixedTexts[index] = literals[index].Text;
        // The literals that may become parameters, by position.
        var constants = new Dictionary<int, ConstantKind>();
        switch (statements)
        {
            case [{ Tree: InsertStmt { With: null, Select: null, ValuesLists.Count: > 0 } insert }]:
                // The literals of the VALUES rows, outside subqueries; strings only as a row's whole value.
                foreach (IReadOnlyList<Expression> row in insert.ValuesLists)
                {
                    foreach (Expression value in row)
                    {
                        foreach (Node node in ParseTree.Walk(value, node => node is not SelectStmt))
                        {
                            if (node is A_Const { Kind: ConstantKind.Integer or ConstantKind.Decimal } number) constants[number.Location] = number.Kind;
                        }
                        if (value is A_Const { Kind: ConstantKind.String } text) constants[text.Location] = ConstantKind.String;
                    }
                }
                break;
            case [{ Tree: SelectStmt { Op: SetOperation.None, With: null, ValuesLists: null, Where: { } where } }]:
                AddComparedConstants(where, constants);
                break;
            default:
                return new StatementShape(fixedTexts, 0) { Ignored = true };
        }
        int parameters = 0;
        for (int index = 0; index < literals.Count; index++)
        {
            Token token = literals[index];
            ConstantKind expected = token.Kind switch
            {
                TokenKind.Integer => ConstantKind.Integer,
                TokenKind.Decimal => ConstantKind.Decimal,
                _ => ConstantKind.String,
            };
            bool plainNumber = token.Kind != TokenKind.Integer || !token.Text.AsSpan().ContainsAnyExceptInRange('0', '9');
            if (constants.TryGetValue(token.Position, out ConstantKind kind) && kind == expected && plainNumber
                && token.Length >= ParameterText(parameters + 1).Length)
            {
                fixedTexts[index] = null;
                parameters++;
            }
        }
        return new StatementShape(fixedTexts, parameters) { Ignored = parameters == 0 };
    }

    /// <summary>The literals of a WHERE clause compared with a column, under AND, OR and NOT only.</summary>
    private static void AddComparedConstants(Expression condition, Dictionary<int, ConstantKind> constants)
    {
        var pending = new Stack<Expression>();
        pending.Push(condition);
        while (pending.TryPop(out Expression? expression))
        {
            switch (expression)
            {
                case BoolExpr boolean:
                    foreach (Expression argument in boolean.Arguments) pending.Push(argument);
                    break;
                case A_Expr { Operator: "=" or "<>" or "!=" or "<" or "<=" or ">" or ">=", Left: ColumnRef, Right: A_Const { Kind: ConstantKind.Integer or ConstantKind.Decimal or ConstantKind.String } right }:
                    constants[right.Location] = right.Kind;
                    break;
                case A_Expr { Operator: "=" or "<>" or "!=" or "<" or "<=" or ">" or ">=", Left: A_Const { Kind: ConstantKind.Integer or ConstantKind.Decimal or ConstantKind.String } left, Right: ColumnRef }:
                    constants[left.Location] = left.Kind;
                    break;
            }
        }
    }

    /// <summary>The parameters' values in <paramref name="literals"/> (a text of this shape): the literals' texts, or
    /// null when a literal that is part of the shape differs or a parameter's literal is shorter than its $n.</summary>
    internal object?[]? ValuesOf(List<Token> literals)
    {
        if (literals.Count != fixedTexts.Length) return null;
        var values = new object?[ParameterCount];
        int parameter = 0;
        for (int index = 0; index < literals.Count; index++)
        {
            Token token = literals[index];
            if (fixedTexts[index] is { } fixedText)
            {
                if (!string.Equals(fixedText, token.Text, StringComparison.Ordinal)) return null;
                continue;
            }
            if (token.Length < ParameterText(parameter + 1).Length) return null;
            values[parameter++] = token.Text;
        }
        return values;
    }

    /// <summary><paramref name="text"/> (of this shape) with each parameter's literal replaced by its $n, padded with
    /// spaces to the literal's length so that every other position stays.</summary>
    internal string ParameterisedText(string text, List<Token> literals)
    {
        var result = new StringBuilder(text);
        int parameter = 0;
        for (int index = 0; index < literals.Count; index++)
        {
            if (fixedTexts[index] is not null) continue;
            Token token = literals[index];
            string name = ParameterText(++parameter);
            for (int offset = 0; offset < token.Length; offset++) result[token.Position + offset] = offset < name.Length ? name[offset] : ' ';
        }
        return result.ToString();
    }

    /// <summary>The type each parameter is prepared with: its literal's (0, inferred from the column, for a string).</summary>
    internal int[] ParameterTypeOids(List<Token> literals)
    {
        var oids = new int[ParameterCount];
        int parameter = 0;
        for (int index = 0; index < literals.Count; index++)
        {
            if (fixedTexts[index] is not null) continue;
            Token token = literals[index];
            oids[parameter++] = token.Kind switch
            {
                TokenKind.String => 0,
                TokenKind.Decimal => Log.Wire.Types.PgTypeOid.Numeric,
                _ when int.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out _) => Log.Wire.Types.PgTypeOid.Int4,
                _ when long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out _) => Log.Wire.Types.PgTypeOid.Int8,
                _ => Log.Wire.Types.PgTypeOid.Numeric,
            };
        }
        return oids;
    }

    /// <summary>Whether <paramref name="statement"/>, parsed from <see cref="ParameterisedText"/>, has its $1..$n exactly
    /// where the parameters' literals were, and nowhere else.</summary>
    internal bool HasParametersAt(ParsedStatement statement, List<Token> literals)
    {
        if (statement.Tree is not (InsertStmt { With: null, Select: null } or SelectStmt { Op: SetOperation.None, With: null }) || statement.ParameterCount != ParameterCount) return false;
        var expected = new Dictionary<int, int>();
        int parameter = 0;
        for (int index = 0; index < literals.Count; index++)
        {
            if (fixedTexts[index] is null) expected[literals[index].Position] = ++parameter;
        }
        int found = 0;
        foreach (Node node in ParseTree.Walk(statement.Tree))
        {
            if (node is not ParamRef reference) continue;
            if (!expected.TryGetValue(reference.Location, out int number) || number != reference.Number) return false;
            found++;
        }
        return found == ParameterCount;
    }
}
