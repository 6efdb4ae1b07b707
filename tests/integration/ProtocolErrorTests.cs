using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Log.Integration.Tests.Support;

namespace Log.Integration.Tests;

[Collection(ServerCollection.Name)]
public sealed class ProtocolErrorTests(ServerFixture fixture)
{
    [Fact]
    public async Task MalformedMessageClosesOnlyThatConnection()
    {
        await using var bystander = new PsqlSession(fixture.Server.Port);
        Assert.Equal("1", await bystander.StepAsync("SELECT 1;"));

        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", fixture.Server.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(StartupMessage("admin", "postgres"));
        await ReadUntilReadyForQueryAsync(stream);

        // A message type that does not exist, with a length that runs past any sane limit.
        await stream.WriteAsync(new byte[] { (byte)'!', 0x7f, 0xff, 0xff, 0xff, 1, 2, 3 });
        var (type, body) = await ReadMessageAsync(stream);
        Assert.Equal((byte)'E', type);
        var fields = Encoding.UTF8.GetString(body);
        Assert.Contains("SFATAL", fields);
        Assert.Contains("C08P01", fields);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await stream.ReadAsync(new byte[16], timeout.Token));

        // The other connection never noticed.
        Assert.Equal("2", await bystander.StepAsync("SELECT 1 + 1;"));
        Assert.Equal("", bystander.Errors);
    }

    [Fact]
    public async Task SyntaxErrorReturns42601AndTheSessionGoesOn()
    {
        await using var session = new PsqlSession(fixture.Server.Port);
        await session.StepAsync("SELECT FROM WHERE;");
        Assert.Contains("ERROR:  42601: syntax error", session.Errors);
        Assert.Equal("3", await session.StepAsync("SELECT 3;"));
    }

    private static byte[] StartupMessage(string user, string database)
    {
        var parameters = Encoding.UTF8.GetBytes($"user\0{user}\0database\0{database}\0\0");
        var message = new byte[8 + parameters.Length];
        BinaryPrimitives.WriteInt32BigEndian(message, message.Length);
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(4), 3 << 16);
        parameters.CopyTo(message, 8);
        return message;
    }

    private static async Task ReadUntilReadyForQueryAsync(NetworkStream stream)
    {
        while (true)
        {
            var (type, _) = await ReadMessageAsync(stream);
            if (type == 'Z')
            {
                return;
            }
            Assert.NotEqual((byte)'E', type);
        }
    }

    private static async Task<(byte Type, byte[] Body)> ReadMessageAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var header = new byte[5];
        await stream.ReadExactlyAsync(header, timeout.Token);
        var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        var body = new byte[length - 4];
        await stream.ReadExactlyAsync(body, timeout.Token);
        return (header[0], body);
    }
}
