using System.Globalization;

namespace Log.Wire;

/// <summary>
/// The connection lifetime (Aurora DSQL closes a connection after 60 minutes). A connection whose lifetime is over is
/// closed at the next statement boundary outside a transaction: at once when it is idle, else once its transaction
/// ends. DSQL does the same: a transaction begun in the last minute still runs, within the transaction time limit.
/// </summary>
internal sealed partial class PgConnection
{
    /// <summary>When the connection was accepted, by <see cref="PgServerOptions.TimeProvider"/>.</summary>
    private readonly long startedAt;

    /// <summary>Cancelled when the lifetime is over; null when there is no lifetime.</summary>
    private CancellationTokenSource? lifetimeTimer;

    /// <summary>Cancelled when the lifetime is over or the server stops: what an idle connection waits on.</summary>
    private CancellationTokenSource? lifetimeOrStopping;

    private bool LifetimeOver => lifetimeTimer?.IsCancellationRequested == true;

    private void StartLifetime(CancellationToken serverStopping)
    {
        if (options.ConnectionLifetime <= TimeSpan.Zero)
        {
            return;
        }
        TimeSpan remaining = options.ConnectionLifetime - options.TimeProvider.GetElapsedTime(startedAt);
        lifetimeTimer = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, options.TimeProvider);
        lifetimeOrStopping = CancellationTokenSource.CreateLinkedTokenSource(serverStopping, lifetimeTimer.Token);
    }

    /// <summary>
    /// What the message loop waits on before its next read: the lifetime too when the connection is at a statement
    /// boundary outside a transaction, else only server shutdown. Null: the lifetime is over, close now.
    /// </summary>
    private CancellationToken? NextReadCancellation(CancellationToken serverStopping)
    {
        if (lifetimeOrStopping is null || skipUntilSync || session!.TransactionStatus != PgTransactionStatus.Idle)
        {
            return serverStopping;
        }
        return LifetimeOver ? null : lifetimeOrStopping.Token;
    }

    private PgError LifetimeOverError()
    {
        PgServerMetrics.CountRefusal("lifetime");
        return PgError.Fatal(PgSqlState.IdleSessionTimeout, $"terminating connection because it reached the connection lifetime of {Describe(options.ConnectionLifetime)}") with
        {
            Detail = "Connections are closed after this time, between transactions.",
            Hint = "Reconnect. A connection pool should retire connections sooner (Npgsql: Connection Lifetime).",
        };
    }

    private static string Describe(TimeSpan lifetime) =>
        lifetime.TotalMinutes >= 1 && lifetime.TotalMinutes == Math.Floor(lifetime.TotalMinutes)
            ? string.Create(CultureInfo.InvariantCulture, $"{lifetime.TotalMinutes:0} minute{(lifetime.TotalMinutes == 1 ? "" : "s")}")
            : string.Create(CultureInfo.InvariantCulture, $"{lifetime.TotalSeconds:0.###} second{(lifetime.TotalSeconds == 1 ? "" : "s")}");

    private void DisposeLifetime()
    {
        lifetimeOrStopping?.Dispose();
        lifetimeTimer?.Dispose();
    }
}
