using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Parser;

internal sealed partial class SqlParser
{
    private Statement ParseAlter()
    {
        int location = ExpectKeyword("alter").Position;
        if (TryKeyword("sequence")) return ParseAlterSequence(location);
        if (TryKeyword("schema")) return ParseAlterSchema(location);
        if (TryKeyword("role") || TryKeyword("user")) return ParseAlterRole(location);
        if (IsKeyword("default") && Peek().IsKeyword("privileges"))
        {
            _index += 2;
            return ParseAlterDefaultPrivileges(location);
        }
        if (!IsKeyword("table")) throw NotSupported("ALTER " + Current.Text.ToUpperInvariant(), Current.Position);
        _index++;
        bool missingOk = false;
        if (TryKeyword("if"))
        {
            ExpectKeyword("exists");
            missingOk = true;
        }
        TryKeyword("only");
        RangeVar relation = ParseRangeVar(allowAlias: false);
        var commands = new List<AlterTableCmd>();
        do commands.Add(ParseAlterTableCommand());
        while (TryOperator(","));
        // SET SCHEMA is a statement of its own in PostgreSQL's grammar (AlterObjectSchemaStmt): no other command beside it.
        if (commands.Count > 1 && commands.FirstOrDefault(command => command is SetSchemaCmd) is { } setSchema)
        {
            throw new SqlException(SqlState.SyntaxError, "syntax error at or near \"SCHEMA\"", setSchema.Location + 1);
        }
        return new AlterTableStmt(relation, missingOk, commands, location);
    }

    private AlterTableCmd ParseAlterTableCommand()
    {
        int location = Current.Position;
        if (TryKeyword("add"))
        {
            if (IsKeyword("constraint") || IsKeyword("primary") || IsKeyword("unique") || IsKeyword("check") || IsKeyword("foreign"))
            {
                return ParseAddConstraint(location);
            }
            TryKeyword("column");
            bool ifNotExists = false;
            if (TryKeyword("if"))
            {
                ExpectKeyword("not");
                ExpectKeyword("exists");
                ifNotExists = true;
            }
            return new AddColumnCmd(ParseColumnDef(), ifNotExists, location);
        }
        if (TryKeyword("drop"))
        {
            bool isConstraint = TryKeyword("constraint");
            if (!isConstraint) TryKeyword("column");
            bool ifExists = false;
            if (TryKeyword("if"))
            {
                ExpectKeyword("exists");
                ifExists = true;
            }
            string name = ExpectColumnIdentifier().Name;
            if (isConstraint && IsKeyword("cascade")) throw NotSupported("DROP CONSTRAINT ... CASCADE", Current.Position);
            // DROP COLUMN ... CASCADE (Django's migrations write it): the column's indexes and CHECK constraints go with
            // it either way, as on PostgreSQL; CASCADE drops the same set as RESTRICT does here.
            if (!isConstraint && TryKeyword("cascade")) return new DropColumnCmd(name, ifExists, location);
            TryKeyword("restrict");
            return isConstraint ? new DropConstraintCmd(name, ifExists, location) : new DropColumnCmd(name, ifExists, location);
        }
        if (TryKeyword("rename"))
        {
            if (TryKeyword("to")) return new RenameTableCmd(ExpectColumnIdentifier().Name, location);
            if (IsKeyword("constraint")) throw NotSupported("ALTER TABLE ... RENAME CONSTRAINT", Current.Position);
            TryKeyword("column");
            string oldName = ExpectColumnIdentifier().Name;
            ExpectKeyword("to");
            return new RenameColumnCmd(oldName, ExpectColumnIdentifier().Name, location);
        }
        if (TryKeyword("validate"))
        {
            ExpectKeyword("constraint");
            return new ValidateConstraintCmd(ExpectColumnIdentifier().Name, location);
        }
        if (TryKeyword("alter")) return ParseAlterColumnCommand(location);
        if (TryKeyword("owner"))
        {
            ExpectKeyword("to");
            return new OwnerCmd(ParseRoleSpecification(), location);
        }
        if (IsKeyword("set") && Peek().IsKeyword("schema"))
        {
            _index += 2;
            return new SetSchemaCmd(ExpectColumnIdentifier().Name, location);
        }
        if (IsKeyword("set") || IsKeyword("enable") || IsKeyword("disable"))
        {
            throw NotSupported("ALTER TABLE ... " + Current.Text.ToUpperInvariant(), Current.Position);
        }
        throw SyntaxError();
    }

    /// <summary>PostgreSQL's RoleSpec: a role's name, or CURRENT_USER, SESSION_USER, CURRENT_ROLE (reserved words).</summary>
    private string ParseRoleSpecification()
    {
        foreach (string keyword in new[] { "current_user", "session_user", "current_role" })
        {
            if (TryKeyword(keyword)) return keyword;
        }
        return ExpectColumnIdentifier().Name;
    }

