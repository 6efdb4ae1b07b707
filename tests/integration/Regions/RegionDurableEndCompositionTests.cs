using Log.Adjudicator;
using static Log.Integration.Tests.Regions.RegionCompositionTests;

namespace Log.Integration.Tests.Regions;

/// <summary>
/// Two peered regions and a witness in one process, with every replica's reads of the other regions' copies blocked:
/// each replica still shows both regions' commits, learning that they are in two regions' journals from the durable
/// end their writers say in the copies it reads (adjudicator/README.md, "The protocol").
/// </summary>
public sealed class RegionDurableEndCompositionTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Replicas_that_cannot_read_the_other_regions_copies_show_both_regions_commits()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var cluster = await TwoRegionsAndWitness.StartAsync(timeout.Token, otherCopiesReachable: false);
        var (a, b) = (cluster.Regions["a"], cluster.Regions["b"]);
        for (var row = 0; row < 3; row++)
        {
            foreach (var (writer, name) in new[] { (a, "a"), (b, "b") })
            {
                var result = await writer.Adjudicator.CommitAsync(new CommitRequest(Guid.NewGuid(), writer.Clock.Now(), [Write($"{name} row {row}", name)], []),
                    timeout.Token);
                Assert.Equal(CommitOutcome.Committed, result.Outcome);
            }
        }

        // After the last acknowledgement every clock is past both regions' commits: a read at either clock sees all of them.
        foreach (var reader in new[] { a, b })
        {
            var at = reader.Clock.Now();
            for (var row = 0; row < 3; row++)
            {
                Assert.Equal("a", await ReadAsync(reader, $"a row {row}", at, timeout.Token));
                Assert.Equal("b", await ReadAsync(reader, $"b row {row}", at, timeout.Token));
            }
        }
    }
}
