namespace Log.QueryNode.Sql.Parser.Ast;

/// <summary>COPY relation [(columns)] FROM STDIN | TO STDOUT [WITH] (options), or COPY (query) TO STDOUT.
/// Options are kept by lower-case name as written (format, header, delimiter, null, quote, escape); the session
/// checks them. The session runs it, since only it can talk to the client.</summary>
public sealed record CopyStmt(
    RangeVar? Relation,
    IReadOnlyList<string>? Columns,
    SelectStmt? Query,
    bool IsFrom,
    IReadOnlyDictionary<string, string?> Options,
    int Location) : Statement(Location);
