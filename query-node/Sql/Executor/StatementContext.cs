using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Executor;

/// <summary>
/// What one running statement carries beside its rows: its cancellation, and the time pg_sleep asked for.
/// Expression evaluation is synchronous (it never does I/O), so pg_sleep only records its wait here and
/// <see cref="SqlEngine"/> awaits it, cancellably, before the statement completes: no thread is blocked while a
/// session sleeps, and a CancelRequest or statement_timeout wakes it at once. It also carries the session's TimeZone and
/// DateStyle order, which date/time input and casts to text read (the engine itself keeps no session state).
/// </summary>
internal sealed class StatementContext(CancellationToken cancellationToken, DateTimeSettings? dateTimeSettings = null,
    long queryMemoryBytesMax = SqlLimits.QueryMemoryBytesDefault)
{
    private static readonly AsyncLocal<StatementContext?> CurrentContext = new();

    /// <summary>The context of the statement running on this flow, or null outside the engine.</summary>
    public static StatementContext? Current
    {
        get => CurrentContext.Value;
        set => CurrentContext.Value = value;
    }

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>The session's TimeZone and DateStyle order when the statement started.</summary>
    public DateTimeSettings DateTimeSettings { get; } = dateTimeSettings ?? DateTimeSettings.Default;

    /// <summary>The memory the statement's sorts and hash tables hold, against the engine's per-query limit.</summary>
    public QueryMemory Memory { get; } = new(queryMemoryBytesMax);

    /// <summary>The total time pg_sleep calls of this statement asked for.</summary>
    public TimeSpan PendingSleep { get; private set; }

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
