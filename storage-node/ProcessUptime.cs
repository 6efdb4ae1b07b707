using System.Diagnostics;

namespace Log.StorageNode;

/// <summary>Milliseconds since this process started (from the operating system's record of its start): the phases of a
/// start are logged with it, so that the time before the first line (the runtime's start, loading and compiling the
/// code) shows too.</summary>
public static class ProcessUptime
{
    private static readonly DateTime StartedUtc = ReadStart();

    public static long Milliseconds => (long)(DateTime.UtcNow - StartedUtc).TotalMilliseconds;

    private static DateTime ReadStart()
    {
        try
        {
            using var process = Process.GetCurrentProcess();
            return process.StartTime.ToUniversalTime();
        }
        catch (Exception exception) when (exception is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return DateTime.UtcNow;
        }
    }
}
