using Microsoft.Extensions.Logging;

namespace Log.Journal.Hosting;

/// <summary>
/// What a process has started, stopped in reverse order (a role before the roles it uses). A role that fails to stop
/// is logged and the others are still stopped, so one failure never leaves the rest running.
/// </summary>
public sealed class StartedRoles(ILogger logger) : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> started = [];

    /// <summary>Remembers <paramref name="role"/> for stopping and returns it.</summary>
    public T Add<T>(T role) where T : IAsyncDisposable
    {
        started.Add(role);
        return role;
    }

    public async ValueTask DisposeAsync()
    {
        for (var index = started.Count - 1; index >= 0; index--)
        {
            try
            {
                await started[index].DisposeAsync();
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Error while stopping {Role}", started[index].GetType().Name);
            }
        }
        started.Clear();
    }
}
