using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Executor;

/// <summary>CREATE, ALTER and DROP SEQUENCE. The descriptor is written in the user's transaction (DDL is transactional);
/// so is the initial state of a new sequence and a RESTART, which PostgreSQL also undoes on rollback.</summary>
internal static class SequenceExecutor
{
    public static async ValueTask<StatementResult> CreateAsync(CreateSeqStmt create, SqlCatalog catalog, ITransactionStore store, StatementContext statement, CancellationToken cancellationToken)
    {
        SqlEngine.CheckSchema(create.Sequence, statement.Relations);
        string name = SqlEngine.CatalogNameOf(create.Sequence, statement.Relations);
        if (await catalog.RelationKindAsync(store, name, cancellationToken) is not null)
        {
            if (create.IfNotExists)
            {
                return new StatementResult(null, null, "CREATE SEQUENCE") { Notices = [$"relation \"{name}\" already exists, skipping"] };
            }
            throw new SqlException(SqlState.DuplicateTable, $"relation \"{name}\" already exists");
        }
        SequenceOptionsBinder.Result bound = SequenceOptionsBinder.Bind(name, create.Options, existing: null);
        if (bound.OwnedBy is { } owner) await CheckOwnerAsync(catalog, store, owner, cancellationToken);
        await CreateSequenceAsync(bound.Sequence, store, cancellationToken);
        return new StatementResult(null, null, "CREATE SEQUENCE");
    }

    /// <summary>Writes a new sequence (CREATE SEQUENCE, serial and identity columns) with an id from the relation id counter.</summary>
    public static async ValueTask<SequenceDescriptor> CreateSequenceAsync(SequenceDescriptor sequence, ITransactionStore store, CancellationToken cancellationToken)
    {
        SequenceDescriptor created = sequence with { Id = await SqlCatalog.AllocateTableIdAsync(store, cancellationToken), Version = 1 };
        SqlCatalog.WriteSequence(store, created);
        SqlCatalog.WriteSequenceState(store, created.Id, new SequenceState(created.Start, IsCalled: false));
        return created;
    }

    public static async ValueTask<StatementResult> AlterAsync(AlterSeqStmt alter, SqlCatalog catalog, SequenceGenerator generator, ITransactionStore store,
        StatementContext statement, CancellationToken cancellationToken)
    {
        if (alter.MissingOk && SqlEngine.IsSchemaMissing(alter.Sequence, statement.Relations))
        {
            return new StatementResult(null, null, "ALTER SEQUENCE") { Notices = [$"relation \"{alter.Sequence.RelationName}\" does not exist, skipping"] };
        }
        SqlEngine.CheckSchema(alter.Sequence, statement.Relations);
        string name = SqlEngine.CatalogNameOf(alter.Sequence, statement.Relations);
        SequenceDescriptor? existing = await SqlCatalog.GetSequenceAsync(store, name, cancellationToken);
        if (existing is null)
        {
            if (await catalog.RelationKindAsync(store, name, cancellationToken) is not null)
            {
                throw new SqlException(SqlState.WrongObjectType, $"\"{name}\" is not a sequence");
            }
            if (alter.MissingOk)
            {
                return new StatementResult(null, null, "ALTER SEQUENCE") { Notices = [$"relation \"{name}\" does not exist, skipping"] };
            }
            throw new SqlException(SqlState.UndefinedTable, $"relation \"{name}\" does not exist", alter.Sequence.Location + 1);
        }
        SequenceOptionsBinder.Result bound = SequenceOptionsBinder.Bind(name, alter.Options, existing);
        if (bound.OwnedBy is { } owner) await CheckOwnerAsync(catalog, store, owner, cancellationToken);
        SqlCatalog.WriteSequence(store, bound.Sequence);
        if (bound.RestartValue is { } restart)
        {
            generator.Forget(existing.Id);
            SqlCatalog.WriteSequenceState(store, existing.Id, new SequenceState(restart, IsCalled: false));
        }
        return new StatementResult(null, null, "ALTER SEQUENCE");
    }

    /// <summary>DROP SEQUENCE: the sequence's descriptor and state go in the user's transaction.</summary>
    public static async ValueTask<StatementResult> DropAsync(DropStmt drop, SqlCatalog catalog, ITransactionStore store, StatementContext statement, CancellationToken cancellationToken)
    {
        var sequences = new List<SequenceDescriptor>();
        var notices = new List<string>();
        foreach (RangeVar relation in drop.Objects)
        {
            if (SqlEngine.SkipsMissingSchema(relation, drop.MissingOk, notices, statement.Relations)) continue;
            SequenceDescriptor? sequence = await SqlCatalog.GetSequenceAsync(store, SqlEngine.CatalogNameOf(relation, statement.Relations), cancellationToken);
            if (sequence is null)
            {
                await DropChecks.ThrowIfOtherKindAsync(catalog, store, SqlEngine.CatalogNameOf(relation, statement.Relations), ObjectType.Sequence, cancellationToken);
                if (!drop.MissingOk) throw new SqlException(SqlState.UndefinedTable, $"sequence \"{relation.RelationName}\" does not exist");
                notices.Add($"sequence \"{relation.RelationName}\" does not exist, skipping");
                continue;
            }
            if (sequence.OwnedByTable is { } table && await catalog.GetTableAsync(store, table, cancellationToken) is not null
                && sequence.OwnedByColumn is { } column)
            {
                throw new SqlException("2BP01", $"cannot drop sequence {RelationNames.Display(sequence.Name)} because other objects depend on it",
                    detail: $"default value for column {column} of table {RelationNames.Display(table)} depends on sequence {RelationNames.Display(sequence.Name)}",
                    hint: "Use DROP ... CASCADE to drop the dependent objects too.");
            }
            if (!sequences.Exists(existing => existing.Id == sequence.Id)) sequences.Add(sequence);
        }
        foreach (SequenceDescriptor sequence in sequences)
        {
            SqlCatalog.DeleteSequence(store, sequence);
            await SqlCatalog.MoveCommentsAsync(store, sequence.Name, newName: null, cancellationToken);
        }
        return new StatementResult(null, null, "DROP SEQUENCE") { Notices = notices };
    }

    private static async ValueTask CheckOwnerAsync(SqlCatalog catalog, ITransactionStore store, (string Table, string Column) owner, CancellationToken cancellationToken)
    {
        TableDescriptor table = await catalog.GetTableAsync(store, owner.Table, cancellationToken)
            ?? throw new SqlException(SqlState.UndefinedTable, $"relation \"{owner.Table}\" does not exist");
        if (table.OrdinalOf(owner.Column) < 0)
        {
            throw new SqlException(SqlState.UndefinedColumn, $"column \"{owner.Column}\" of relation \"{owner.Table}\" does not exist");
        }
    }
}
