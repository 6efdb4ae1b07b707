using System.Text;

namespace Log.Integration.Tests.Sql;

/// <summary>One record run on one engine: what it gave, or the condition that skipped it.</summary>
public sealed record SqlRecordRun(SqlTestRecord Record, SqlTestCondition? SkippedBy, SqlExpectation? Actual, string? ErrorMessage)
{
    public bool Matches => Actual is not null && SqlTestRunner.Same(Record, Record.Expected, Actual);
}

/// <summary>
/// Runs the records of a file in order on one connection and turns each outcome into the form
/// the file stores (<see cref="SqlExpectation"/>), so that checking is a comparison of two
/// expectations and recording is replacing one with the other.
/// </summary>
public static class SqlTestRunner
{
    /// <summary>How long one file may take on one server, well above what the largest file needs.</summary>
    public static readonly TimeSpan FileTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs every record that <paramref name="engine"/> may run; with <paramref name="runSkipped"/>
    /// also those a condition skips on it (their result is kept beside the condition, to find the
    /// cases that the engine has grown to pass).
    /// </summary>
    internal static async Task<List<SqlRecordRun>> RunAsync(SqlTestFile file, SimpleQueryClient client, string engine, bool runSkipped, CancellationToken cancellationToken)
    {
        var runs = new List<SqlRecordRun>();
        foreach (SqlTestRecord record in file.Records)
        {
            SqlTestCondition? skippedBy = record.SkippedOn(engine);
            if (skippedBy is not null && !runSkipped)
            {
                runs.Add(new SqlRecordRun(record, skippedBy, null, null));
                continue;
            }
            SqlOutcome outcome;
            try
            {
                outcome = await client.RunAsync(record.Sql, cancellationToken);
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException or InvalidOperationException)
            {
                // A timeout or a lost connection ends the file: say where.
                throw new InvalidOperationException($"{file.Path}:{record.Line}: no answer on {engine}: {exception.Message}", exception);
            }
            runs.Add(new SqlRecordRun(record, skippedBy, ToExpectation(record, outcome), outcome.ErrorMessage));
        }
        return runs;
    }

    /// <summary>The outcome in the file's form, for this record's kind and sort mode.</summary>
    public static SqlExpectation ToExpectation(SqlTestRecord record, SqlOutcome outcome)
    {
        if (outcome.SqlState is not null)
        {
            return new SqlExpectation(outcome.SqlState, "", []);
        }
        if (!record.IsQuery || !outcome.HasColumns)
        {
            return new SqlExpectation(null, "", []);
        }
        return new SqlExpectation(null, TypeLetters(outcome.TypeOids), SqlTestFile.RenderRows(outcome.Rows, record.SortMode));
    }

    /// <summary>True when <paramref name="actual"/> is what <paramref name="expected"/> asks for.</summary>
    public static bool Same(SqlTestRecord record, SqlExpectation expected, SqlExpectation actual)
    {
        if (expected.SqlState is not null || actual.SqlState is not null)
        {
            return expected.SqlState == actual.SqlState;
        }
        return !record.IsQuery || (expected.TypeLetters == actual.TypeLetters && expected.Lines.SequenceEqual(actual.Lines));
    }

    /// <summary>
    /// One letter per column from its type OID: B bool, I integers, R float4/float8, N numeric,
    /// T text-like, D date/time/interval, U uuid, J json/jsonb, X bytea, A arrays, O anything else.
    /// </summary>
    public static string TypeLetters(IReadOnlyList<int> typeOids) => string.Concat(typeOids.Select(oid => oid switch
    {
        16 => 'B',
        20 or 21 or 23 or 26 => 'I',
        700 or 701 => 'R',
        1700 => 'N',
        18 or 19 or 25 or 705 or 1042 or 1043 => 'T',
        1082 or 1083 or 1114 or 1184 or 1186 or 1266 => 'D',
        2950 => 'U',
        114 or 3802 => 'J',
        17 => 'X',
        1000 or 1001 or 1005 or 1007 or 1009 or 1014 or 1015 or 1016 or 1021 or 1022 or 1115 or 1182 or 1183 or 1185
            or 1187 or 1231 or 2951 or 199 or 3807 => 'A',
        _ => 'O',
    }));

    /// <summary>A mismatch as a report paragraph: file and line, the SQL, what was expected and what came.</summary>
    public static string Describe(SqlTestFile file, SqlRecordRun run)
    {
        var text = new StringBuilder();
        text.Append($"{file.Path}:{run.Record.Line}:\n");
        foreach (string line in run.Record.Sql.Split('\n'))
        {
            text.Append("    ").Append(line).Append('\n');
        }
        text.Append("  expected: ").Append(Describe(run.Record, run.Record.Expected, null));
        text.Append("  actual:   ").Append(run.Actual is null ? "(not run)\n" : Describe(run.Record, run.Actual, run.ErrorMessage));
        return text.ToString();
    }

    private static string Describe(SqlTestRecord record, SqlExpectation expectation, string? errorMessage)
    {
        if (expectation.SqlState is not null)
        {
            return $"error {expectation.SqlState}{(errorMessage is null ? "" : $" ({errorMessage})")}\n";
        }
        if (!record.IsQuery)
        {
            return "ok\n";
        }
        var text = new StringBuilder($"query {expectation.TypeLetters}, {expectation.Lines.Count} line(s)\n");
        foreach (string line in expectation.Lines)
        {
            text.Append("    | ").Append(line).Append('\n');
        }
        return text.ToString();
    }
}
