using System.Collections.Concurrent;
using System.Diagnostics;
using Log.Wire.Types;
using Microsoft.Extensions.Logging;

namespace Log.Wire.Tests;

/// <summary>
/// Random and mutated protocol bytes, for a bounded time: the server must not crash or hang,
/// must not log a connection-level failure (a bug), and another connection must keep answering.
/// The seed is printed so a failure can be replayed.
/// </summary>
public sealed class FuzzTests
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(4);

    private static readonly byte[][] Templates =
    [
        Bytes.Query("SELECT 1"),
        Frontend.Parse("s", "SELECT $1::int4, $2::text[]", 0, 0),
        Frontend.Bind("", "s", ["1", "{a,b}"], 1),
        Frontend.Bind("p", "s", [0, 1], [[0x31], [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 25, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x61]], [1]),
        Frontend.Describe('S', "s"),
        Frontend.Describe('P', ""),
        Frontend.Execute("", 1),
        Frontend.Execute("p"),
        Frontend.Close('P', "p"),
        Frontend.Sync(),
        Frontend.Flush(),
        Bytes.Query("COPY t FROM STDIN"),
        Frontend.CopyData("1\tone\n"),
        Frontend.CopyDone(),
        Frontend.CopyFail("no"),
        Bytes.Query("SELECT '1 day'::interval, '2024-01-01'::date, '1.5'::numeric"),
    ];

    [Fact]
    public async Task RandomAndMutatedBytesHarmNothingElse()
    {
        int seed = Environment.TickCount;
        Console.WriteLine($"FuzzTests seed {seed}");
        var random = new Random(seed);
        var logger = new RecordingLogger();
        var factory = new FakeSessionFactory();
        await using var server = new PgServer(new PgServerOptions { Port = 0, MaxMessageBytes = 64 * 1024, CloseDrainTimeout = TimeSpan.FromMilliseconds(50) }, factory, logger);
        await server.StartAsync(CancellationToken.None);
        var (healthy, _) = await RawClient.ConnectAndStartAsync(server.Port);
        await using var _1 = healthy;

        var stopwatch = Stopwatch.StartNew();
        int rounds = 0;
        while (stopwatch.Elapsed < Duration)
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => FuzzOneConnectionAsync(server.Port, new Random(random.Next()))));
            rounds++;
            await healthy.SendAsync(Bytes.Query("SELECT 1"));
            List<BackendMessage> answer = await healthy.ReadUntilReadyForQueryAsync();
            Assert.True(answer.Select(message => message.Type).SequenceEqual("TDCZ"), $"seed {seed}: the healthy connection got {new string(answer.Select(message => message.Type).ToArray())}");
        }
        Assert.True(rounds > 5, $"only {rounds} rounds ran");
        Assert.True(logger.Failures.IsEmpty, $"seed {seed}: {string.Join("\n", logger.Failures)}");
        // Every fuzzed connection ends (no hang): only the healthy one is left.
        var deadline = Stopwatch.StartNew();
        while (server.ConnectionCount > 1 && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(20);
        }
        Assert.Equal(1, server.ConnectionCount);
    }

    private static async Task FuzzOneConnectionAsync(int port, Random random)
    {
        await using RawClient client = await RawClient.ConnectAsync(port);
        try
        {
            if (random.Next(10) > 0)
            {
                await client.SendAsync(Bytes.Startup(("user", "fuzz")));
                await client.ReadUntilReadyForQueryAsync();
            }
            var bytes = new List<byte>();
            int messages = random.Next(1, 12);
            for (int i = 0; i < messages; i++)
            {
                bytes.AddRange(random.Next(6) switch
                {
                    0 => RandomBytes(random, random.Next(1, 64)),
                    _ => Mutate(random, Templates[random.Next(Templates.Length)]),
                });
            }
            bytes.AddRange(Frontend.Sync());
            await client.SendAsync([.. bytes]);
            // Read whatever comes for a moment; the connection may close, that is fine.
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            await client.DrainAsync(timeout.Token);
        }
        catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException or OperationCanceledException or EndOfStreamException or Xunit.Sdk.XunitException)
        {
            // The server may close on us at any point: that is allowed.
        }
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        byte[] bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] template)
    {
        byte[] bytes = [.. template];
        int mutations = random.Next(0, 4);
        for (int i = 0; i < mutations; i++)
        {
            switch (random.Next(4))
            {
                case 0:
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                    break;
                case 1 when bytes.Length > 5:
                    // A body byte from the interesting set: NUL, 0xFF, high bit, minus one lengths.
                    bytes[random.Next(5, bytes.Length)] = new byte[] { 0, 0xFF, 0x80, 0x7F }[random.Next(4)];
                    break;
                case 2:
                    bytes = bytes[..random.Next(bytes.Length)];
                    break;
                default:
                    if (bytes.Length > 1)
                    {
                        int at = random.Next(1, bytes.Length);
                        bytes = [.. bytes[..at], .. RandomBytes(random, random.Next(1, 8)), .. bytes[at..]];
                    }
                    break;
            }
            if (bytes.Length == 0)
            {
                break;
            }
        }
        return bytes;
    }

    /// <summary>Records what would mean a bug in the server: a connection loop that failed with an unexpected exception.</summary>
    private sealed class RecordingLogger : ILogger<PgServer>
    {
        public ConcurrentQueue<string> Failures { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string message = formatter(state, exception);
            // The fake session's own bugs (it parses fuzzed SQL) are not the server's.
            if (logLevel >= LogLevel.Error && !message.StartsWith("Query failed", StringComparison.Ordinal) && !message.StartsWith("A session call failed", StringComparison.Ordinal))
            {
                Failures.Enqueue($"{message}: {exception}");
            }
        }
    }
}
