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
}
