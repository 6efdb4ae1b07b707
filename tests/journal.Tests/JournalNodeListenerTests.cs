using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;

namespace Log.Journal.Tests;

/// <summary>A journal node's extra listeners each advertise their own port to the clients that came through them.</summary>
public sealed class JournalNodeListenerTests
{
    private static int FreePort()
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static int AdvertisedPortSeenThrough(int port)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = $"127.0.0.1:{port}" }).Build();
        return Assert.Single(admin.GetMetadata(TimeSpan.FromSeconds(30)).Brokers).Port;
    }

    [Fact]
    public async Task Each_listener_advertises_its_own_port_and_the_main_one_the_node_s()
    {
        var extra = FreePort();
        const int advertised = 40123;
        await using var node = await TestNode.StartAsync(configure: options => options.ExtraListeners = [(extra, advertised)]);
        Assert.Equal(advertised, AdvertisedPortSeenThrough(extra));
        Assert.Equal(node.Node.Port, AdvertisedPortSeenThrough(node.Node.Port));
    }
}
