using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Planner;
using Log.QueryNode.Sql.Plan;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql;

public sealed partial class SqlEngine
{
    private readonly SqlCatalog _catalog = new();

    /// <summary>Binds, plans and runs one statement inside a transaction; DDL and DML both go through <paramref name="store"/>.
    /// Expected errors are <see cref="SqlException"/>s; the store may hold partial writes of a failed statement, so the
    /// session must roll the transaction back (PostgreSQL's "current transaction is aborted").</summary>
    public ValueTask<StatementResult> ExecuteAsync(ParsedStatement statement, ITransactionStore store, CancellationToken cancellationToken) =>
        ExecuteAsync(statement, parameters: null, parameterTypeOids: null, store, cancellationToken);

    /// <summary>Runs a statement with values for its $1..$n (extended protocol). A value is a string (text format,
    /// read with the parameter's type input function), a CLR value (bool, short, int, long, float, double, decimal)
    /// or null. <paramref name="parameterTypeOids"/> are the types given at Parse (0 or missing = inferred).</summary>
    public ValueTask<StatementResult> ExecuteAsync(ParsedStatement statement, IReadOnlyList<object?>? parameters,
        IReadOnlyList<int>? parameterTypeOids, ITransactionStore store, CancellationToken cancellationToken) =>
        ExecuteAsync(statement, parameters, parameterTypeOids, store, DateTimeSettings.Default, cancellationToken);

    /// <summary>Runs a statement as the overload above, with the session's TimeZone and DateStyle order, which date/time
    /// input (literals, parameters, coercions) and casts between date/time types and text follow.</summary>
    public ValueTask<StatementResult> ExecuteAsync(ParsedStatement statement, IReadOnlyList<object?>? parameters,
        IReadOnlyList<int>? parameterTypeOids, ITransactionStore store, DateTimeSettings dateTimeSettings, CancellationToken cancellationToken) =>
        ExecuteAsync(statement, parameters, parameterTypeOids, store, dateTimeSettings, streamRows: false, cancellationToken);

    /// <summary>Runs a statement; with <paramref name="streamRows"/>, a SELECT returns its rows as a stream
    /// (<see cref="StatementResult.RowStream"/>) that computes each row as it is read, under
    /// <paramref name="cancellationToken"/>. Other statements complete before this returns.</summary>
    public ValueTask<StatementResult> ExecuteAsync(ParsedStatement statement, IReadOnlyList<object?>? parameters,
        IReadOnlyList<int>? parameterTypeOids, ITransactionStore store, DateTimeSettings dateTimeSettings, bool streamRows, CancellationToken cancellationToken) =>
        ExecuteAsync(statement, parameters, parameterTypeOids, store, dateTimeSettings, session: null, streamRows, cancellationToken);

