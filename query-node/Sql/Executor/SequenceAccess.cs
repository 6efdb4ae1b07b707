using System.Globalization;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// nextval, currval, setval and lastval for one statement. Functions are evaluated synchronously, so the catalog read
/// and a block allocation wait here; values taken from the node's cached block (CACHE n) do no I/O.
/// </summary>
internal sealed class SequenceAccess(SequenceGenerator generator, SqlCatalog catalog, ITransactionStore store, SessionSequenceValues session,
    Catalog.RelationResolver? relations)
{
    public long NextValue(string name, StatementContext statement)
    {
        CancellationToken cancellationToken = statement.CancellationToken;
        SequenceDescriptor sequence = Find(name, cancellationToken);
        CheckPrivilege(sequence, Privileges.Usage | Privileges.Update, statement);
        long value = Wait(generator.NextValueAsync(sequence, store, cancellationToken));
        session.SetCurrent(sequence.Id, sequence.Name, value, isLast: true);
        return value;
    }

    public long CurrentValue(string name, StatementContext statement)
    {
        CancellationToken cancellationToken = statement.CancellationToken;
        SequenceDescriptor sequence = Find(name, cancellationToken);
        CheckPrivilege(sequence, Privileges.Usage | Privileges.Select, statement);
        return session.TryGetCurrent(sequence.Id, out long value)
            ? value
            : throw new SqlException(SqlState.ObjectNotInPrerequisiteState, $"currval of sequence \"{RelationNames.NameOf(sequence.Name)}\" is not yet defined in this session");
    }

    public long LastValue()
    {
        if (session.Last is not { } last || !session.TryGetCurrent(last.Id, out long value))
        {
            throw new SqlException(SqlState.ObjectNotInPrerequisiteState, "lastval is not yet defined in this session");
        }
        return value;
    }

    public long SetValue(string name, long value, bool isCalled, StatementContext statement)
    {
        CancellationToken cancellationToken = statement.CancellationToken;
        SequenceDescriptor sequence = Find(name, cancellationToken);
        CheckPrivilege(sequence, Privileges.Update, statement);
        if (value < sequence.MinValue || value > sequence.MaxValue)
        {
            throw new SqlException(SqlState.NumericValueOutOfRange,
                $"setval: value {value} is out of bounds for sequence \"{RelationNames.NameOf(sequence.Name)}\" ({sequence.MinValue}..{sequence.MaxValue})");
        }
        Wait(generator.SetStateAsync(sequence, new SequenceState(value, isCalled), store, cancellationToken));
        if (isCalled) session.SetCurrent(sequence.Id, sequence.Name, value, isLast: false);
        return value;
    }

    /// <summary>PostgreSQL's checks: nextval needs USAGE or UPDATE, currval USAGE or SELECT, setval UPDATE (42501
    /// "permission denied for sequence s"). A serial column's default draws as the inserting role, so it needs USAGE on
    /// the sequence too; an identity column's sequence is drawn from without a check, as PostgreSQL does.</summary>
    private void CheckPrivilege(SequenceDescriptor sequence, Privileges anyOf, StatementContext statement)
    {
        if (statement.Session is not { } sessionEnvironment) return;
        CancellationToken cancellationToken = statement.CancellationToken;
        RoleIdentity identity = statement.Identity ??= Wait(Authorization.ResolveAsync(store, sessionEnvironment, cancellationToken));
        if (identity.IsSuperuser) return;
        string schema = RelationNames.SchemaOf(sequence.Name);
        if ((Wait(Authorization.SchemaPrivilegesHeldAsync(schema, identity, store, cancellationToken)) & Privileges.Usage) == 0)
        {
            throw Authorization.PermissionDenied("schema", schema);
        }
        long oid = Catalog.System.ObjectIds.Relation(sequence.Id);
        ObjectPrivileges privileges = Wait(SqlCatalog.GetPrivilegesAsync(store, oid, cancellationToken));
        long owner = privileges.OwnerOid;
        if (sequence.OwnedByTable is { } tableName && Wait(catalog.GetTableAsync(store, tableName, cancellationToken)) is { } table)
        {
            if (sequence.OwnedByColumn is { } columnName && table.OrdinalOf(columnName) is var ordinal and >= 0 && table.Columns[ordinal].Identity is not null) return;
            owner = table.OwnerOid;
        }
        if ((Authorization.Held(identity, owner, privileges, ObjectPrivileges.SequenceAll) & anyOf) == 0)
        {
            throw Authorization.PermissionDenied("sequence", RelationNames.NameOf(sequence.Name));
        }
    }

    private SequenceDescriptor Find(string text, CancellationToken cancellationToken)
    {
        (string? schema, string relationName) = ParseRelationName(text);
        if (schema is not null && !Wait(SqlCatalog.SchemaExistsAsync(store, schema, cancellationToken)))
        {
            throw new SqlException("3F000", $"schema \"{schema}\" does not exist");
        }
        string name = relations is { } resolver
            ? Wait(resolver.ResolveAsync(schema, relationName, cancellationToken))
            : RelationNames.Compose(schema ?? SqlCatalog.DefaultSchema, relationName);
        SequenceDescriptor? sequence = Wait(SqlCatalog.GetSequenceAsync(store, name, cancellationToken));
        if (sequence is not null) return sequence;
        char? kind = Wait(catalog.RelationKindAsync(store, name, cancellationToken));
        throw kind is null
            ? new SqlException(SqlState.UndefinedTable, $"relation \"{RelationNames.Display(name)}\" does not exist")
            : new SqlException(SqlState.WrongObjectType, $"\"{relationName}\" is not a sequence");
    }

    /// <summary>regclass input: a possibly schema-qualified name, each part folded to lower case unless double-quoted.</summary>
    internal static (string? Schema, string Name) ParseRelationName(string text)
    {
        var parts = new List<string>();
        int index = 0;
        while (true)
        {
            var part = new System.Text.StringBuilder();
            if (index < text.Length && text[index] == '"')
            {
                index++;
                while (index < text.Length)
                {
                    if (text[index] == '"')
                    {
                        if (index + 1 < text.Length && text[index + 1] == '"') { part.Append('"'); index += 2; continue; }
                        index++;
                        break;
                    }
                    part.Append(text[index++]);
                }
            }
            else
            {
                while (index < text.Length && text[index] != '.') part.Append(char.ToLower(text[index++], CultureInfo.InvariantCulture));
            }
            parts.Add(part.ToString().Trim());
            if (index < text.Length && text[index] == '.') { index++; continue; }
            break;
        }
        if (parts.Count > 2 || parts.Exists(part => part.Length == 0))
        {
            throw new SqlException(SqlState.InvalidNameSyntax, "invalid name syntax");
        }
        return parts.Count == 2 ? (parts[0], parts[1]) : (null, parts[0]);
    }

    /// <summary>Waits for an asynchronous step; functions run synchronously (see the class comment).</summary>
    private static T Wait<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();

    private static void Wait(ValueTask task)
    {
        if (!task.IsCompletedSuccessfully) task.AsTask().GetAwaiter().GetResult();
    }
}
