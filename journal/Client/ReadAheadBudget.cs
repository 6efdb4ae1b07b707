namespace Log.Journal.Client;

/// <summary>
/// Bounds the bytes a reader's consume thread holds ahead of its consumer. One producer (the consume thread) takes
/// bytes before it hands a record over, blocking while the budget is spent; the consumer gives them back once it has
/// taken the record. A record larger than the whole budget passes alone (the budget is empty when it goes), so a
/// large record slows the read-ahead but never stops it.
/// </summary>
internal sealed class ReadAheadBudget(long bytesMax)
{
    /// <summary>How often a blocked producer looks at its cancellation token.</summary>
    private static readonly TimeSpan CancellationPollInterval = TimeSpan.FromMilliseconds(100);

    // An object, not a Lock: the producer waits on it with Monitor.Wait.
    private readonly object gate = new();
    private long bytesHeld;

    public long BytesHeld
    {
        get
        {
            lock (gate)
            {
                return bytesHeld;
            }
        }
    }

    /// <summary>Takes <paramref name="bytes"/>, waiting while they do not fit beside what is held.</summary>
    public void Take(long bytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (gate)
        {
            while (bytesHeld > 0 && bytesHeld + bytes > bytesMax)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Monitor.Wait(gate, CancellationPollInterval);
            }
            bytesHeld += bytes;
        }
    }

    /// <summary>Gives back bytes taken by <see cref="Take"/>.</summary>
    public void Return(long bytes)
    {
        lock (gate)
        {
            bytesHeld -= bytes;
            System.Diagnostics.Debug.Assert(bytesHeld >= 0, "more bytes returned than taken");
            Monitor.PulseAll(gate);
        }
    }
}