    /// <summary>Runs a statement as above, inside a session: <paramref name="session"/> gives now() the transaction's
    /// start time and lets current_setting/set_config read and change the session's settings.</summary>
    public async ValueTask<StatementResult> ExecuteAsync(ParsedStatement statement, IReadOnlyList<object?>? parameters,
        IReadOnlyList<int>? parameterTypeOids, ITransactionStore store, DateTimeSettings dateTimeSettings, ISessionEnvironment? session, bool streamRows,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statement);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(dateTimeSettings);
        StatementContext statementContext = NewStatementContext(store, dateTimeSettings, session, cancellationToken);
        // SET ROLE and SET SESSION AUTHORIZATION are checked against the catalog before anything runs under them.
        if (session is not null && Catalog.Authorization.CurrentRoleName(session) != session.LoginUserName) await IdentityAsync(store, statementContext, cancellationToken);
        if (streamRows && statement.Tree is SelectStmt select && !HasDataModifyingWith(select))
        {
            ParameterContext? parameterContext = parameters is null && parameterTypeOids is null
                ? null
                : CreateParameterContext(statement, parameterTypeOids, parameters ?? [], describing: false);
            (BoundQuery query, BindContext bindContext) = await BindQueryAsync(select, parameterContext, store, statementContext, cancellationToken);
            PlannedQuery planned = QueryPlanner.Plan(query.Plan, bindContext);
            return new StatementResult(query.Columns, StreamRowsAsync(planned, store, statementContext, [], cancellationToken));
        }
        StatementResult result = await ExecuteStatementAsync(statement, parameters, parameterTypeOids, store, statementContext, cancellationToken);
        await statementContext.SleepAsync();
        return result;
    }

    /// <summary>The context of one statement: its cancellation, session settings, session, memory limit and the
    /// sequences it may draw from (one place, so every way a statement runs has the same).</summary>
    private StatementContext NewStatementContext(ITransactionStore store, DateTimeSettings dateTimeSettings, ISessionEnvironment? session,
        CancellationToken cancellationToken)
    {
        RelationResolver relations = NewRelationResolver(store, session);
        return new(cancellationToken, dateTimeSettings, session, queryMemoryBytesMax: QueryMemoryBytesMax)
        {
            Sequences = SequenceAccessFor(store, session, relations),
            Relations = relations,
            Store = store,
        };
    }

    private RelationResolver NewRelationResolver(ITransactionStore store, ISessionEnvironment? session) =>
        new(_catalog, store, session?.GetSetting("search_path"), session?.UserName ?? "postgres");

    private async ValueTask<StatementResult> ExecuteStatementAsync(ParsedStatement statement, IReadOnlyList<object?>? parameters,
        IReadOnlyList<int>? parameterTypeOids, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        // A simple-protocol statement has no parameters: $1 there is "there is no parameter $1", as in PostgreSQL.
        ParameterContext? context = parameters is null && parameterTypeOids is null
            ? null
            : CreateParameterContext(statement, parameterTypeOids, parameters ?? [], describing: false);
        if (ChangesCatalog(statement.Tree)) CatalogChanged();
        await ResolveStatementRelationsAsync(statement.Tree, statementContext, cancellationToken);
        if (await ExecuteRoleStatementAsync(statement.Tree, store, statementContext, cancellationToken) is { } roleResult) return roleResult;
        await AuthorizeStatementAsync(statement.Tree, store, statementContext, cancellationToken);
        switch (statement.Tree)
        {
            case SelectStmt select:
                return await ExecuteSelectAsync(select, context, store, statementContext, cancellationToken);
            case InsertStmt or UpdateStmt or DeleteStmt:
                return await ExecuteModificationAsync(statement.Tree, context, store, statementContext, cancellationToken);
            case ExplainStmt explain:
                return await ExecuteExplainAsync(explain, context, store, statementContext, cancellationToken);
            case CallStmt call:
                return await ExecuteCallAsync(call, parameters, cancellationToken);
            case CreateStmt create:
                CheckSchema(create.Relation, statementContext.Relations);
                return await OwnedByCreatorAsync(await CreateTableExecutor.ExecuteAsync(create, _catalog, store, statementContext, cancellationToken), create.Relation, store, statementContext, cancellationToken);
            case CreateSchemaStmt createSchema:
                return await SchemaWithDefaultPrivilegesAsync(await SchemaExecutor.CreateAsync(createSchema, store, statementContext, cancellationToken), createSchema, store,
                    statementContext, cancellationToken);
            case DropSchemaStmt dropSchema:
                return await SchemaExecutor.DropAsync(dropSchema, _catalog, store, statementContext, cancellationToken);
            case AlterSchemaStmt alterSchema:
                return await SchemaExecutor.AlterAsync(alterSchema, store, statementContext, cancellationToken);
            case CommentStmt comment:
                return await CommentExecutor.ExecuteAsync(comment, _catalog, store, statementContext, cancellationToken);
            case CreateTableAsStmt createAs:
                return await OwnedByCreatorAsync(await ExecuteCreateTableAsAsync(createAs, context, store, statementContext, cancellationToken), createAs.Relation, store, statementContext, cancellationToken);
            case DropStmt { RemoveType: ObjectType.Sequence } drop:
                return await SequenceExecutor.DropAsync(drop, _catalog, store, statementContext, cancellationToken);
            case DropStmt { RemoveType: ObjectType.View } drop:
                return await ViewExecutor.DropAsync(drop, _catalog, store, statementContext, cancellationToken);
            case DropStmt drop:
                return await DropTableExecutor.ExecuteAsync(drop, _catalog, store, statementContext, cancellationToken);
            case AlterTableStmt alter:
                return await AlterTableExecutor.ExecuteAsync(alter, _catalog, store, statementContext, cancellationToken);
            case CreateSeqStmt createSequence:
                return await OwnedByCreatorAsync(await SequenceExecutor.CreateAsync(createSequence, _catalog, store, statementContext, cancellationToken), createSequence.Sequence, store, statementContext,
                    cancellationToken);
            case AlterSeqStmt alterSequence:
                return await SequenceExecutor.AlterAsync(alterSequence, _catalog, _sequenceGenerator, store, statementContext, cancellationToken);
            case ViewStmt view:
                return await OwnedByCreatorAsync(await ExecuteCreateViewAsync(view, store, statementContext, cancellationToken), view.View, store, statementContext, cancellationToken);
            case TruncateStmt truncate:
                return await TruncateExecutor.ExecuteAsync(truncate, _catalog, _sequenceGenerator, store, statementContext, cancellationToken);
            case VacuumStmt vacuum:
                return await VacuumExecutor.ExecuteAsync(vacuum, _catalog, store, statementContext, cancellationToken);
            case ConstraintsSetStmt constraintsSet:
                return await ConstraintsSetExecutor.ExecuteAsync(constraintsSet, store, statementContext, cancellationToken);
            case LockStmt lockStatement:
                return await LockExecutor.ExecuteAsync(lockStatement, _catalog, store, statementContext, cancellationToken);
            case IndexStmt index:
                return await CreateIndexExecutor.ExecuteAsync(index, _catalog, store, statementContext, cancellationToken);
            case DropIndexStmt dropIndex:
                return await DropIndexExecutor.ExecuteAsync(dropIndex, _catalog, store, statementContext, cancellationToken);
            case VariableSetStmt or VariableShowStmt:
                return VariableExecutor.Execute(statement.Tree);
            case TransactionStmt:
                throw new InvalidOperationException("transaction control statements are run by the session, not the engine");
            default:
                throw new SqlException(SqlState.FeatureNotSupported, "statement is not supported");
        }
    }

    /// <summary>Describe of the extended protocol: binds the statement (reading the catalog through
    /// <paramref name="store"/>) without running it.</summary>
    public ValueTask<StatementDescription> DescribeAsync(ParsedStatement statement, IReadOnlyList<int>? parameterTypeOids,
        ITransactionStore store, CancellationToken cancellationToken) =>
        DescribeAsync(statement, parameterTypeOids, store, DateTimeSettings.Default, cancellationToken);

    /// <summary>Describe with the session's TimeZone and DateStyle order: binding reads the statement's literals, so a
    /// date that only the session's DateStyle makes valid must not fail here.</summary>
    public async ValueTask<StatementDescription> DescribeAsync(ParsedStatement statement, IReadOnlyList<int>? parameterTypeOids,
        ITransactionStore store, DateTimeSettings dateTimeSettings, CancellationToken cancellationToken)
    {
        return (await PrepareAsync(statement, parameterTypeOids, store, dateTimeSettings, cancellationToken)).Description;
    }

    /// <summary>Describe, and for a query the plan cache entry its Binds share (null for other statements): the
    /// parameter types are fixed here, as PostgreSQL fixes them at Parse; the plan itself is made at the first Bind.</summary>
    internal async ValueTask<(StatementDescription Description, CachedPlan? Plan)> PrepareAsync(ParsedStatement statement,
        IReadOnlyList<int>? parameterTypeOids, ITransactionStore store, DateTimeSettings dateTimeSettings, CancellationToken cancellationToken,
        ISessionEnvironment? session = null)
    {
        ArgumentNullException.ThrowIfNull(statement);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(dateTimeSettings);
        var statementContext = new StatementContext(cancellationToken, dateTimeSettings, queryMemoryBytesMax: QueryMemoryBytesMax)
        {
            Relations = NewRelationResolver(store, session),
        };
        (StatementDescription description, IReadOnlyList<SqlType> parameterTypes) = await DescribeStatementAsync(statement, parameterTypeOids, store, statementContext, cancellationToken);
        return (description, IsCacheable(statement) ? new CachedPlan(parameterTypes) : null);
    }

    private async ValueTask<(StatementDescription Description, IReadOnlyList<SqlType> ParameterTypes)> DescribeStatementAsync(ParsedStatement statement,
        IReadOnlyList<int>? parameterTypeOids, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        ParameterContext context = CreateParameterContext(statement, parameterTypeOids, null, describing: true)!;
        IReadOnlyList<ResultColumn>? columns = null;
        switch (statement.Tree)
        {
            case SelectStmt select:
                columns = (await BindQueryAsync(select, context, store, statementContext, cancellationToken)).Query.Columns;
                break;
            case InsertStmt or UpdateStmt or DeleteStmt:
                columns = (await BindModificationAsync(statement.Tree, context, store, statementContext, cancellationToken)).Bound.Returning;
                break;
            case ExplainStmt explain:
                // Bound for the types of its parameters, which the client learns from this Describe.
                if (explain.Query is SelectStmt explained) await BindQueryAsync(explained, context, store, statementContext, cancellationToken);
                else if (explain.Query is InsertStmt or UpdateStmt or DeleteStmt) await BindModificationAsync(explain.Query, context, store, statementContext, cancellationToken);
                columns = ExplainColumns;
                break;
            case VariableShowStmt:
                columns = VariableExecutor.Execute(statement.Tree).Columns;
                break;
            case CallStmt call when CallExecutor.IsWaitForJob(call):
                columns = CallExecutor.Columns;
                break;
            case IndexStmt { IsAsync: true }:
                columns = CreateIndexExecutor.AsyncColumns;
                break;
        }
        IReadOnlyList<SqlType> types = context.ResolvedTypes;
        return (new StatementDescription(types.Select(type => type.Oid).ToArray(), columns), types);
    }

    private static ParameterContext? CreateParameterContext(ParsedStatement statement, IReadOnlyList<int>? typeOids,
        IReadOnlyList<object?>? values, bool describing)
    {
        int count = Math.Max(statement.ParameterCount, typeOids?.Count ?? 0);
        if (count == 0 && !describing) return null;
        if (!describing && values!.Count < count)
        {
            throw new SqlException(SqlState.ProtocolViolation,
                $"bind message supplies {values.Count} parameters, but prepared statement \"\" requires {count}");
        }
        var types = new Types.SqlType[count];
        for (int index = 0; index < count; index++)
        {
            types[index] = typeOids is not null && index < typeOids.Count ? ParameterContext.TypeOfOid(typeOids[index]) : Types.SqlType.Unknown;
        }
        return new ParameterContext(types, describing ? null : values);
    }

    /// <summary>A relation a query or DML statement reads or writes: in a schema that does not exist it is simply not
    /// found (42P01 naming schema.relation), as PostgreSQL's lookup of a qualified name answers.</summary>
    internal static void CheckRelationSchema(RangeVar relation, RelationResolver? relations)
    {
        if (IsSchemaMissing(relation, relations))
        {
            throw new SqlException(SqlState.UndefinedTable, $"relation \"{relation.SchemaName}.{relation.RelationName}\" does not exist", relation.Location + 1);
        }
    }

    internal static void CheckSchema(RangeVar relation, RelationResolver? relations)
    {
        if (IsSchemaMissing(relation, relations)) throw RelationResolver.SchemaDoesNotExist(relation.SchemaName!, relation.Location);
    }

    /// <summary>DROP ... IF EXISTS of a relation in a schema that does not exist skips it with PostgreSQL's notice
    /// (true); without IF EXISTS it is 3F000; false when the schema exists.</summary>
    internal static bool SkipsMissingSchema(RangeVar relation, bool missingOk, List<string> notices, RelationResolver? relations)
    {
        if (!IsSchemaMissing(relation, relations)) return false;
        if (!missingOk) throw RelationResolver.SchemaDoesNotExist(relation.SchemaName!, relation.Location);
        notices.Add($"schema \"{relation.SchemaName}\" does not exist, skipping");
        return true;
    }

    internal static bool IsSchemaMissing(RangeVar relation, RelationResolver? relations) =>
        relation.SchemaName is not null && (relations?.IsSchemaMissing(relation)
            ?? (relation.SchemaName != SqlCatalog.DefaultSchema));

    /// <summary>The table a statement names, with a schema conflict check so that a concurrent DDL fails this
    /// transaction at commit (OC001).</summary>
    private async ValueTask<TableDescriptor> GetTableForStatementAsync(RangeVar relation, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        if (statementContext.Relations is { } resolver) await resolver.ResolveAsync(relation, cancellationToken);
        CheckSchema(relation, statementContext.Relations);
        TableDescriptor? table = await _catalog.GetTableAsync(store, CatalogNameOf(relation, statementContext.Relations), cancellationToken);
        if (table is null)
        {
            throw new SqlException(SqlState.UndefinedTable, $"relation \"{relation.RelationName}\" does not exist", relation.Location + 1);
        }
        store.AddConflictCheck(CatalogKeys.DescriptorByName(table.Name), isSchema: true);
        return table;
    }

    private async ValueTask<StatementResult> ExecuteSelectAsync(SelectStmt select, ParameterContext? parameters, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        (BoundQuery query, BindContext context) = await BindQueryAsync(select, parameters, store, statementContext, cancellationToken);
        List<object?[]> rows = await RunQueryAsync(query, context, store, statementContext, cancellationToken);
        return new StatementResult(query.Columns, rows, "SELECT " + rows.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Binds a query: first every table it names is read from the catalog (and joins the conflict check, so a
    /// concurrent DDL fails this transaction with OC001), then the binder, which does no I/O, builds its plan.</summary>
    private async ValueTask<(BoundQuery Query, BindContext Context)> BindQueryAsync(SelectStmt select, ParameterContext? parameters,
        ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        var relations = await LookUpRelationsAsync(select, store, statementContext, cancellationToken);
        if (statementContext.Relations is { } resolver && Catalog.System.CatalogUse.NeedsSearchPath(select))
        {
            await resolver.PathAsync(cancellationToken);
        }
        if (Catalog.System.CatalogUse.NeedsSnapshot(select))
        {
            await Catalog.System.CatalogSnapshot.ForStatementAsync(statementContext, store, cancellationToken);
        }
        var context = new BindContext(parameters, relations.Tables)
        {
            Views = relations.Views, Sequences = relations.Sequences, Relations = statementContext.Relations, Statement = statementContext,
        };
        BoundQuery query = new SqlBinder(context, new BindScope(parent: null)) { IsStatementLevel = true }.BindQuery(select);
        return (query, context);
    }

    private async ValueTask<Dictionary<string, TableDescriptor>> LookUpTablesAsync(Node tree, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken) =>
        (await LookUpRelationsAsync(tree, store, statementContext, cancellationToken)).Tables;

    /// <summary>The tables and views a statement names; a view's query is parsed here and its own tables and views
    /// looked up in turn (to <see cref="SqlLimits.ViewNestingDepthMax"/> levels).</summary>
    private async ValueTask<(Dictionary<string, TableDescriptor> Tables, Dictionary<string, BoundView> Views, Dictionary<string, SequenceDescriptor> Sequences)>
        LookUpRelationsAsync(Node tree, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        var tables = new Dictionary<string, TableDescriptor>(StringComparer.Ordinal);
        var views = new Dictionary<string, BoundView>(StringComparer.Ordinal);
        var sequences = new Dictionary<string, SequenceDescriptor>(StringComparer.Ordinal);
        var pending = new Queue<(Node Tree, int Depth)>();
        pending.Enqueue((tree, 0));
        // What each relation is used for, and whether privileges are checked at all, are found out at the first
        // relation that needs them: a superuser's statement (the usual one) walks its tree no second time.
        Dictionary<RangeVar, (Privileges Privileges, IReadOnlyList<string>? Columns)>? targets = null;
        bool? checksPrivileges = null;
        while (pending.TryDequeue(out var next))
        {
            foreach (RangeVar reference in TableReferences.Collect(next.Tree))
            {
                if (next.Depth == 0) await CheckSystemRelationAsync(reference, store, statementContext, cancellationToken);
                if (reference.SchemaName is SqlCatalog.CatalogSchema or SqlCatalog.InformationSchema) continue;
                // pg_catalog comes first on every search path: its relations are the binder's, whatever else exists.
                if (reference.SchemaName is null && Catalog.System.SystemRelations.Resolve(null, reference.RelationName) is not null) continue;
                (string name, bool descriptorRead, byte[]? descriptor) = statementContext.Relations is { } resolver
                    ? await resolver.ResolveForReadAsync(reference, cancellationToken)
                    : (CatalogNameOf(reference, statementContext.Relations), false, null);
                if (tables.ContainsKey(name) || views.ContainsKey(name)) continue;
                if (IsSchemaMissing(reference, statementContext.Relations)) continue;
                TableDescriptor? table = descriptorRead ? _catalog.TableOf(name, descriptor) : await _catalog.GetTableAsync(store, name, cancellationToken);
                if (table is not null)
                {
                    if (next.Depth == 0 && (checksPrivileges ??= !(await IdentityAsync(store, statementContext, cancellationToken)).IsSuperuser))
                    {
                        await CheckRelationPrivilegesAsync(tree, reference, targets ??= ModificationTargets(tree), Catalog.System.ObjectIds.Relation(table.Id), "table", table.Name, table.OwnerOid,
                            table.Columns.Select(column => column.Name).ToList(), column => table.OrdinalOf(column) is var ordinal and >= 0 ? table.Columns[ordinal].Id : null,
                            store, statementContext, cancellationToken);
                    }
                    store.AddConflictCheck(CatalogKeys.DescriptorByName(table.Name), isSchema: true);
                    tables.Add(table.Name, table);
                    continue;
                }
                ViewDescriptor? view = await SqlCatalog.GetViewAsync(store, name, cancellationToken);
                if (view is null)
                {
                    if (!sequences.ContainsKey(name) && await SqlCatalog.GetSequenceAsync(store, name, cancellationToken) is { } sequence)
                    {
                        if (next.Depth == 0) await CheckSequenceReadAsync(reference, targets ??= ModificationTargets(tree), sequence, store, statementContext, cancellationToken);
                        sequences.Add(name, sequence);
                    }
                    continue;
                }
                if (next.Depth == 0)
                {
                    long viewOid = Catalog.System.ObjectIds.Relation(view.Id);
                    long viewOwner = (await SqlCatalog.GetPrivilegesAsync(store, viewOid, cancellationToken)).OwnerOid;
                    await CheckRelationPrivilegesAsync(tree, reference, targets ??= ModificationTargets(tree), viewOid, "view", view.Name, viewOwner, view.ColumnNames,
                        column => view.ColumnNames.ToList().IndexOf(column) is var index and >= 0 ? index + 1 : null, store, statementContext, cancellationToken);
                }
                if (next.Depth >= SqlLimits.ViewNestingDepthMax)
                {
                    throw new SqlException(SqlState.ProgramLimitExceeded, $"views nest more than {SqlLimits.ViewNestingDepthMax} levels deep");
                }
                store.AddConflictCheck(CatalogKeys.ViewByName(view.Name), isSchema: true);
                var query = (SelectStmt)Parser.SqlParser.ParseAll(view.QueryText)[0].Statement;
                views.Add(view.Name, new BoundView(view, query));
                pending.Enqueue((query, next.Depth + 1));
            }
        }
        return (tables, views, sequences);
    }

    private async ValueTask<StatementResult> ExecuteCreateViewAsync(ViewStmt view, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        (BoundQuery query, _) = await BindQueryAsync(view.Query, null, store, statementContext, cancellationToken);
        return await ViewExecutor.CreateAsync(view, query.Columns.Select(column => column.Name).ToArray(), _catalog, store, statementContext, cancellationToken);
    }

    /// <summary>The rows of a planned query as they are produced. Each step runs with the statement's context current
    /// (date/time settings for casts), and waits for the pg_sleep calls of the row before handing it out.</summary>
    private static async IAsyncEnumerable<object?[]> StreamRowsAsync(PlannedQuery planned, ITransactionStore store, StatementContext context,
        object?[] parameterValues, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        StatementState state = planned.NewState(store, context);
        state.ParameterValues = parameterValues;
        IAsyncEnumerator<object?[]> rows = planned.Root.ExecuteAsync(new Executor.ExecutionContext(state)).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                if (!await rows.MoveNextAsync()) break;
                await context.SleepAsync();
                yield return rows.Current;
            }
        }
        finally
        {
            await rows.DisposeAsync();
        }
    }

    /// <summary>Plans and runs a bound query to completion.</summary>
    private static ValueTask<List<object?[]>> RunQueryAsync(BoundQuery query, BindContext context, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken) =>
        RunStatementAsync(query.Plan, context, store, statementContext, cancellationToken);

    /// <summary>Plans and runs a statement's plan to completion. With data-modifying WITH queries, every writing node of
    /// the statement defers its writes until the end (so all parts read the statement's starting snapshot), and the
    /// WITH queries that nothing read run after the main plan, each exactly once, as PostgreSQL runs them.</summary>
    private static async ValueTask<List<object?[]>> RunStatementAsync(LogicalPlan plan, BindContext context, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        PlannedQuery planned = QueryPlanner.Plan(plan, context);
        StatementState state = planned.NewState(store, statementContext);
        return await RunPlannedAsync(planned.Root, state, context, cancellationToken);
    }

    /// <summary>Runs a planned statement's root to completion in <paramref name="state"/> (see RunStatementAsync).</summary>
    private static async ValueTask<List<object?[]>> RunPlannedAsync(Executor.Operators.PhysicalOperator root, StatementState state, BindContext context,
        CancellationToken cancellationToken)
    {
        bool hasModifyingWith = context.CommonTables.Any(table => table.IsDataModifying);
        if (hasModifyingWith) state.Writes = new StatementWrites(state.Store, deferred: true, state.Statement);
        var rows = new List<object?[]>();
        var executionContext = new Executor.ExecutionContext(state);
        await foreach (object?[] row in root.ExecuteAsync(executionContext).WithCancellation(cancellationToken))
        {
            rows.Add(row);
        }
        if (hasModifyingWith)
        {
            foreach (CommonTable table in context.CommonTables)
            {
                if (!table.IsDataModifying || state.CommonTableRows[table.Id] is not null) continue;
                await foreach (object?[] _ in new Executor.Operators.CteScanOperator(table.Id, table.Name, []).ExecuteAsync(executionContext).WithCancellation(cancellationToken))
                {
                }
            }
            state.Writes.Flush();
        }
        return rows;
    }

    private static bool HasDataModifyingWith(SelectStmt select) => select.With?.Ctes.Any(cte => cte.Query is not SelectStmt) == true;

    /// <summary>Binds INSERT, UPDATE or DELETE as BindQueryAsync binds a query: tables first, then the binder.</summary>
    private async ValueTask<(BoundModification Bound, BindContext Context)> BindModificationAsync(Statement tree, ParameterContext? parameters,
        ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        var relations = await LookUpRelationsAsync(tree, store, statementContext, cancellationToken);
        var context = new BindContext(parameters, relations.Tables)
        {
            Views = relations.Views, Sequences = relations.Sequences, Relations = statementContext.Relations, Statement = statementContext,
        };
        BoundModification bound = new SqlBinder(context, new BindScope(parent: null)) { IsStatementLevel = true }.BindModification(tree);
        return (bound, context);
    }

    private async ValueTask<StatementResult> ExecuteModificationAsync(Statement tree, ParameterContext? parameters, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        (BoundModification bound, BindContext context) = await BindModificationAsync(tree, parameters, store, statementContext, cancellationToken);
        List<object?[]> rows = await RunStatementAsync(bound.Plan, context, store, statementContext, cancellationToken);
        string count = rows.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string tag = bound.Plan.Kind switch
        {
            ModifyKind.Insert => "INSERT 0 " + count,
            ModifyKind.Update => "UPDATE " + count,
            _ => "DELETE " + count,
        };
        return new StatementResult(bound.Returning, bound.Returning is null ? null : rows, tag);
    }
}
