using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    private Statement ParseCreate()
    {
        int location = ExpectKeyword("create").Position;
        if (IsKeyword("temp") || IsKeyword("temporary") || IsKeyword("unlogged"))
        {
            throw NotSupported(Current.Text.ToUpperInvariant() + " tables", Current.Position);
        }
        if (TryKeyword("sequence")) return ParseCreateSequence(location);
        if (TryKeyword("schema")) return ParseCreateSchema(location);
        if (TryKeyword("view")) return ParseCreateView(location, replace: false);
        if (TryKeyword("role") || TryKeyword("group")) return ParseCreateRole(location, isUser: false);
        if (TryKeyword("user")) return ParseCreateRole(location, isUser: true);
        if (IsKeyword("or") && Peek().IsKeyword("replace") && Peek(2).IsKeyword("view"))
        {
            _index += 3;
            return ParseCreateView(location, replace: true);
        }
        if (IsKeyword("index") || IsKeyword("unique")) return ParseCreateIndex(location);
        if (!IsKeyword("table"))
        {
            if (Current.Kind == TokenKind.Identifier && Current.Text is "index" or "unique" or "view" or "sequence" or "schema"
                or "database" or "function" or "role" or "user" or "type" or "extension" or "trigger" or "materialized" or "or")
            {
                throw NotSupported("CREATE " + Current.Text.ToUpperInvariant(), Current.Position);
            }
            throw SyntaxError();
        }
        _index++;
        bool ifNotExists = false;
        if (TryKeyword("if"))
        {
            ExpectKeyword("not");
            ExpectKeyword("exists");
            ifNotExists = true;
        }
        RangeVar relation = ParseRangeVar(allowAlias: false);
        if (IsKeyword("as") || IsColumnNameListBeforeAs()) return ParseCreateTableAs(relation, ifNotExists, location);
        ExpectOperator("(");
        var columns = new List<ColumnDef>();
        List<(string, int)>? primaryKey = null;
        int primaryKeyLocation = -1;
        var constraints = new List<TableConstraint>();
        var likes = new List<(int, TableLikeClause)>();
        if (!Current.IsOperator(")"))
        {
            do
            {
                if (IsKeyword("like"))
                {
                    likes.Add((columns.Count, ParseTableLikeClause()));
                    continue;
                }
                if (IsKeyword("constraint") || IsKeyword("primary") || IsKeyword("unique") || IsKeyword("check") || IsKeyword("foreign")
                    || IsKeyword("exclude"))
                {
                    string? constraintName = TryKeyword("constraint") ? ExpectColumnIdentifier().Name : null;
                    Token constraint = Current;
                    if (IsKeyword("unique") || IsKeyword("check"))
                    {
                        constraints.Add(ParseUniqueOrCheck(constraintName, column: null));
                        continue;
                    }
                    if (IsKeyword("foreign"))
                    {
                        constraints.Add(ParseForeignKey(constraintName, column: null));
                        continue;
                    }
                    if (!TryKeyword("primary")) throw NotSupported(constraint.Text.ToUpperInvariant() + " constraints", constraint.Position);
                    ExpectKeyword("key");
                    ExpectNotDeferrablePrimaryKey();
                    if (primaryKey is not null || columns.Any(column => column.IsPrimaryKey))
                    {
                        throw MultiplePrimaryKeys(relation, constraint.Position);
                    }
                    primaryKeyLocation = constraint.Position;
                    ExpectOperator("(");
                    primaryKey = [];
                    do primaryKey.Add(ExpectColumnIdentifier());
                    while (TryOperator(","));
                    ExpectOperator(")");
                    ExpectNotDeferrablePrimaryKey();
                }
                else
                {
                    ColumnDef column = ParseColumnDef();
                    if (column.IsPrimaryKey && (primaryKey is not null || columns.Any(existing => existing.IsPrimaryKey)))
                    {
                        throw MultiplePrimaryKeys(relation, column.Location);
                    }
                    columns.Add(column);
                }
            }
            while (TryOperator(","));
        }
        ExpectOperator(")");
        if (IsKeyword("with") && Peek().IsOperator("(")) ParseStorageParameters();
        else if (IsKeyword("without") && Peek().Kind == TokenKind.Identifier && Peek().Text == "oids") _index += 2;
        if (IsKeyword("with") || IsKeyword("inherits") || IsKeyword("partition") || IsKeyword("tablespace") || IsKeyword("using"))
        {
            throw NotSupported("CREATE TABLE ... " + Current.Text.ToUpperInvariant(), Current.Position);
        }
        return new CreateStmt(relation, columns, primaryKey, primaryKeyLocation, ifNotExists, location) { Constraints = constraints, Likes = likes };
    }

    /// <summary>LIKE source_table [{INCLUDING | EXCLUDING} {COMMENTS | COMPRESSION | CONSTRAINTS | DEFAULTS | GENERATED |
    /// IDENTITY | INDEXES | STATISTICS | STORAGE | ALL} ...], applied left to right as gram.y does.</summary>
    private TableLikeClause ParseTableLikeClause()
    {
        int location = Current.Position;
        ExpectKeyword("like");
        RangeVar source = ParseRangeVar(allowAlias: false);
        TableLikeOptions options = TableLikeOptions.None;
        while (IsKeyword("including") || IsKeyword("excluding"))
        {
            bool including = Current.Text == "including";
            _index++;
            TableLikeOptions option = (Current.Kind == TokenKind.Identifier ? Current.Text : "") switch
            {
                "comments" => TableLikeOptions.Comments,
                "compression" => TableLikeOptions.Compression,
                "constraints" => TableLikeOptions.Constraints,
                "defaults" => TableLikeOptions.Defaults,
                "generated" => TableLikeOptions.Generated,
                "identity" => TableLikeOptions.Identity,
                "indexes" => TableLikeOptions.Indexes,
                "statistics" => TableLikeOptions.Statistics,
                "storage" => TableLikeOptions.Storage,
                "all" => TableLikeOptions.All,
                _ => throw SyntaxError(),
            };
            _index++;
            options = including ? options | option : options & ~option;
        }
        return new TableLikeClause(source, options, location);
    }

    /// <summary>WITH ( [namespace.]name [= value], ... ): each checked as PostgreSQL checks heap storage parameters, none kept
    /// (see <see cref="StorageParameters"/>).</summary>
    private void ParseStorageParameters()
    {
        ExpectKeyword("with");
        ExpectOperator("(");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        do
        {
            string name = ExpectColumnLabel();
            string? space = null;
            if (TryOperator("."))
            {
                space = name;
                name = ExpectColumnLabel();
            }
            string? value = null;
            if (TryOperator("="))
            {
                string sign = TryOperator("-") ? "-" : "";
                Token token = Current;
                if (token.Kind is not (TokenKind.Identifier or TokenKind.QuotedIdentifier or TokenKind.Integer or TokenKind.Decimal or TokenKind.String))
                {
                    throw SyntaxError();
                }
                _index++;
                value = sign + token.Text;
            }
            StorageParameters.Check(space, name, value, seen);
        }
        while (TryOperator(","));
        ExpectOperator(")");
    }

    /// <summary>Whether '(' name, ... ')' AS follows: the column names of CREATE TABLE AS rather than column definitions.</summary>
    private bool IsColumnNameListBeforeAs()
    {
        if (!Current.IsOperator("(")) return false;
        int index = _index + 1;
        while (index + 1 < _tokens.Count && _tokens[index].Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier)
        {
            if (_tokens[index + 1].IsOperator(")")) return index + 2 < _tokens.Count && _tokens[index + 2].IsKeyword("as");
            if (!_tokens[index + 1].IsOperator(",")) return false;
            index += 2;
        }
        return false;
    }

    private CreateTableAsStmt ParseCreateTableAs(RangeVar relation, bool ifNotExists, int location)
    {
        List<string>? columnNames = Current.IsOperator("(") ? ParseNameList() : null;
        ExpectKeyword("as");
        ExecuteStmt? execute = IsKeyword("execute") ? ParseExecute() : null;
        SelectStmt query = execute is null ? ParseSelectStatement() : new SelectStmt(execute.Location);
        bool withData = true;
        if (IsKeyword("with") && (Peek().IsKeyword("data") || Peek().IsKeyword("no")))
        {
            _index++;
            withData = !TryKeyword("no");
            ExpectKeyword("data");
        }
        return new CreateTableAsStmt(relation, columnNames, query, ifNotExists, withData, location, execute);
    }

    private static SqlException MultiplePrimaryKeys(RangeVar relation, int location) =>
        new(SqlState.InvalidTableDefinition, $"multiple primary keys for table \"{relation.RelationName}\" are not allowed", location + 1);

    private ColumnDef ParseColumnDef()
    {
        (string name, int location) = ExpectColumnIdentifier();
        TypeName typeName = ParseTypeName();
        bool notNull = false;
        bool primaryKey = false;
        bool explicitNull = false;
        Expression? defaultValue = null;
        string? defaultText = null;
        var constraints = new List<TableConstraint>();
        char? identity = null;
        IReadOnlyList<SequenceOption> identityOptions = [];
        Expression? generated = null;
        string? generatedText = null;
        while (true)
        {
            RejectMisplacedConstraintAttribute();
            string? constraintName = TryKeyword("constraint") ? ExpectColumnIdentifier().Name : null;
            Token token = Current;
            if (TryKeyword("not"))
            {
                ExpectKeyword("null");
                if (explicitNull) throw ConflictingNull(name, relationName: null, token.Position);
                notNull = true;
            }
            else if (TryKeyword("null"))
            {
                if (notNull) throw ConflictingNull(name, relationName: null, token.Position);
                explicitNull = true;
            }
            else if (TryKeyword("primary"))
            {
                ExpectKeyword("key");
                ExpectNotDeferrablePrimaryKey();
                primaryKey = true;
            }
            else if (TryKeyword("default"))
            {
                if (defaultValue is not null)
                {
                    throw new SqlException(SqlState.SyntaxError, $"multiple default values specified for column \"{name}\"", token.Position + 1);
                }
                int defaultStart = _index;
                defaultValue = ParseComparison();
                Token defaultEnd = _tokens[_index - 1];
                defaultText = _text[_tokens[defaultStart].Position..(defaultEnd.Position + defaultEnd.Length)];
            }
            else if (IsKeyword("unique") || IsKeyword("check"))
            {
                constraints.Add(ParseUniqueOrCheck(constraintName, (name, location)));
            }
            else if (IsKeyword("generated") && (Peek().IsKeyword("by") || Peek(2).IsKeyword("as") && Peek(3).IsKeyword("identity")))
            {
                if (identity is not null)
                {
                    throw new SqlException(SqlState.SyntaxError, $"multiple identity specifications for column \"{name}\"", token.Position + 1);
                }
                (identity, identityOptions) = ParseIdentity();
            }
            else if (IsKeyword("references"))
            {
                constraints.Add(ParseForeignKey(constraintName, (name, location)));
            }
            else if (IsKeyword("generated") && Peek().IsKeyword("always") && Peek(2).IsKeyword("as") && Peek(3).IsOperator("("))
            {
                if (generated is not null)
                {
                    throw new SqlException(SqlState.SyntaxError, $"multiple generation clauses specified for column \"{name}\"", token.Position + 1);
                }
                _index += 4;
                int generatedStart = _index;
                generated = ParseExpression();
                Token generatedEnd = _tokens[_index - 1];
                generatedText = _text[_tokens[generatedStart].Position..(generatedEnd.Position + generatedEnd.Length)];
                ExpectOperator(")");
                if (!TryKeyword("stored")) throw SyntaxError(); // PostgreSQL 15 has stored generated columns only
            }
            else if (IsKeyword("generated") || IsKeyword("collate"))
            {
                throw NotSupported(token.Text.ToUpperInvariant() + " on a column", token.Position);
            }
            else
            {
                break;
            }
        }
        return new ColumnDef(name, typeName, notNull, primaryKey, defaultValue, location)
        {
            DefaultText = defaultText,
            Constraints = constraints,
            Identity = identity,
            IdentityOptions = identityOptions,
            Generated = generated,
            GeneratedText = generatedText,
        };
    }

    /// <summary>GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [(sequence options)]: the attidentity letter and the options.</summary>
    private (char Identity, IReadOnlyList<SequenceOption> Options) ParseIdentity()
    {
        ExpectKeyword("generated");
        char identity = Catalog.ColumnDescriptor.IdentityAlways;
        if (TryKeyword("by"))
        {
            ExpectKeyword("default");
            identity = Catalog.ColumnDescriptor.IdentityByDefault;
        }
        else
        {
            ExpectKeyword("always");
        }
        ExpectKeyword("as");
        ExpectKeyword("identity");
        if (!TryOperator("(")) return (identity, []);
        List<SequenceOption> options = ParseSequenceOptions(allowRestart: false, parenthesized: true);
        ExpectOperator(")");
        return (identity, options);
    }

    private static SqlException ConflictingNull(string column, string? relationName, int location) =>
        new(SqlState.SyntaxError, $"conflicting NULL/NOT NULL declarations for column \"{column}\"" + (relationName is null ? "" : $" of table \"{relationName}\""), location + 1);
}
