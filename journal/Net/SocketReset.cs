using System.Net.Sockets;

namespace Log.Journal.Net;

/// <summary>Closing a connection as a failed link or middlebox does.</summary>
public static class SocketReset
{
    /// <summary>Closes <paramref name="socket"/> with a reset (RST, no lingering: whatever it still holds to send is
    /// dropped), so the other end learns at once that the connection is gone. A socket already closed is fine.</summary>
    public static void Reset(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
        }
        socket.Dispose();
    }
}
