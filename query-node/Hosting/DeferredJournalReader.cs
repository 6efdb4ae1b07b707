using System.Runtime.CompilerServices;
using Log.Journal.Client;

namespace Log.QueryNode.Hosting;

/// <summary>A journal reader known before the journal is reachable: reads wait until the real one is attached (the
/// journal node hosted in this process has started). It owns nothing: the attached reader is disposed by its owner.</summary>
internal sealed class DeferredJournalReader : IJournalReader
{
    private readonly TaskCompletionSource<IJournalReader> attached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Hands the reads (those waiting and those to come) to <paramref name="reader"/>.</summary>
    public void Attach(IJournalReader reader) => attached.SetResult(reader);

    public async IAsyncEnumerable<JournalEntry> ReadAsync(int partition, long fromOffset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = await attached.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var entry in reader.ReadAsync(partition, fromOffset, cancellationToken).ConfigureAwait(false))
        {
            yield return entry;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
