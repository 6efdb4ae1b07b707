using System.Globalization;
using System.Net;
using Log.Journal.Net;

namespace Log.Journal.Hosting;

/// <summary>
/// <c>journal proxy --listen 127.0.0.1:0 --target HOST:PORT --delay-ms 10</c>: a <see cref="DelayProxy"/> until SIGTERM
/// or Ctrl+C. Prints <c>Delay proxy is ready: listen=HOST:PORT target=HOST:PORT delay-ms=N</c> once it listens (the port
/// it got, when given 0), for the scripts and launchers that start it.
/// </summary>
internal static class DelayProxyCommand
{
    public const string Usage = "usage: journal proxy --target HOST:PORT [--listen 127.0.0.1:0] [--delay-ms 0]";

    public static async Task<int> RunAsync(string[] arguments)
    {
        if (!TryParse(arguments, out var listen, out var target, out var delay, out var error))
        {
            await Console.Error.WriteLineAsync(error);
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }
        using var stop = new CancellationTokenSource();
        using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        Console.CancelKeyPress += (_, args) =>
        {
            args.Cancel = true;
            stop.Cancel();
        };
        await using var proxy = DelayProxy.Start(listen!, target!, delay);
        await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Delay proxy is ready: listen={proxy.EndPoint} target={target} delay-ms={delay.TotalMilliseconds}"));
        await Console.Out.FlushAsync();
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        return 0;
    }

    internal static bool TryParse(string[] arguments, out IPEndPoint? listen, out EndPoint? target, out TimeSpan delay, out string error)
    {
        listen = new IPEndPoint(IPAddress.Loopback, 0);
        target = null;
        delay = TimeSpan.Zero;
        error = "";
        try
        {
            for (var index = 0; index < arguments.Length; index++)
            {
                var value = index + 1 < arguments.Length ? arguments[index + 1] : null;
                switch (arguments[index])
                {
                    case "--listen" when value is not null:
                        listen = DelayProxy.ParseEndPoint(value) as IPEndPoint
                            ?? throw new FormatException($"--listen needs an IP address, not '{value}'.");
                        index++;
                        break;
                    case "--target" when value is not null:
                        target = DelayProxy.ParseEndPoint(value);
                        index++;
                        break;
                    case "--delay-ms" when value is not null:
                        var milliseconds = double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
                        if (milliseconds < 0)
                        {
                            throw new FormatException("--delay-ms cannot be negative.");
                        }
                        delay = TimeSpan.FromMilliseconds(milliseconds);
                        index++;
                        break;
                    default:
                        error = $"Unknown or incomplete argument '{arguments[index]}'.";
                        return false;
                }
            }
        }
        catch (FormatException exception)
        {
            error = exception.Message;
            return false;
        }
        if (target is null)
        {
            error = "--target HOST:PORT is required.";
            return false;
        }
        return true;
    }
}
