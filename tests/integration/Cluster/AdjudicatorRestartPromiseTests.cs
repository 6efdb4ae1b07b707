using System.Text.RegularExpressions;
using Log.Adjudicator;
using Log.Adjudicator.Rpc;
using Log.Integration.Tests.Faults;
using Log.Integration.Tests.Support;
using Log.Journal.Records;
using Log.Journal.Time;
using Xunit.Abstractions;

namespace Log.Integration.Tests.Cluster;

/// <summary>
/// A close promises that nothing commits at or below its timestamp, and that promise is not written to the journal. A
/// restarted adjudicator process must still keep it: a promise made up to one maximum clock offset ahead of the old
/// life's clock, then kill -9 and a restart at once, then a commit that started below the promised timestamp (its
/// client's clock never saw the promise) must commit above it.
/// </summary>
[Collection(FaultSuite.Name)]
public sealed class AdjudicatorRestartPromiseTests(ITestOutputHelper output)
{
    private const int MaxClockOffsetMs = 6_000;

    private static Task<RoleProcess> StartAdjudicatorAsync(string journal, int port) =>
        RoleProcess.StartAsync("Log.Adjudicator.dll", new Regex(@"Adjudicator is ready: rpc=\S+:(?<port>\d+)"),
            "--journal", journal, "--shard", "0", "--port", port.ToString(), "--max-clock-offset-ms", MaxClockOffsetMs.ToString(),
            // No heartbeat after the close: one would write the promised timestamp to the journal, where a restart finds it.
            "--heartbeat-interval-ms", "600000");

    [Fact]
    public async Task A_restarted_adjudicator_commits_above_every_timestamp_its_earlier_life_closed()
    {
        var directory = Directory.CreateTempSubdirectory("log-promise-").FullName;
        var roles = new List<RoleProcess>();
        try
        {
            var journal = await RoleProcess.StartJournalAsync(Path.Combine(directory, "journal"));
            roles.Add(journal);
            var journalAddress = $"127.0.0.1:{journal.Port}";
            var first = await StartAdjudicatorAsync(journalAddress, 0);
            roles.Add(first);
            var options = new AdjudicatorRpcOptions
            {
                CallTimeout = TimeSpan.FromSeconds(60),
                MaxClockOffset = TimeSpan.FromMilliseconds(MaxClockOffsetMs),
            };

            // A promise most of one maximum offset ahead of every clock here.
            HybridTimestamp promised;
            await using (var closer = new RemoteAdjudicator("127.0.0.1", first.Port, options, clock: new HybridClock()))
            {
                var ahead = HybridTimestamp.From(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + MaxClockOffsetMs * 7 / 8, 0);
                promised = (await closer.CloseTimestampAsync(ahead, CancellationToken.None)).Timestamp;
                Assert.True(promised >= ahead, $"closed {promised}, asked {ahead}");
            }

            await first.KillAsync();
            // A client whose clock never saw the promise starts below it (and above everything the journal holds).
            var behind = new HybridClock();
            var start = behind.Now();
            Assert.True(start < promised, "the promise was not ahead of the clock; the test shows nothing");
            var second = await StartAdjudicatorAsync(journalAddress, first.Port);
            roles.Add(second);
            await using var committer = new RemoteAdjudicator("127.0.0.1", second.Port, options, clock: behind);
            var result = await committer.CommitAsync(
                new CommitRequest(Guid.NewGuid(), start, [new JournalWrite([1, 2, 3], [4])], []), CancellationToken.None);

            output.WriteLine($"promised {promised}, started {start}, committed {result.CommitTimestamp} ({result.Outcome})");
            Assert.Equal(CommitOutcome.Committed, result.Outcome);
            Assert.True(result.CommitTimestamp > promised, $"committed at {result.CommitTimestamp}, at or below the promise {promised}");
        }
        finally
        {
            foreach (var role in Enumerable.Reverse(roles))
            {
                await role.DisposeAsync();
            }
            Directory.Delete(directory, recursive: true);
        }
    }
}
