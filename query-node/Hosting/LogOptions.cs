using System.Net;

namespace Log.QueryNode.Hosting;

/// <summary>
/// Settings of the all-in-one database process. Read, in increasing precedence, from
/// appsettings.json, environment variables prefixed LOG__ (LOG__PORT, LOG__DATA, LOG__JOURNALPORT,
/// LOG__JOURNAL, LOG__ADJUDICATOR, LOG__LISTEN, LOG__REGION, LOG__DSQLCOMPATIBILITY) and command-line switches (--port, --data,
/// --journal-port, --journal, --adjudicator, --listen, --region, --dsql-compatibility).
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

    /// <summary>Bootstrap servers (HOST:PORT[,HOST:PORT...]) of a journal run elsewhere: a journal node
    /// started alone or a Kafka cluster. Empty (the default): the process hosts its own journal node
    /// on <see cref="JournalPort"/>.</summary>
    public string Journal { get; set; } = "";

    /// <summary>True when the roles use an external journal instead of hosting one.</summary>
    public bool UsesExternalJournal => !string.IsNullOrWhiteSpace(Journal);

    /// <summary>HOST:PORT of an adjudicator shard run alone (<c>dotnet run --project adjudicator</c>), reached over its
    /// RPC; needs <see cref="Journal"/>. Empty (the default): the process hosts its own adjudicator.</summary>
    public string Adjudicator { get; set; } = "";

    /// <summary>True when commits go to an adjudicator in another process: this query node is one of several.</summary>
    public bool UsesRemoteAdjudicator => !string.IsNullOrWhiteSpace(Adjudicator);

    /// <summary>The address both protocols listen on.</summary>
    public string Listen { get; set; } = "127.0.0.1";

    /// <summary>The region, which names the journal topic (log.&lt;region&gt;.txn).</summary>
    public string Region { get; set; } = "local";

    /// <summary>Aurora DSQL's rules for DDL in transactions (one DDL statement per transaction, no DDL and DML in one
    /// transaction). Off by default, where DDL and DML mix as in PostgreSQL; see the README.</summary>
    public bool DsqlCompatibility { get; set; }

    /// <summary>How far behind its resolved timestamp storage still serves a snapshot (LOG__SNAPSHOTRETENTION,
    /// --snapshot-retention, as hh:mm:ss): older reads fail with 72000 "snapshot too old", and older versions are
    /// garbage-collected. The longest transaction, 5 minutes, by default; shorter settings are for tests.</summary>
    public TimeSpan SnapshotRetention { get; set; } = TimeSpan.FromMinutes(5);

    public static readonly IReadOnlyDictionary<string, string> CommandLineSwitches = new Dictionary<string, string>
    {
        ["--data"] = nameof(Data),
        ["--port"] = nameof(Port),
        ["--journal-port"] = nameof(JournalPort),
        ["--journal"] = nameof(Journal),
        ["--adjudicator"] = nameof(Adjudicator),
        ["--listen"] = nameof(Listen),
        ["--region"] = nameof(Region),
        ["--dsql-compatibility"] = nameof(DsqlCompatibility),
        ["--snapshot-retention"] = nameof(SnapshotRetention),
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
        if (SnapshotRetention <= TimeSpan.Zero)
        {
            return $"--snapshot-retention {SnapshotRetention} must be positive";
        }
        if (Port is < 0 or > 65535)
        {
            return $"--port {Port} is not a TCP port";
        }
        if (JournalPort is < 0 or > 65535)
        {
            return $"--journal-port {JournalPort} is not a TCP port";
        }
        if (UsesExternalJournal && !Journal.Split(',').All(IsHostAndPort))
        {
            return $"--journal '{Journal}' must be HOST:PORT, or several separated by commas";
        }
        if (UsesRemoteAdjudicator && !IsHostAndPort(Adjudicator))
        {
            return $"--adjudicator '{Adjudicator}' must be HOST:PORT";
        }
        if (UsesRemoteAdjudicator && !UsesExternalJournal)
        {
            return "--adjudicator needs --journal HOST:PORT: the adjudicator and every query node share one journal";
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

    private static bool IsHostAndPort(string server) => Log.Adjudicator.Hosting.AdjudicatorHostOptions.IsHostAndPort(server);
}
