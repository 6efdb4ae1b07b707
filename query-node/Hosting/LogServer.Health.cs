using System.Net;
using Log.Adjudicator;
using Log.Journal.Client;
using Log.Journal.Hosting;
using Log.QueryNode.Execution;
using Log.StorageNode;
using Log.Wire;
using Microsoft.Extensions.Logging;

namespace Log.QueryNode.Hosting;

/// <summary>Health and metrics (--http-port): live from the first moment, ready once every role serves, and the
/// meters of the roles this process hosts.</summary>
public sealed partial class LogServer
{
    private volatile bool ready;

    /// <summary>The HTTP endpoint's base address, or null when it is off.</summary>
    public string? HttpAddress { get; private set; }

    /// <summary>Started first, so that an orchestrator sees the process live (and not ready) while storage replays.</summary>
    private void StartHttpEndpoint(IPAddress listenAddress)
    {
        if (options.HttpPort is not int port)
        {
            return;
        }
        var endpoint = new RoleHttpEndpoint("log", listenAddress, port,
            [PgServerMetrics.MeterName, AdjudicatorMetrics.MeterName, StorageNodeMetrics.MeterName, TransactionMetrics.MeterName], () => ready, logger);
        endpoint.Start();
        Track(endpoint);
        HttpAddress = endpoint.BaseAddress;
        // A plain line before the ready line, so that scripts and tests can find the port.
        Console.Out.WriteLine($"{RoleHttpEndpoint.ListeningMarker} {endpoint.BaseAddress}");
    }

    private void ObserveStorage(Log.StorageNode.StorageNode storage, KafkaJournalReader journal)
    {
        if (options.HttpPort is null)
        {
            return;
        }
        Track(new StorageNodeMetrics(storage, (partition, cancellationToken) => journal.GetEndOffsetAsync(partition, cancellationToken), TimeProvider.System,
            loggerFactory.CreateLogger<StorageNodeMetrics>()));
    }
}
