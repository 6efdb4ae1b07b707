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
