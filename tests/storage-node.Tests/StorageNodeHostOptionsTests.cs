using Log.StorageNode.Hosting;

namespace Log.StorageNode.Tests;

/// <summary>The settings of <c>storage-node serve</c> are checked before anything starts.</summary>
public sealed class StorageNodeHostOptionsTests
{
    [Theory]
    [InlineData("127.0.0.1:9092", "/tmp/replica", "127.0.0.1", 0, null)]
    [InlineData("", "/tmp/replica", "127.0.0.1", 0, "--journal")]
    [InlineData("127.0.0.1:9092", "", "127.0.0.1", 0, "--data")]
    [InlineData("127.0.0.1:9092", "/tmp/replica", "10.0.0.1", 0, "loopback")]
    [InlineData("127.0.0.1:9092", "/tmp/replica", "127.0.0.1", 70000, "--port")]
    public void ServeSettingsAreChecked(string journal, string data, string listen, int port, string? problem)
    {
        var options = new StorageNodeHostOptions { Journal = journal, Data = data, Listen = listen, Port = port };
        if (problem is null)
        {
            Assert.Null(options.Validate(out _));
        }
        else
        {
            Assert.Contains(problem, options.Validate(out _));
        }
    }

    [Theory]
    [InlineData(null, null, "", null)]
    [InlineData(3, null, "", null)]
    [InlineData(null, 2, "127.0.0.1:7500", null)]
    [InlineData(0, 2, "", "exclude each other")]
    [InlineData(null, 0, "", "--partitions 0")]
    [InlineData(null, 257, "", "--partitions 257")]
    [InlineData(null, null, "replica-without-port", "--bootstrap-from")]
    public void PartitionsAndTheBootstrapSourceAreChecked(int? partition, int? partitions, string bootstrapFrom, string? problem)
    {
        var options = new StorageNodeHostOptions
        {
            Journal = "127.0.0.1:9092", Data = "/tmp/replica", Partition = partition, Partitions = partitions, BootstrapFrom = bootstrapFrom,
        };
        Assert.Equal(partition is not null, options.AppliesOnePartition);
        if (problem is null)
        {
            Assert.Null(options.Validate(out _));
        }
        else
        {
            Assert.Contains(problem, options.Validate(out _));
        }
    }

    [Theory]
    [InlineData(32, null)]
    [InlineData(1, null)]
    [InlineData(0, "--index-cache-mib 0")]
    public void TheIndexCacheIsAtLeastOneMiB(long mebibytes, string? problem)
    {
        var options = new StorageNodeHostOptions { Journal = "127.0.0.1:9092", Data = "/tmp/replica", IndexCacheMiB = mebibytes };
        var found = options.Validate(out _);
        Assert.True(problem is null ? found is null : found?.Contains(problem, StringComparison.Ordinal) == true, found);
        Assert.Equal(32L << 20, new StorageNodeHostOptions().IndexCacheMiB << 20);
    }

    [Theory]
    [InlineData("a", "w", null, "", null)]
    [InlineData("w", "w", null, "", "--region 'w' must be one of the peered regions")]
    [InlineData("a", "w", 2, "", "0A000")]
    [InlineData("a", "w", null, "127.0.0.1:7500", "0A000")]
    public void RegionSettingsAreChecked(string region, string witness, int? partitions, string bootstrapFrom, string? problem)
    {
        var options = new StorageNodeHostOptions
        {
            Data = "/tmp/replica", Region = region, Witness = witness, Partitions = partitions, BootstrapFrom = bootstrapFrom,
            Regions = "a=127.0.0.1:9001,b=127.0.0.1:9002,w=127.0.0.1:9003",
        };
        if (problem is null)
        {
            Assert.Null(options.Validate(out _));
            Assert.Equal(new Dictionary<string, string> { ["a"] = "127.0.0.1:9001", ["b"] = "127.0.0.1:9001" }, options.RegionTopology!.ReaderJournals);
        }
        else
        {
            Assert.Contains(problem, options.Validate(out _));
        }
    }
}
