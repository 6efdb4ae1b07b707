using System.Net;

namespace Log.QueryNode.Hosting;

/// <summary>
/// Settings of the all-in-one database process. Read, in increasing precedence, from
/// appsettings.json, environment variables prefixed LOG__ (LOG__PORT, LOG__DATA, LOG__JOURNALPORT,
/// LOG__LISTEN, LOG__REGION) and command-line switches (--port, --data, --journal-port, --listen,
/// --region).
/// </summary>
public sealed class LogOptions
{
    public const int DefaultPort = 5432;
    public const int DefaultJournalPort = 9092;

    /// <summary>The folder that holds every file of the database.</summary>
    public string Data { get; set; } = "./data";

    /// <summary>PostgreSQL protocol port; 0 picks a free one (printed at start).</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>Kafka protocol port of the embedded journal node; 0 picks a free one.</summary>
    public int JournalPort { get; set; } = DefaultJournalPort;

    /// <summary>The address both protocols listen on.</summary>
    public string Listen { get; set; } = "127.0.0.1";

    /// <summary>The region, which names the journal topic (log.&lt;region&gt;.txn).</summary>
    public string Region { get; set; } = "local";

    public static readonly IReadOnlyDictionary<string, string> CommandLineSwitches = new Dictionary<string, string>
    {
        ["--data"] = nameof(Data),
        ["--port"] = nameof(Port),
        ["--journal-port"] = nameof(JournalPort),
        ["--listen"] = nameof(Listen),
        ["--region"] = nameof(Region),
    };

    /// <summary>Returns what is wrong with the settings, or null.</summary>
    public string? Validate(out IPAddress listenAddress)
    {
        if (!IPAddress.TryParse(Listen, out listenAddress!))
        {
            return $"--listen '{Listen}' is not an IP address";
        }
        if (!IPAddress.IsLoopback(listenAddress))
        {
            return $"--listen {Listen} refused: authentication is not implemented yet, so Log listens on loopback addresses only (127.0.0.1 or ::1)";
        }
        if (Port is < 0 or > 65535)
        {
            return $"--port {Port} is not a TCP port";
        }
        if (JournalPort is < 0 or > 65535)
        {
            return $"--journal-port {JournalPort} is not a TCP port";
        }
        if (string.IsNullOrWhiteSpace(Data))
        {
            return "--data must name a folder";
        }
        if (string.IsNullOrWhiteSpace(Region) || !Region.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return $"--region '{Region}' must be letters, digits, '-' or '_'";
        }
        return null;
    }
}
