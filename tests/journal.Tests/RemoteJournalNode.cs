using System.Net;
using System.Net.Sockets;
using Log.Journal.Net;
using Xunit.Abstractions;

namespace Log.Journal.Tests;

/// <summary>
/// A journal node as another region's: in process, on its own temporary folder, and reached through a
/// <see cref="DelayProxy"/> that adds <see cref="DelayProxy.Delay"/> each way. The node advertises the proxy's port, so
/// a Kafka client's later connections (to the advertised address) go through the proxy too.
/// </summary>
internal sealed class RemoteJournalNode : IAsyncDisposable
{
    private RemoteJournalNode(TestNode node, DelayProxy proxy)
    {
        Node = node;
        Proxy = proxy;
    }

    public TestNode Node { get; }

    public DelayProxy Proxy { get; }

    /// <summary>The proxy's address, advertised by the node.</summary>
    public string BootstrapServers => Node.BootstrapServers;

    public static async Task<RemoteJournalNode> StartAsync(TimeSpan oneWayDelay, ITestOutputHelper? output = null)
    {
        var port = FreePort();
        var proxy = DelayProxy.Start(port, oneWayDelay);
        try
        {
            var node = await TestNode.StartAsync(output, configure: options =>
            {
                options.Port = port;
                options.AdvertisedPort = proxy.Port;
            });
            return new RemoteJournalNode(node, proxy);
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    /// <summary>A free loopback port, for a node that must listen where its proxy forwards (there is a small race with
    /// other programs).</summary>
    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Node.DisposeAsync();
    }
}
