namespace Log.QueryNode.Sql.Lexer;

public enum TokenKind : byte
{
    /// <summary>An identifier or keyword, folded to lower case (Text) unless it was quoted.</summary>
    Identifier,
    QuotedIdentifier,
    /// <summary>Digits only: an int4, int8 or numeric constant depending on its size.</summary>
    Integer,
    /// <summary>Digits with a point or an exponent: a numeric constant.</summary>
    Decimal,
    String,
    /// <summary>$1, $2 ... (extended protocol parameters).</summary>
    Parameter,
    /// <summary>An operator or punctuation: ( ) , ; . [ ] :: and operator character runs.</summary>
    Operator,
    EndOfInput,
}

/// <summary>One token; Position is the 0-based character offset in the whole query text.</summary>
public readonly record struct Token(TokenKind Kind, string Text, int Position, int Length)
{
    public bool IsKeyword(string lowerCaseKeyword) => Kind == TokenKind.Identifier && Text == lowerCaseKeyword;
    public bool IsOperator(string op) => Kind == TokenKind.Operator && Text == op;
}
