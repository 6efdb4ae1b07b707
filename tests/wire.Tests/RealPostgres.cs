using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Log.Wire.Tests;

/// <summary>
/// The PostgreSQL on this machine (127.0.0.1:5432, user postgres, password postgres), reached
/// with the same raw client as our server, authenticating with SCRAM-SHA-256. When it runs
/// as root and the password is refused (a fresh CI cluster), it sets the password once with
/// psql as the postgres OS user.
/// </summary>
internal static class RealPostgres
{
    public const int Port = 5432;
    public const string User = "postgres";
    public const string Password = "postgres";

    private static readonly Lazy<string?> UnavailableReason = new(FindUnavailableReason);

    /// <summary>Null when PostgreSQL answers; otherwise why the tests that need it are skipped.</summary>
    public static string? SkipReason => UnavailableReason.Value;

    private static string? FindUnavailableReason()
    {
        try
        {
            using var client = new TcpClient();
            if (!client.ConnectAsync("127.0.0.1", Port).Wait(TimeSpan.FromSeconds(2)))
            {
                return "PostgreSQL is not reachable on 127.0.0.1:5432";
            }
        }
        catch (Exception exception)
        {
            return $"PostgreSQL is not reachable on 127.0.0.1:5432 ({exception.GetBaseException().Message})";
        }
        string? failure = TryLogin();
        if (failure is not null && Environment.UserName == "root" && File.Exists("/usr/bin/psql"))
        {
            SetPasswordAsPostgresUser();
            failure = TryLogin();
        }
        return failure is null ? null : $"cannot log in to PostgreSQL as postgres/postgres: {failure}";
    }

    private static string? TryLogin()
    {
        try
        {
            RawClient client = ConnectAsync().GetAwaiter().GetResult();
            client.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return null;
        }
        catch (Exception exception)
        {
            return exception.GetBaseException().Message;
        }
    }

    private static void SetPasswordAsPostgresUser()
    {
        var start = new ProcessStartInfo("su") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "postgres", "-c", "psql -c \"alter user postgres password 'postgres'\"" })
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            using Process? process = Process.Start(start);
            process?.WaitForExit(10_000);
        }
        catch (Exception exception)
        {
            Console.WriteLine($"Could not set the PostgreSQL password: {exception.Message}");
        }
    }

    /// <summary>Connects to the postgres database and logs in; returns once ReadyForQuery arrived.</summary>
    public static Task<RawClient> ConnectAsync() => ConnectAsync("postgres");

    /// <summary>Connects to <paramref name="database"/> and logs in; returns once ReadyForQuery arrived.</summary>
    public static async Task<RawClient> ConnectAsync(string database)
    {
        RawClient client = await RawClient.ConnectAsync(Port);
        try
        {
            await client.SendAsync(Bytes.Startup(("user", User), ("database", database), ("application_name", "wire-tests")));
            BackendMessage message = await client.ReadMessageAsync();
            if (message.Type == 'R' && message.Int32At(0) == 10)
            {
                await AuthenticateWithScramAsync(client);
            }
            else if (message.Type == 'R' && message.Int32At(0) == 3)
            {
                await client.SendAsync(Bytes.Message('p', new Bytes().CString(Password)));
            }
            else if (message.Type == 'E')
            {
                throw new InvalidOperationException(message.Fields()['M']);
            }
            List<BackendMessage> rest = await client.ReadUntilReadyForQueryAsync();
            if (rest[^1].Type != 'Z')
            {
                throw new InvalidOperationException(rest[^1].Fields()['M']);
            }
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel binding.</summary>
    private static async Task AuthenticateWithScramAsync(RawClient client)
    {
        string clientNonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        string clientFirstBare = $"n=,r={clientNonce}";
        byte[] clientFirst = Encoding.UTF8.GetBytes("n,," + clientFirstBare);
        await client.SendAsync(Bytes.Message('p', new Bytes().CString("SCRAM-SHA-256").Int32(clientFirst.Length).Raw(clientFirst)));

        BackendMessage serverFirstMessage = await client.ReadMessageAsync();
        if (serverFirstMessage.Type != 'R' || serverFirstMessage.Int32At(0) != 11)
        {
            throw new InvalidOperationException($"unexpected SCRAM answer '{serverFirstMessage.Type}'");
        }
        string serverFirst = Encoding.UTF8.GetString(serverFirstMessage.Body, 4, serverFirstMessage.Body.Length - 4);
        Dictionary<string, string> attributes = serverFirst.Split(',').ToDictionary(part => part[..1], part => part[2..]);
        byte[] salt = Convert.FromBase64String(attributes["s"]);
        int iterations = int.Parse(attributes["i"], System.Globalization.CultureInfo.InvariantCulture);
        string withoutProof = $"c=biws,r={attributes["r"]}";
        byte[] saltedPassword = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(Password), salt, iterations, HashAlgorithmName.SHA256, 32);
        byte[] clientKey = HMACSHA256.HashData(saltedPassword, Encoding.UTF8.GetBytes("Client Key"));
        byte[] storedKey = SHA256.HashData(clientKey);
        byte[] authMessage = Encoding.UTF8.GetBytes($"{clientFirstBare},{serverFirst},{withoutProof}");
        byte[] signature = HMACSHA256.HashData(storedKey, authMessage);
        byte[] proof = clientKey.Zip(signature, (left, right) => (byte)(left ^ right)).ToArray();
        byte[] clientFinal = Encoding.UTF8.GetBytes($"{withoutProof},p={Convert.ToBase64String(proof)}");
        await client.SendAsync(Bytes.Message('p', new Bytes().Raw(clientFinal)));

        BackendMessage final = await client.ReadMessageAsync();
        if (final.Type == 'E')
        {
            throw new InvalidOperationException(final.Fields()['M']);
        }
    }
}

/// <summary>A fact that needs the real PostgreSQL; skipped, with the reason, when it cannot be reached.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (RealPostgres.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that needs the real PostgreSQL; skipped, with the reason, when it cannot be reached.</summary>
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        if (RealPostgres.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
