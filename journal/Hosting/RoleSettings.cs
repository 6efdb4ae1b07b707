using System.Net;

namespace Log.Journal.Hosting;

/// <summary>The checks every role run alone makes of the settings they share (listen address, journal, ports, region),
/// and HOST:PORT parsing, in one place.</summary>
public static class RoleSettings
{
    /// <summary>What is wrong with the shared settings of <paramref name="role"/> ("the adjudicator", ...), or null.</summary>
    public static string? Check(string role, string listen, string journal, int port, int? httpPort, string region, out IPAddress listenAddress)
    {
        if (!IPAddress.TryParse(listen, out listenAddress!))
        {
            return $"--listen '{listen}' is not an IP address";
        }
        if (!IPAddress.IsLoopback(listenAddress))
        {
            return $"--listen {listen} refused: authentication is not implemented yet, so {role} listens on loopback addresses only (127.0.0.1 or ::1)";
        }
        if (string.IsNullOrWhiteSpace(journal) || !journal.Split(',').All(IsHostAndPort))
        {
            return $"--journal '{journal}' must be HOST:PORT, or several separated by commas";
        }
        if (port is < 0 or > 65535)
        {
            return $"--port {port} is not a TCP port";
        }
        if (httpPort is < 0 or > 65535)
        {
            return $"--http-port {httpPort} is not a TCP port";
        }
        if (string.IsNullOrWhiteSpace(region) || !region.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return $"--region '{region}' must be letters, digits, '-' or '_'";
        }
        return null;
    }

    /// <summary>Whether <paramref name="server"/> is HOST:PORT with a TCP port.</summary>
    public static bool IsHostAndPort(string server) => TrySplitHostAndPort(server, out _, out _);

    /// <summary>Splits HOST:PORT (the host may be a bracketed IPv6 address).</summary>
    public static bool TrySplitHostAndPort(string server, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = server.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(server.AsSpan(colon + 1), out port) || port is <= 0 or > 65535)
        {
            return false;
        }
        host = server[..colon].Trim('[', ']');
        return host.Length > 0;
    }

    /// <summary>How a listen address is written in HOST:PORT (IPv6 in brackets).</summary>
    public static string HostText(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
