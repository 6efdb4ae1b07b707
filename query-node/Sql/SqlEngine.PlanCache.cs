using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Executor;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Planner;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql;

/// <summary>
/// Prepared queries run from their cached plan (<see cref="CachedPlan"/>), invalidated by a catalog version: a counter
/// that every DDL statement moves when it runs, and that its session moves again around the commit of a transaction
/// that ran DDL. A plan is reused only by a transaction that began at the version the plan was bound at while the
/// engine is still there, so the plan was bound against exactly the catalog that transaction sees. The version is
/// this query node's: a DDL run through another query node is not seen here until catalog changes travel to every
/// query node (a DML transaction still fails at commit with OC001 then, through the schema conflict check each run adds).
/// </summary>
public sealed partial class SqlEngine
{
    private long _catalogVersion;

    /// <summary>Moves on every DDL statement and around every commit of a transaction that ran one; a session reads it when
    /// its transaction begins, before it takes its snapshot.</summary>
    public long CatalogVersion => Interlocked.Read(ref _catalogVersion);

    /// <summary>The catalog changed or is about to (a DDL statement runs, or its transaction commits): cached plans are stale.</summary>
    public void CatalogChanged() => Interlocked.Increment(ref _catalogVersion);

    /// <summary>Whether a statement changes the catalog (a table's columns, storage id, indexes or constraints, a
    /// view's query, a sequence): a cached plan made before it may read the wrong thing.</summary>
    internal static bool ChangesCatalog(Statement tree) => tree is CreateStmt or DropStmt or AlterTableStmt or CreateSeqStmt
        or AlterSeqStmt or ViewStmt or TruncateStmt or IndexStmt or DropIndexStmt or CreateTableAsStmt or CreateSchemaStmt
        or DropSchemaStmt or CommentStmt or AlterSchemaStmt
        or CreateRoleStmt or AlterRoleStmt or DropRoleStmt or GrantRoleStmt or IamGrantStmt or GrantStmt or AlterDefaultPrivilegesStmt;

    /// <summary>The statements whose plans are cached: queries without data-modifying WITH, and INSERT, UPDATE and DELETE
    /// without WITH (the rest bind at every Bind).</summary>
    private static bool IsCacheable(ParsedStatement statement) => statement.Tree switch
    {
        SelectStmt select => !HasDataModifyingWith(select),
        InsertStmt insert => insert.With is null,
        UpdateStmt update => update.With is null,
        DeleteStmt delete => delete.With is null,
        _ => false,
    };

