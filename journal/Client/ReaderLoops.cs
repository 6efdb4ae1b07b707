namespace Log.Journal.Client;

/// <summary>Stopping the background read loops of a feed (one task per topic or copy, all observing one token): cancel,
/// then wait for every loop to end, their cancellation being the expected way out.</summary>
public static class ReaderLoops
{
    public static async Task StopAsync(CancellationTokenSource stopping, Task[] loops)
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
