using Log.Journal.Records;

namespace Log.Journal.Client;

/// <summary><see cref="IJournalWriter.AppendAsync"/> for a writer whose own way of appending is the callback of
/// <see cref="IJournalWriter.Append"/>.</summary>
internal static class CallbackAppend
{
    public static Task<long> AppendAsync(IJournalWriter writer, int partition, JournalRecord record, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        writer.Append(partition, record, (offset, error) =>
        {
            if (error is null)
            {
                done.TrySetResult(offset);
            }
            else
            {
                done.TrySetException(error);
            }
        });
        // Cancelling stops the wait, not the append: the record may still be written.
        return cancellationToken.CanBeCanceled ? done.Task.WaitAsync(cancellationToken) : done.Task;
    }
}
