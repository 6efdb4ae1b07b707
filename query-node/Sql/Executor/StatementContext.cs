using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// What one running statement carries beside its rows: its cancellation, and the time pg_sleep asked for.
/// Expression evaluation is synchronous (it never does I/O), so pg_sleep only records its wait here and
/// <see cref="SqlEngine"/> awaits it, cancellably, before the statement completes: no thread is blocked while a
/// session sleeps, and a CancelRequest or statement_timeout wakes it at once. It also carries the session's TimeZone and
/// DateStyle order, which date/time input and casts to text read (the engine itself keeps no session state). It is
/// handed explicitly to everything that evaluates an expression (the operators through their execution context, the
/// binder and planner through their bind context, the write path through its <see cref="StatementWrites"/>): nothing
/// reads it from ambient state.
/// </summary>
internal sealed class StatementContext(CancellationToken cancellationToken, DateTimeSettings? dateTimeSettings = null,
    ISessionEnvironment? session = null, TimeProvider? timeProvider = null, long queryMemoryBytesMax = SqlLimits.QueryMemoryBytesDefault)
    : IObjectNames
{
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>The session's TimeZone and DateStyle order when the statement started, with this statement's names
    /// of relations and roles (for the reg* types' text input and casts).</summary>
    public DateTimeSettings DateTimeSettings => field ??= (dateTimeSettings ?? DateTimeSettings.Default) with { Names = this };

    /// <summary>The user the reg* types name as the session's (the bootstrap superuser's role).</summary>
    public string UserName => Session?.UserName ?? "postgres";

    /// <summary>The session the statement runs in, or null when it runs without one (tests, DEFAULT values).</summary>
    public ISessionEnvironment? Session { get; } = session;

    /// <summary>The clock: clock_timestamp() reads it at every call, statement_timestamp() once when the statement starts.</summary>
    public TimeProvider TimeProvider { get; } = timeProvider ?? TimeProvider.System;

    /// <summary>statement_timestamp(): when the statement started, to the microsecond (PostgreSQL's resolution).</summary>
    public DateTime StatementStartUtc { get; } = TruncateToMicroseconds((timeProvider ?? TimeProvider.System).GetUtcNow().UtcDateTime);

    /// <summary>now(), current_timestamp, transaction_timestamp(): when the transaction started; the statement's start
    /// when no session says otherwise (a statement outside a session is its own transaction).</summary>
    public DateTime TransactionStartUtc => Session?.TransactionStartUtc ?? StatementStartUtc;

    /// <summary>clock_timestamp(): the wall clock now, to the microsecond.</summary>
    public DateTime ClockUtc() => TruncateToMicroseconds(TimeProvider.GetUtcNow().UtcDateTime);

    public static DateTime TruncateToMicroseconds(DateTime utc) => new(utc.Ticks - utc.Ticks % 10, DateTimeKind.Utc);
    /// <summary>The memory the statement's sorts and hash tables hold, against the engine's per-query limit.</summary>
    public QueryMemory Memory { get; } = new(queryMemoryBytesMax);

    /// <summary>The total time pg_sleep calls of this statement asked for.</summary>
    public TimeSpan PendingSleep { get; private set; }

    /// <summary>What nextval, currval, setval and lastval work with: the node's sequence generator, the statement's
    /// transaction (for the catalog) and the session's last values; null where no sequence may be read (Describe).</summary>
    public SequenceAccess? Sequences { get; init; }

    /// <summary>The schema objects the statement's pg_catalog relations, reg* casts and catalog functions read: loaded
    /// from the statement's transaction by the first of them that needs it (see Catalog/System).</summary>
    public Catalog.System.CatalogSnapshot? CatalogSnapshot { get; set; }

    /// <summary>Who the statement runs as, once read (see <see cref="Catalog.Authorization"/>).</summary>
    public Catalog.RoleIdentity? Identity { get; set; }

    /// <summary>The statement's transaction, for functions that read storage itself (sys.state_digest); null where there is none.</summary>
    public Execution.ITransactionStore? Store { get; init; }

    /// <summary>The statement's relation names resolved along search_path; null where nothing may be resolved.</summary>
    public Catalog.RelationResolver? Relations { get; init; }

    public void AddSleep(TimeSpan duration)
    {
        // TimeSpan.MaxValue would overflow; Task.Delay takes at most about 24 days anyway.
        var limit = TimeSpan.FromMilliseconds(uint.MaxValue - 2);
        PendingSleep = duration >= limit - PendingSleep ? limit : PendingSleep + duration;
    }

    /// <summary>Waits for the sleeps the statement asked for; throws <see cref="OperationCanceledException"/> when cancelled.</summary>
    public async ValueTask SleepAsync()
    {
        CancellationToken.ThrowIfCancellationRequested();
        if (PendingSleep > TimeSpan.Zero)
        {
            var duration = PendingSleep;
            PendingSleep = TimeSpan.Zero;
            await Task.Delay(duration, CancellationToken);
        }
    }
}
