using System.Globalization;
using Log.QueryNode.Hosting;

namespace Log.QueryNode.Auth;

/// <summary>
/// The command-line tools beside the server: <c>keys add [--principal NAME] [--admin] | list | remove KEYID</c> manage
/// the access keys in the data folder, and <c>token [--admin | --user ROLE] [--expires SECONDS] [--endpoint HOST]
/// [--region NAME] [--key KEYID]</c> prints a DSQL token signed with one of them (or with AWS_ACCESS_KEY_ID and
/// AWS_SECRET_ACCESS_KEY from the environment). Both take <c>--data DIR</c> (or LOG__DATA) as the server does. They
/// never start the database: they read and write the key file only, which a running server re-reads.
/// </summary>
public static class AuthCommands
{
    public const string KeysCommand = "keys";
    public const string TokenCommand = "token";

    /// <summary>DSQL's signers' default lifetime of a token.</summary>
    public const int DefaultExpiresSeconds = 900;

    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] is KeysCommand or TokenCommand;

    /// <summary>Runs <c>keys ...</c> or <c>token ...</c>; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        try
        {
            return args[0] == KeysCommand ? RunKeys(args[1..], output, error) : RunToken(args[1..], output, error);
        }
        catch (UsageException exception)
        {
            error.WriteLine($"log {args[0]}: {exception.Message}");
            error.WriteLine(args[0] == KeysCommand
                ? "usage: keys add [--principal NAME] [--admin] | keys list | keys remove KEYID   [--data DIR]"
                : "usage: token [--admin | --user ROLE] [--expires SECONDS] [--endpoint HOST] [--region NAME] [--key KEYID] [--data DIR]");
            return UsageError;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidDataException or System.Text.Json.JsonException)
        {
            error.WriteLine($"log {args[0]}: {exception.Message}");
            return Failure;
        }
    }

    private static int RunKeys(string[] args, TextWriter output, TextWriter error)
    {
        var (positional, switches) = Parse(args, valued: ["--data", "--principal"], flags: ["--admin"]);
        var store = new CredentialStore(DataDirectory(switches));
        switch (positional)
        {
            case ["add"]:
            {
                bool admin = switches.ContainsKey("--admin");
                string principal = switches.GetValueOrDefault("--principal") ?? (admin ? CredentialStore.AdminPrincipal : "");
                if (principal.Length == 0)
                {
                    throw new UsageException("keys add needs --principal NAME (the ARN-like name that AWS IAM GRANT maps to roles), or --admin");
                }
                var key = store.Add(principal, admin, DateTimeOffset.UtcNow);
                output.WriteLine($"AWS_ACCESS_KEY_ID={key.AccessKeyId}");
                output.WriteLine($"AWS_SECRET_ACCESS_KEY={key.SecretAccessKey}");
                error.WriteLine($"Added key {key.AccessKeyId} for {key.Principal}{(admin ? " (may connect as admin)" : "")} to {store.FilePath}");
                return Success;
            }
            case ["list"]:
                output.WriteLine("access key id\tprincipal\tadmin\tcreated");
                foreach (var key in store.List())
                {
                    output.WriteLine($"{key.AccessKeyId}\t{key.Principal}\t{(key.Admin ? "yes" : "no")}\t{key.Created.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}");
                }
                return Success;
            case ["remove", var accessKeyId]:
                if (!store.Remove(accessKeyId))
                {
                    error.WriteLine($"log keys: no key {accessKeyId} in {store.FilePath}");
                    return Failure;
                }
                error.WriteLine($"Removed key {accessKeyId}: tokens it signed are refused from now on");
                return Success;
            default:
                throw new UsageException("expected add, list or remove KEYID");
        }
    }

    private static int RunToken(string[] args, TextWriter output, TextWriter error)
    {
        var (positional, switches) = Parse(args, valued: ["--data", "--user", "--expires", "--endpoint", "--region", "--key"], flags: ["--admin"]);
        if (positional.Count > 0)
        {
            throw new UsageException($"unexpected argument '{positional[0]}'");
        }
        if (switches.ContainsKey("--admin") && switches.ContainsKey("--user"))
        {
            throw new UsageException("--admin and --user exclude each other");
        }
        string role = switches.GetValueOrDefault("--user") ?? DsqlToken.AdminRole;
        int expires = DefaultExpiresSeconds;
        if (switches.TryGetValue("--expires", out var expiresText)
            && (!int.TryParse(expiresText, NumberStyles.None, CultureInfo.InvariantCulture, out expires) || expires is <= 0 or > DsqlToken.MaxExpiresSeconds))
        {
            throw new UsageException($"--expires must be 1 to {DsqlToken.MaxExpiresSeconds} seconds (one week)");
        }
        string endpoint = switches.GetValueOrDefault("--endpoint")
            ?? new LogOptions { Endpoint = Environment.GetEnvironmentVariable("LOG__ENDPOINT") ?? new LogOptions().Endpoint }.Endpoints.FirstOrDefault()
            ?? "localhost";
        string region = switches.GetValueOrDefault("--region") ?? Environment.GetEnvironmentVariable("LOG__REGION") ?? new LogOptions().Region;

        string? accessKeyId = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
        string? secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
        if (switches.ContainsKey("--key") || string.IsNullOrEmpty(accessKeyId) || string.IsNullOrEmpty(secret))
        {
            var store = new CredentialStore(DataDirectory(switches));
            var keys = store.List();
            var key = switches.TryGetValue("--key", out var wanted)
                ? keys.FirstOrDefault(key => key.AccessKeyId == wanted)
                : role == DsqlToken.AdminRole
                    ? keys.FirstOrDefault(key => key.Admin)
                    : keys.FirstOrDefault(key => !key.Admin) ?? keys.FirstOrDefault();
            if (key is null)
            {
                error.WriteLine($"log token: no {(wanted is null ? "suitable " : $"{wanted} ")}key in {store.FilePath} (start the database once, or 'keys add'), and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set");
                return Failure;
            }
            (accessKeyId, secret) = (key.AccessKeyId, key.SecretAccessKey);
        }
        output.WriteLine(DsqlToken.Create(endpoint, region, DsqlToken.ActionFor(role), accessKeyId, secret, DateTime.UtcNow, expires));
        return Success;
    }

    private static string DataDirectory(Dictionary<string, string> switches) =>
        switches.GetValueOrDefault("--data") ?? Environment.GetEnvironmentVariable("LOG__DATA") ?? new LogOptions().Data;

    private static (List<string> Positional, Dictionary<string, string> Switches) Parse(string[] args, string[] valued, string[] flags)
    {
        var positional = new List<string>();
        var switches = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int index = 0; index < args.Length; index++)
        {
            string argument = args[index];
            if (flags.Contains(argument))
            {
                switches[argument] = "";
            }
            else if (valued.Contains(argument))
            {
                if (index + 1 >= args.Length)
                {
                    throw new UsageException($"{argument} needs a value");
                }
                switches[argument] = args[++index];
            }
            else if (argument.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unknown switch {argument}");
            }
            else
            {
                positional.Add(argument);
            }
        }
        return (positional, switches);
    }

    private sealed class UsageException(string message) : Exception(message);
}
