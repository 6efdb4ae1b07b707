using Log.Journal.Records;
using Log.Journal.Client;
using Log.Journal.Time;

namespace Log.Adjudicator.Tests;

/// <summary>Starting a region shard of one region, and waiting for what it does on its own threads.</summary>
internal static class RegionShards
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>A started shard of the one region "a" with <paramref name="options"/>, writing through
    /// <paramref name="writer"/> and reading its topic from <paramref name="topic"/>; disposed when its start fails.</summary>
    public static Task<RegionAdjudicatorShard> StartAsync(RegionOptions options, IJournalWriter writer, IJournalReader topic, TimeProvider time) =>
        StartAsync(options, writer, topic, new HybridClock(time), time);

    /// <summary>As above, with the shard's clock given (a test that moves it).</summary>
    public static async Task<RegionAdjudicatorShard> StartAsync(RegionOptions options, IJournalWriter writer, IJournalReader topic,
        HybridClock clock, TimeProvider? time = null)
    {
        var shard = new RegionAdjudicatorShard(options, writer, new Dictionary<string, IJournalReader> { ["a"] = topic }, clock, time);
        try
        {
            await shard.StartAsync(CancellationToken.None);
        }
        catch
        {
            await shard.DisposeAsync();
            throw;
        }
        return shard;
    }

    public static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within the patience");
            await Task.Delay(5);
        }
    }
}

/// <summary>Stores every record at once in one journal (so a shard's merge reads it) and answers at once every record
/// but those <paramref name="holds"/> picks, which are answered when the test releases them (all at once with
/// <see cref="AnswerAtOnce"/>).</summary>
internal sealed class HoldingWriter(MemoryJournal journal, Func<JournalRecord, bool> holds) : IJournalWriter
{
    private readonly Lock gate = new();
    private readonly List<(long Offset, Action<long, Exception?> OnDone)> held = [];
    private readonly List<JournalRecord> picked = [];
    private int mostHeld;

    public MemoryJournal Journal => journal;

    public bool AnswerAtOnce { get; init; }

    public int Held
    {
        get
        {
            lock (gate)
            {
                return held.Count;
            }
        }
    }

    public int MostHeld => Volatile.Read(ref mostHeld);

    /// <summary>The records <c>holds</c> picked so far, held or answered at once.</summary>
    public IReadOnlyList<JournalRecord> Picked
    {
        get
        {
            lock (gate)
            {
                return [.. picked];
            }
        }
    }

    public Task<long> AppendAsync(int partition, JournalRecord record, CancellationToken cancellationToken) =>
        journal.AppendAsync(partition, record, cancellationToken);

    public void Append(int partition, JournalRecord record, Action<long, Exception?> onDone)
    {
        var offset = journal.AppendAsync(partition, record, CancellationToken.None).GetAwaiter().GetResult();
        if (!holds(record))
        {
            onDone(offset, null);
            return;
        }
        lock (gate)
        {
            picked.Add(record);
            if (!AnswerAtOnce)
            {
                held.Add((offset, onDone));
                mostHeld = Math.Max(mostHeld, held.Count);
            }
        }
        if (AnswerAtOnce)
        {
            onDone(offset, null);
        }
    }

    public void ReleaseOldest()
    {
        (long Offset, Action<long, Exception?> OnDone) oldest;
        lock (gate)
        {
            oldest = held[0];
            held.RemoveAt(0);
        }
        oldest.OnDone(oldest.Offset, null);
    }

    public void ReleaseAll()
    {
        List<(long Offset, Action<long, Exception?> OnDone)> released;
        lock (gate)
        {
            released = [.. held];
            held.Clear();
        }
        foreach (var (offset, onDone) in released)
        {
            onDone(offset, null);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
