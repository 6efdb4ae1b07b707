using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;

namespace Log.QueryNode.Sql.Parser;

/// <summary>The syntax catalog queries use that plain queries rarely do: OPERATOR(schema.op) (gram.y's qual_Op) and
/// COLLATE with the collations Log's code point order is (C, POSIX, default).</summary>
internal sealed partial class SqlParser
{
    /// <summary>The collations Log compares text in: all of them are code point order, which is what "C" means.</summary>
    private static readonly HashSet<string> CodePointCollations = new(StringComparer.Ordinal) { "C", "POSIX", "default", "ucs_basic" };

    private bool IsQualifiedOperator() => Current.IsKeyword("operator") && Peek().IsOperator("(");

    /// <summary>OPERATOR ( [schema .] op ): the operator's name; the schema can only be pg_catalog, where every operator is.</summary>
    private string ParseQualifiedOperator()
    {
        Advance();
        ExpectOperator("(");
        if (Current.Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier && Peek().IsOperator("."))
        {
            Token schema = Advance();
            if (schema.Text != "pg_catalog")
            {
                throw new SqlException("3F000", $"schema \"{schema.Text}\" does not exist", schema.Position + 1);
            }
            Advance();
        }
        if (Current.Kind != TokenKind.Operator || Current.IsOperator(")")) throw SyntaxError();
        string name = Advance().Text;
        ExpectOperator(")");
        return name;
    }

    /// <summary>COLLATE name after an expression: accepted (and changing nothing) for the code point collations.</summary>
    private void ParseCollateClause()
    {
        Token collate = ExpectKeyword("collate");
        string name = ExpectColumnLabel();
        if (name == "pg_catalog" && TryOperator(".")) name = ExpectColumnLabel();
        if (!CodePointCollations.Contains(name))
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"COLLATE \"{name}\" is not supported: text compares in code point order (COLLATE \"C\")",
                collate.Position + 1);
        }
    }
}
