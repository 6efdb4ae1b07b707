using Log.Journal.Client;
using Log.Journal.Records;
using Log.Journal.Time;

namespace Log.Adjudicator.Tests;

/// <summary>A wall clock the test moves by hand.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}

/// <summary>A journal writer whose appends complete only when the test opens the gate, to see
/// what the shard does while appends are in flight. Records reach the journal at once (so their
/// order is the call order), only the acknowledgements are held back.</summary>
internal sealed class GatedJournalWriter(MemoryJournal journal) : IJournalWriter
{
    private readonly object gate = new();
    private readonly List<(long Offset, TaskCompletionSource<long> Acknowledgement)> held = [];
    private bool open = true;
    private Exception? failNext;
    private (Func<JournalRecord, bool> Matches, Exception Failure, int Remaining)? failWhere;

    public int CallCount { get; private set; }

    public int HeldCount
    {
        get
        {
            lock (gate)
            {
                return held.Count;
            }
        }
    }

    public void Close()
    {
        lock (gate)
        {
            open = false;
        }
    }

    public void FailNextAppend(Exception exception)
    {
        lock (gate)
        {
            failNext = exception;
        }
    }

    /// <summary>Fails the next <paramref name="count"/> appends of records that match, before they
    /// reach the journal; other appends go through.</summary>
    public void FailAppendsWhere(Func<JournalRecord, bool> matches, Exception exception, int count = 1)
    {
        lock (gate)
        {
            failWhere = (matches, exception, count);
        }
    }

    /// <summary>Acknowledges every held append, in reverse order, to prove that the shard does
    /// not rely on acknowledgements arriving in order.</summary>
    public void Open()
    {
        List<(long Offset, TaskCompletionSource<long> Acknowledgement)> release;
        lock (gate)
        {
            open = true;
            release = [.. held];
            held.Clear();
        }
        release.Reverse();
        foreach (var (offset, acknowledgement) in release)
        {
            acknowledgement.SetResult(offset);
        }
    }

    public async Task<long> AppendAsync(int partition, JournalRecord record, CancellationToken cancellationToken)
    {
        Exception? failure;
        lock (gate)
        {
            CallCount++;
            failure = failNext;
            failNext = null;
            if (failure is null && failWhere is { } rule && rule.Remaining > 0 && rule.Matches(record))
            {
                failure = rule.Failure;
                failWhere = rule with { Remaining = rule.Remaining - 1 };
            }
        }
        if (failure is not null)
        {
            throw failure;
        }
        var offset = await journal.AppendAsync(partition, record, cancellationToken);
        TaskCompletionSource<long> acknowledgement;
        lock (gate)
        {
            if (open)
            {
                return offset;
            }
            acknowledgement = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            held.Add((offset, acknowledgement));
        }
        return await acknowledgement.Task;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

internal static class Keys
{
    public static byte[] Of(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    public static JournalWrite Write(string key, string? value = "v") =>
        new(Of(key), value is null ? null : Of(value));

    public static CommitRequest Request(HybridTimestamp start, params string[] writtenKeys) =>
        new(Guid.NewGuid(), start, [.. writtenKeys.Select(key => Write(key))], []);

    public static async Task<List<JournalEntry>> ReadAllAsync(MemoryJournal journal, int partition)
    {
        var end = journal.EndOffset(partition);
        var entries = new List<JournalEntry>();
        if (end == 0)
        {
            return entries;
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var entry in journal.ReadAsync(partition, 0, timeout.Token))
        {
            entries.Add(entry);
            if (entry.Offset == end - 1)
            {
                break;
            }
        }
        return entries;
    }
}
