using Log.QueryNode.Execution;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>Names as the catalogs read and print them: a possibly schema-qualified name in SQL's identifier rules
/// (unquoted parts fold to lower case, "quoted" ones keep theirs), and quote_ident's quoting on output.</summary>
internal static class QualifiedNames
{
    public static string Quote(string name) => Functions.BuiltinFunctions.QuoteIdentifier(name);

    /// <summary>schema.name or name; 42601 for anything else (more parts, an unterminated quote), 3F000 for a
    /// database-qualified name, as regclassin reports them.</summary>
    public static (string? Schema, string Name) Parse(string text, int? position)
    {
        var parts = new List<string>();
        int index = 0;
        while (true)
        {
            var part = new global::System.Text.StringBuilder();
            if (index < text.Length && text[index] == '"')
            {
                index++;
                while (true)
                {
                    if (index >= text.Length) throw InvalidName(text, position);
                    if (text[index] == '"')
                    {
                        if (index + 1 < text.Length && text[index + 1] == '"')
                        {
                            part.Append('"');
                            index += 2;
                            continue;
                        }
                        index++;
                        break;
                    }
                    part.Append(text[index++]);
                }
            }
            else
            {
                while (index < text.Length && text[index] != '.') part.Append(char.ToLowerInvariant(text[index++]));
            }
            if (part.Length == 0) throw InvalidName(text, position);
            parts.Add(part.ToString());
            if (index >= text.Length) break;
            if (text[index] != '.') throw InvalidName(text, position);
            index++;
        }
        return parts.Count switch
        {
            1 => (null, parts[0]),
            2 => (parts[0], parts[1]),
            _ => throw new SqlException(SqlState.FeatureNotSupported, $"cross-database references are not implemented: {text}", position),
        };
    }

    private static SqlException InvalidName(string text, int? position) => new(SqlState.InvalidNameSyntax, "invalid name syntax", position);
}