    /// <summary>ALTER [COLUMN] name followed by SET/DROP DEFAULT, SET/DROP NOT NULL, [SET DATA] TYPE, ADD GENERATED ...
    /// AS IDENTITY, SET GENERATED, DROP IDENTITY.</summary>
    private AlterTableCmd ParseAlterColumnCommand(int location)
    {
        TryKeyword("column");
        string column = ExpectColumnIdentifier().Name;
        Token token = Current;
        if (TryKeyword("type") || IsKeyword("set") && Peek().IsKeyword("data"))
        {
            if (TryKeyword("set"))
            {
                ExpectKeyword("data");
                ExpectKeyword("type");
            }
            TypeName typeName = ParseTypeName();
            string? collation = null;
            if (TryKeyword("collate")) collation = ExpectColumnIdentifier().Name;
            bool hasUsing = false;
            string? usingText = null;
            if (TryKeyword("using"))
            {
                hasUsing = true;
                int usingStart = _index;
                ParseExpression();
                Token usingEnd = _tokens[_index - 1];
                usingText = _text[_tokens[usingStart].Position..(usingEnd.Position + usingEnd.Length)];
            }
            return new ColumnTypeCmd(column, typeName, hasUsing, location) { UsingText = usingText, Collation = collation };
        }
        if (IsKeyword("add") && Peek().IsKeyword("generated"))
        {
            _index++;
            (char identity, IReadOnlyList<SequenceOption> options) = ParseIdentity();
            return new AddIdentityCmd(column, identity, options, location);
        }
        if (TryKeyword("set"))
        {
            if (TryKeyword("default"))
            {
                int defaultStart = _index;
                Expression value = ParseExpression();
                Token defaultEnd = _tokens[_index - 1];
                return new ColumnDefaultCmd(column, value, _text[_tokens[defaultStart].Position..(defaultEnd.Position + defaultEnd.Length)], location);
            }
            if (TryKeyword("not"))
            {
                ExpectKeyword("null");
                return new ColumnNotNullCmd(column, NotNull: true, location);
            }
            if (TryKeyword("generated"))
            {
                if (TryKeyword("always")) return new SetIdentityCmd(column, Catalog.ColumnDescriptor.IdentityAlways, location);
                ExpectKeyword("by");
                ExpectKeyword("default");
                return new SetIdentityCmd(column, Catalog.ColumnDescriptor.IdentityByDefault, location);
            }
            throw NotSupported("ALTER COLUMN ... SET " + Current.Text.ToUpperInvariant(), Current.Position);
        }
        if (TryKeyword("drop"))
        {
            if (TryKeyword("default")) return new ColumnDefaultCmd(column, null, null, location);
            if (TryKeyword("not"))
            {
                ExpectKeyword("null");
                return new ColumnNotNullCmd(column, NotNull: false, location);
            }
            ExpectKeyword("identity");
            bool ifExists = false;
            if (TryKeyword("if"))
            {
                ExpectKeyword("exists");
                ifExists = true;
            }
            return new DropIdentityCmd(column, ifExists, location);
        }
        if (token.Kind == TokenKind.Identifier) throw NotSupported("ALTER COLUMN ... " + token.Text.ToUpperInvariant(), token.Position);
        throw SyntaxError();
    }

    /// <summary>ADD [CONSTRAINT name] PRIMARY KEY (columns) | UNIQUE [NULLS [NOT] DISTINCT] (columns) | CHECK (expression)
    /// | FOREIGN KEY (columns) REFERENCES ..., then NOT VALID for CHECK and FOREIGN KEY ("add" is read).</summary>
    private AddConstraintCmd ParseAddConstraint(int location)
    {
        string? name = TryKeyword("constraint") ? ExpectColumnIdentifier().Name : null;
        Token kind = Current;
        TableConstraint constraint;
        bool isPrimaryKey = false;
        if (TryKeyword("primary"))
        {
            ExpectKeyword("key");
            constraint = new TableConstraint(name, TableConstraintKind.Unique, ParseColumnNameList(), IsColumnConstraint: false, NullsNotDistinct: false,
                Check: null, CheckText: null, kind.Position);
            ExpectNotDeferrablePrimaryKey();
            isPrimaryKey = true;
        }
        else if (IsKeyword("unique") || IsKeyword("check"))
        {
            constraint = ParseUniqueOrCheck(name, column: null);
        }
        else if (IsKeyword("foreign"))
        {
            constraint = ParseForeignKey(name, column: null);
        }
        else
        {
            throw SyntaxError();
        }
        bool notValid = false;
        if (IsKeyword("not") && Peek().Kind == TokenKind.Identifier && Peek().Text == "valid")
        {
            _index += 2;
            notValid = true;
            if (constraint.Kind == TableConstraintKind.Unique)
            {
                throw new SqlException(SqlState.FeatureNotSupported, $"{(isPrimaryKey ? "PRIMARY KEY" : "UNIQUE")} constraints cannot be marked NOT VALID", kind.Position + 1);
            }
        }
        return new AddConstraintCmd(constraint, isPrimaryKey, notValid, location);
    }
}
