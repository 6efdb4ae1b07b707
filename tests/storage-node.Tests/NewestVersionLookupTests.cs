using static Log.StorageNode.Tests.StorageNodeHarness;

namespace Log.StorageNode.Tests;

/// <summary>The commit timestamp of a key's newest applied version, whatever the read point: what a query node checks
/// before it writes a key, to fail a statement that would conflict at COMMIT.</summary>
public sealed class NewestVersionLookupTests
{
    [Fact]
    public async Task The_newest_version_of_a_key_is_its_last_applied_commit_and_a_tombstone_counts()
    {
        await using var harness = await StorageNodeHarness.StartAsync();
        await harness.AppendAllAndWaitAsync(
            Commit(10, ("a", "one"), ("b", "bee")),
            Commit(20, ("a", "two")),
            Commit(30, ("b", null)),
            Heartbeat(100));

        INewestVersionLookup lookup = harness.Node;
        Assert.Equal(Ts(20), lookup.NewestCommitTimestamp(Bytes("a")));
        Assert.Equal(Ts(30), lookup.NewestCommitTimestamp(Bytes("b")));
        Assert.Equal(Ts(0), lookup.NewestCommitTimestamp(Bytes("missing")));
    }
}
