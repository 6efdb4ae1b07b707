using Log.Journal.Node;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Log.Journal.Tests;

/// <summary>A journal node on an ephemeral port over a temporary folder, removed afterwards.</summary>
internal sealed class TestNode : IAsyncDisposable
{
    private readonly bool ownsDirectory;

    public JournalNode Node { get; private set; } = null!;
    public string DataDirectory { get; }
    public ITestOutputHelper? Output { get; }

    private TestNode(string dataDirectory, bool ownsDirectory, ITestOutputHelper? output)
    {
        DataDirectory = dataDirectory;
        this.ownsDirectory = ownsDirectory;
        Output = output;
    }

    /// <summary>Client options for a test's topic of <paramref name="region"/> on a node at <paramref name="bootstrapServers"/>:
    /// a short message timeout and retry backoff, so that a test that fails does so quickly.</summary>
    public static Client.JournalClientOptions ClientOptions(string region, string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        Region = region,
        MessageTimeoutMs = 5_000,
        RetryBackoffMs = 50,
    };

    public static string NewDataDirectory() =>
        Path.Combine(Path.GetTempPath(), "log-journal-tests", Guid.NewGuid().ToString("N"));

    public static async Task<TestNode> StartAsync(ITestOutputHelper? output = null, string? dataDirectory = null, Action<JournalNodeOptions>? configure = null)
    {
        var owns = dataDirectory is null;
        var node = new TestNode(dataDirectory ?? NewDataDirectory(), owns, output);
        await node.StartNodeAsync(configure);
        return node;
    }

    private async Task StartNodeAsync(Action<JournalNodeOptions>? configure)
    {
        var options = new JournalNodeOptions { DataDirectory = DataDirectory };
        configure?.Invoke(options);
        Node = new JournalNode(options, Output is null ? null : new TestOutputLogger(Output));
        await Node.StartAsync(CancellationToken.None);
    }

    /// <summary>Stops the node and starts a new one on the same data folder (a new port).</summary>
    public async Task RestartAsync(Action<JournalNodeOptions>? configure = null)
    {
        await Node.DisposeAsync();
        await StartNodeAsync(configure);
    }

    public string BootstrapServers => Node.BootstrapServers;

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        if (ownsDirectory && Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}

internal sealed class TestOutputLogger(ITestOutputHelper output) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }
        try
        {
            output.WriteLine($"[{logLevel}] {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; its output is closed.
        }
    }
}
