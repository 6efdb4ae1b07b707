using System.Buffers.Binary;
using System.Text;
using Log.Wire.Tests;

namespace Log.Integration.Tests.Sql;

/// <summary>
/// What one Query message gave: an error (SQLSTATE and message), or the columns' type OIDs and
/// the rows as the server's text output (null for NULL). Rows sent before an error are dropped:
/// a record that fails expects only its SQLSTATE.
/// </summary>
public sealed record SqlOutcome(string? SqlState, string? ErrorMessage, IReadOnlyList<int> TypeOids, IReadOnlyList<IReadOnlyList<string?>> Rows)
{
    public bool HasColumns => TypeOids.Count > 0;
}

/// <summary>
/// A connection that speaks only the simple query protocol, so that every value arrives in
/// PostgreSQL's text output, the same way from Log and from PostgreSQL.
/// </summary>
internal sealed class SimpleQueryClient(RawClient client) : IAsyncDisposable
{
    /// <summary>
    /// Settings both servers run every file under, so that output that depends on them
    /// (dates, time zones, floats) is the same whatever the server's configuration.
    /// </summary>
    private const string SessionSetup =
        "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1";

    /// <summary>Wraps a logged-in connection and applies <see cref="SessionSetup"/>.</summary>
    public static async Task<SimpleQueryClient> StartAsync(RawClient client, CancellationToken cancellationToken)
    {
        var session = new SimpleQueryClient(client);
        SqlOutcome setup = await session.RunAsync(SessionSetup, cancellationToken);
        if (setup.SqlState is not null)
        {
            await session.DisposeAsync();
            throw new InvalidOperationException($"session setup failed: {setup.SqlState} {setup.ErrorMessage}");
        }
        return session;
    }

    /// <summary>
    /// Sends <paramref name="sql"/> as one Query message and reads through ReadyForQuery (each read
    /// is bounded by the raw client's own timeout; the token is checked before sending).
    /// </summary>
    public async Task<SqlOutcome> RunAsync(string sql, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await client.SendAsync(Bytes.Query(sql));
        string? sqlState = null;
        string? errorMessage = null;
        var typeOids = new List<int>();
        var rows = new List<IReadOnlyList<string?>>();
        while (true)
        {
            BackendMessage message = await client.ReadMessageAsync();
            switch (message.Type)
            {
                case 'T':
                    typeOids = ReadTypeOids(message.Body);
                    rows.Clear();
                    break;
                case 'D':
                    rows.Add(ReadRow(message.Body));
                    break;
                case 'E':
                    Dictionary<char, string> fields = message.Fields();
                    sqlState ??= fields['C'];
                    errorMessage ??= fields.GetValueOrDefault('M');
                    if (fields.GetValueOrDefault('S') == "FATAL")
                    {
                        throw new InvalidOperationException($"the server closed the session: {sqlState} {errorMessage}");
                    }
                    break;
                case 'Z':
                    return sqlState is null
                        ? new SqlOutcome(null, null, typeOids, rows)
                        : new SqlOutcome(sqlState, errorMessage, [], []);
            }
        }
    }

    private static List<int> ReadTypeOids(byte[] body)
    {
        int count = BinaryPrimitives.ReadInt16BigEndian(body);
        var oids = new List<int>(count);
        int position = 2;
        for (int column = 0; column < count; column++)
        {
            position = Array.IndexOf(body, (byte)0, position) + 1;
            // Table OID (4), attribute number (2), then the type OID.
            oids.Add(BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(position + 6)));
            position += 18;
        }
        return oids;
    }

    private static List<string?> ReadRow(byte[] body)
    {
        int count = BinaryPrimitives.ReadInt16BigEndian(body);
        var values = new List<string?>(count);
        int position = 2;
        for (int column = 0; column < count; column++)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(position));
            position += 4;
            if (length < 0)
            {
                values.Add(null);
                continue;
            }
            values.Add(Encoding.UTF8.GetString(body, position, length));
            position += length;
        }
        return values;
    }

    public ValueTask DisposeAsync() => client.DisposeAsync();
}
