using Log.QueryNode.Hosting;

namespace Log.QueryNode.Tests.Hosting;

/// <summary>--storage names storage replicas run alone; it needs the journal they apply.</summary>
public sealed class RemoteStorageOptionsTests
{
    [Theory]
    [InlineData("127.0.0.1:7500", "127.0.0.1:9092", null)]
    [InlineData("127.0.0.1:7500, 127.0.0.1:7501", "127.0.0.1:9092", null)]
    [InlineData("127.0.0.1", "127.0.0.1:9092", "--storage")]
    [InlineData("127.0.0.1:7500,", "127.0.0.1:9092", null)]
    [InlineData("127.0.0.1:7500", "", "--storage needs --journal")]
    public void StorageIsAListOfReplicasBesideAnExternalJournal(string storage, string journal, string? problem)
    {
        var options = new LogOptions { Storage = storage, Journal = journal };
        Assert.True(options.UsesRemoteStorage);
        if (problem is null)
        {
            Assert.Null(options.Validate(out _));
            Assert.All(options.StorageEndpoints, endpoint => Assert.StartsWith("127.0.0.1:75", endpoint));
        }
        else
        {
            Assert.Contains(problem, options.Validate(out _));
        }
    }

    [Fact]
    public void WithoutStorageTheNodeKeepsItsOwnReplica()
    {
        var options = new LogOptions();
        Assert.False(options.UsesRemoteStorage);
        Assert.Empty(options.StorageEndpoints);
        Assert.Null(options.Validate(out _));
    }
}
