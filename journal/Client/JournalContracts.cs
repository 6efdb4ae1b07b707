using Log.Journal.Records;

namespace Log.Journal.Client;

/// <summary>A record read back from the journal, with where it was found.</summary>
public readonly record struct JournalEntry(int Partition, long Offset, JournalRecord Record);

/// <summary>
/// Appends records to the partitions of one region's topic. Each partition has exactly one
/// writer. <see cref="AppendAsync"/> completes only once the record is durable (acknowledged by
/// all in-sync replicas), and records appended by one writer to one partition keep their order.
/// </summary>
public interface IJournalWriter : IAsyncDisposable
{
    /// <summary>Appends and returns the record's offset once it is durable.</summary>
    Task<long> AppendAsync(int partition, JournalRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Appends as <see cref="AppendAsync"/> does and calls <paramref name="onDone"/> once, with the offset (and a null
    /// error) once the record is durable, or with the failure (a <see cref="JournalAppendException"/> as
    /// <see cref="AppendAsync"/> would throw it). A writer may call it on its own delivery thread, or on the caller's
    /// before it returns: it must be short and must not block, and it saves the thread-pool hop between the
    /// acknowledgement and the awaiting caller, which for a one-writer loop (the adjudicator) is a wake-up per commit.
    /// The default calls it from a continuation of <see cref="AppendAsync"/>.
    /// </summary>
    void Append(int partition, JournalRecord record, Action<long, Exception?> onDone)
    {
        Task<long> append;
        try
        {
            append = AppendAsync(partition, record, CancellationToken.None);
        }
        catch (Exception exception)
        {
            append = Task.FromException<long>(exception);
        }
        append.ContinueWith(static (done, state) =>
            {
                var callback = (Action<long, Exception?>)state!;
                if (done.IsCompletedSuccessfully)
                {
                    callback(done.Result, null);
                }
                else
                {
                    callback(-1, done.Exception?.InnerException ?? new OperationCanceledException("The journal append was cancelled."));
                }
            }, onDone, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}

/// <summary>Reads one partition of a region's topic, in offset order, from a given offset.</summary>
public interface IJournalReader : IAsyncDisposable
{
    /// <summary>Yields every record at or after <paramref name="fromOffset"/>, waiting for new ones
    /// until cancelled. A corrupt record ends the sequence with <see cref="InvalidDataException"/>.</summary>
    IAsyncEnumerable<JournalEntry> ReadAsync(int partition, long fromOffset, CancellationToken cancellationToken);
}

/// <summary>
/// Where partitions end now. The answer is the offset after the last durable record at some moment after the call began,
/// so a reader that has applied every record below it holds every commit acknowledged before the call: the append is the
/// commit, and a commit is acknowledged only once its record is durable.
/// </summary>
public interface IJournalEndOffsets
{
    Task<long> GetEndOffsetAsync(int partition, CancellationToken cancellationToken);
}

/// <summary>Names of the journal's topics.</summary>
public static class JournalTopics
{
    public const string DefaultRegion = "local";

    public static string ForRegion(string region) => $"log.{region}.txn";
}
