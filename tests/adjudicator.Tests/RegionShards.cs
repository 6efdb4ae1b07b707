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
