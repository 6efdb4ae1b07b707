using Log.Journal.Time;
using Log.StorageNode.Tools;

namespace Log.StorageNode.Tests;

public sealed class ToolArgumentsTests
{
    [Fact]
    public void ReplayTakesTheJournalTopicRangeAndFolder()
    {
        var parsed = ToolArguments.Parse(["replay", "--journal", "127.0.0.1:9092", "--topic", "log.eu-1.txn", "--from", "beginning",
            "--until", "1796437123086.7", "--data", "/tmp/replayed"]);
        Assert.Equal("eu-1", parsed.Region);
        Assert.Equal("log.eu-1.txn", parsed.Topic);
        Assert.Equal(-1, parsed.From);
        Assert.Equal(HybridTimestamp.From(1796437123086, 7), parsed.Until);
        Assert.Equal("/tmp/replayed", parsed.DataDirectory);
        Assert.False(parsed.CutJournal);
        Assert.True(ToolArguments.Parse(["replay", "--journal", "h:1", "--until", "5", "--cut-journal", "--data", "/tmp/x"]).CutJournal);
    }

    [Fact]
    public void ATimestampIsItsSixtyFourBitsOrMillisecondsDotLogical()
    {
        var timestamp = HybridTimestamp.From(1796437123086, 3);
        Assert.Equal(timestamp, ToolArguments.ParseTimestamp(timestamp.Value.ToString(), "--at"));
        Assert.Equal(timestamp, ToolArguments.ParseTimestamp(timestamp.ToString(), "--at"));
        Assert.Throws<ArgumentException>(() => ToolArguments.ParseTimestamp("yesterday", "--at"));
        Assert.Throws<ArgumentException>(() => ToolArguments.ParseTimestamp("12.99999", "--at"));
    }

    [Theory]
    [InlineData("replay", "--data", "/tmp/x")]                                       // no --journal
    [InlineData("digest", "--at", "5")]                                              // no --data
    [InlineData("digest", "--data", "/tmp/x", "--until", "5")]                       // replay's option
    [InlineData("replay", "--journal", "h:1", "--data", "/tmp/x", "--topic", "other")] // not a journal topic
    [InlineData("replay", "--journal", "h:1", "--data", "/tmp/x", "--from", "end")]
    [InlineData("restore", "--data", "/tmp/x")]
    [InlineData("digest", "--data", "/tmp/x", "--cut-journal")]                      // replay's switch
    [InlineData("replay", "--journal", "h:1", "--data", "/tmp/x", "--partition", "1", "--cut-journal")] // one shard only
    public void BadUsageIsRefusedWithTheReason(params string[] arguments) =>
        Assert.NotEmpty(Assert.Throws<ArgumentException>(() => ToolArguments.Parse(arguments)).Message);
}