    /// <summary>
    /// Runs a prepared query with one Bind's values, as a row stream. The plan is bound and planned again when the
    /// catalog changed since it was made (its planning errors, a constant 1/0 say, are then this Bind's, as in
    /// PostgreSQL); otherwise the catalog is not read. <paramref name="transactionCatalogVersion"/> is
    /// <see cref="CatalogVersion"/> as it was when the transaction began.
    /// </summary>
    internal async ValueTask<StatementResult> ExecuteCachedAsync(ParsedStatement statement, CachedPlan plan, IReadOnlyList<object?> parameters,
        long? transactionCatalogVersion, ITransactionStore store, DateTimeSettings dateTimeSettings, ISessionEnvironment? session,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statement);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(store);
        if (!IsCacheable(statement))
        {
            throw new InvalidOperationException($"{statement.CommandTag} has no cached plan");
        }
        StatementContext statementContext = NewStatementContext(store, dateTimeSettings, session, cancellationToken);
        object?[] values = ParameterContext.ConvertValues(plan.ParameterTypes, parameters, statementContext.DateTimeSettings);
        if (statement.Tree is not SelectStmt select)
        {
            return await ExecuteCachedModificationAsync(statement, plan, values, transactionCatalogVersion, store, statementContext, cancellationToken);
        }
        long version = CatalogVersion;
        // A cached plan skips the catalog lookups that check privileges: only a superuser's statement may use it.
        if (plan.IsValidFor(version, transactionCatalogVersion) && (await IdentityAsync(store, statementContext, cancellationToken)).IsSuperuser)
        {
            foreach (byte[] key in plan.TableKeys) store.AddConflictCheck(key, isSchema: true);
        }
        else
        {
            var relations = await LookUpRelationsAsync(select, store, statementContext, cancellationToken);
            Dictionary<string, TableDescriptor> tables = relations.Tables;
            if (Catalog.System.CatalogUse.NeedsSnapshot(select)) await Catalog.System.CatalogSnapshot.ForStatementAsync(statementContext, store, cancellationToken);
            var bindContext = new BindContext(ParameterContext.ForCachedPlan(plan.ParameterTypes), tables)
            {
                Sequences = relations.Sequences, Relations = statementContext.Relations, Statement = statementContext,
            };
            BoundQuery query = new SqlBinder(bindContext, new BindScope(parent: null)) { IsStatementLevel = true }.BindQuery(select);
            PlannedQuery planned = QueryPlanner.Plan(query.Plan, bindContext);
            // Kept for later Binds only if this transaction sees the committed catalog of the current version.
            bool reusable = version == transactionCatalogVersion && CatalogVersion == version;
            plan.Keep(planned, query.Columns, tables.Values, reusable ? version : null);
        }
        return new StatementResult(plan.Columns!, StreamRowsAsync(plan.Planned!, store, statementContext, values, cancellationToken));
    }

    /// <summary>
    /// <see cref="ExecuteCachedAsync"/> for INSERT, UPDATE and DELETE: the same steps as an uncached run
    /// (<see cref="ExecuteStatementAsync"/>: authorization, the relations looked up and checked, bind, plan, run to the
    /// end) with the values read at run time, and from the second run at one catalog version only the run. A plan that
    /// writes through a view is not kept (the view's own schema conflict check is made only by binding).
    /// </summary>
    private async ValueTask<StatementResult> ExecuteCachedModificationAsync(ParsedStatement statement, CachedPlan plan, object?[] values,
        long? transactionCatalogVersion, ITransactionStore store, StatementContext statementContext, CancellationToken cancellationToken)
    {
        long version = CatalogVersion;
        if (plan.IsValidFor(version, transactionCatalogVersion) && (await IdentityAsync(store, statementContext, cancellationToken)).IsSuperuser)
        {
            foreach (byte[] key in plan.TableKeys) store.AddConflictCheck(key, isSchema: true);
        }
        else
        {
            await AuthorizeStatementAsync(statement.Tree, store, statementContext, cancellationToken);
            var relations = await LookUpRelationsAsync(statement.Tree, store, statementContext, cancellationToken);
            var bindContext = new BindContext(ParameterContext.ForCachedPlan(plan.ParameterTypes), relations.Tables)
            {
                Views = relations.Views, Sequences = relations.Sequences, Relations = statementContext.Relations, Statement = statementContext,
            };
            BoundModification bound = new SqlBinder(bindContext, new BindScope(parent: null)) { IsStatementLevel = true }.BindModification(statement.Tree);
            PlannedQuery planned = QueryPlanner.Plan(bound.Plan, bindContext);
            bool reusable = version == transactionCatalogVersion && CatalogVersion == version && relations.Views.Count == 0;
            plan.Keep(planned, bound.Returning, relations.Tables.Values, reusable ? version : null);
        }
        StatementState state = plan.Planned!.NewState(store, statementContext);
        state.ParameterValues = values;
        var rows = new List<object?[]>();
        await foreach (object?[] row in plan.Planned.Root.ExecuteAsync(new Executor.ExecutionContext(state)).WithCancellation(cancellationToken))
        {
            rows.Add(row);
        }
        await statementContext.SleepAsync();
        string count = rows.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string tag = statement.Tree switch
        {
            InsertStmt => "INSERT 0 " + count,
            UpdateStmt => "UPDATE " + count,
            _ => "DELETE " + count,
        };
        return new StatementResult(plan.Columns, plan.Columns is null ? null : rows, tag);
    }
}
