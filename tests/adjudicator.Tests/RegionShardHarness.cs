using Log.Journal.Client;
using Log.Journal.Time;

namespace Log.Adjudicator.Tests;

/// <summary>A region shard of the one region "a" over a test writer, and waiting for what it does.</summary>
internal static class RegionShardHarness
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Starts a shard of region "a" alone, reading its topic from <paramref name="journal"/> (where the writer
    /// stores what it is given); disposed again if the start fails.</summary>
    public static async Task<RegionAdjudicatorShard> StartAsync(RegionOptions options, IJournalWriter writer, MemoryJournal journal,
        HybridClock clock, TimeProvider? time = null)
    {
        var shard = new RegionAdjudicatorShard(options, writer, new Dictionary<string, IJournalReader> { ["a"] = journal }, clock, time);
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
