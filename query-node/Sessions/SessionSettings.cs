using System.Globalization;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sessions;

/// <summary>
/// The run-time settings of one session (PostgreSQL's GUCs that drivers set and read: TimeZone, DateStyle,
/// extra_float_digits, application_name, statement_timeout ...). Each value is checked when it is set, with
/// PostgreSQL's SQLSTATE and wording, so that a value we cannot honour is refused instead of being silently ignored.
/// The values that PostgreSQL reports with ParameterStatus are kept in <see cref="Reported"/>, which the wire
/// server compares before each ReadyForQuery. Not thread-safe: a session runs one call at a time.
/// </summary>
public sealed class SessionSettings
{
    /// <summary>PostgreSQL's NAMEDATALEN - 1: application_name is truncated to this many bytes.</summary>
    private const int ApplicationNameBytesMax = 63;

    /// <summary>extra_float_digits' range in PostgreSQL.</summary>
    private const int ExtraFloatDigitsMin = -15;
    private const int ExtraFloatDigitsMax = 3;

    /// <summary>statement_timeout's upper bound in PostgreSQL (INT_MAX milliseconds).</summary>
    private const long StatementTimeoutMsMax = int.MaxValue;

    /// <summary>The settings PostgreSQL reports to the client with ParameterStatus (GUC_REPORT), with their display names.</summary>
    private static readonly string[] ReportedNames =
    [
        "application_name", "client_encoding", "DateStyle", "IntervalStyle", "TimeZone", "standard_conforming_strings",
        "is_superuser", "session_authorization", "integer_datetimes", "server_encoding", "server_version",
        "default_transaction_read_only", "in_hot_standby",
    ];

    /// <summary>Every setting we know, by lower-case name, with its server default. Read-only ones cannot be SET.</summary>
    private static readonly Dictionary<string, (string Display, string Default, bool ReadOnly)> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        ["application_name"] = ("application_name", "", false),
        ["client_encoding"] = ("client_encoding", "UTF8", false),
        ["datestyle"] = ("DateStyle", "ISO, MDY", false),
        ["intervalstyle"] = ("IntervalStyle", "postgres", false),
        ["timezone"] = ("TimeZone", "UTC", false),
        ["extra_float_digits"] = ("extra_float_digits", "1", false),
        ["search_path"] = ("search_path", "\"$user\", public", false),
        ["statement_timeout"] = ("statement_timeout", "0", false),
        ["standard_conforming_strings"] = ("standard_conforming_strings", "on", false),
        ["default_transaction_isolation"] = ("default_transaction_isolation", "repeatable read", false),
        ["transaction_isolation"] = ("transaction_isolation", "repeatable read", false),
        ["default_transaction_read_only"] = ("default_transaction_read_only", "off", false),
        ["transaction_read_only"] = ("transaction_read_only", "off", false),
        // Accepted and kept so that drivers and tools that set them work; they change nothing here.
        ["client_min_messages"] = ("client_min_messages", "notice", false),
        ["lock_timeout"] = ("lock_timeout", "0", false),
        ["idle_in_transaction_session_timeout"] = ("idle_in_transaction_session_timeout", "0", false),
        ["bytea_output"] = ("bytea_output", "hex", false),
        ["timezone_abbreviations"] = ("timezone_abbreviations", "Default", false),
        ["row_security"] = ("row_security", "on", false),
        ["jit"] = ("jit", "off", false),
        ["synchronous_commit"] = ("synchronous_commit", "on", false),
        // Log's own: rows per commit of COPY FROM, 0 (the default) for one atomic COPY within the transaction's limits.
        [CopyBatchRowsName] = (CopyBatchRowsName, "0", false),
        // SET ROLE's role ("none": the session user), which the engine resolves against the catalog's roles.
        ["role"] = ("role", "none", false),
        ["session_authorization"] = ("session_authorization", "", true),
        ["server_version"] = ("server_version", Sql.ServerVersion.Number, true),
        ["server_version_num"] = ("server_version_num", Sql.ServerVersion.NumberAsInteger, true),
        ["server_encoding"] = ("server_encoding", "UTF8", true),
        ["integer_datetimes"] = ("integer_datetimes", "on", true),
        ["is_superuser"] = ("is_superuser", "on", true),
        ["in_hot_standby"] = ("in_hot_standby", "off", true),
        ["max_identifier_length"] = ("max_identifier_length", "63", true),
        ["lc_collate"] = ("lc_collate", "C", true),
        ["lc_ctype"] = ("lc_ctype", "C", true),
        ["block_size"] = ("block_size", "8192", true),
        ["max_index_keys"] = ("max_index_keys", Sql.SqlLimits.IndexKeyColumnsMax.ToString(CultureInfo.InvariantCulture), true),
    };

    /// <summary>Encodings PostgreSQL knows (pg_enc2name_tbl), so that a real one gets 0A000 and a misspelt one 22023.</summary>
    private static readonly HashSet<string> OtherEncodings = new(StringComparer.OrdinalIgnoreCase)
    {
        "SQL_ASCII", "EUC_JP", "EUC_CN", "EUC_KR", "EUC_TW", "EUC_JIS_2004", "MULE_INTERNAL", "LATIN1", "LATIN2", "LATIN3",
        "LATIN4", "LATIN5", "LATIN6", "LATIN7", "LATIN8", "LATIN9", "LATIN10", "WIN1256", "WIN1258", "WIN866", "WIN874",
        "KOI8R", "WIN1251", "WIN1252", "ISO_8859_5", "ISO_8859_6", "ISO_8859_7", "ISO_8859_8", "WIN1250", "WIN1253",
        "WIN1254", "WIN1255", "WIN1257", "KOI8U", "SJIS", "BIG5", "GBK", "UHC", "GB18030", "JOHAB", "SHIFT_JIS_2004",
    };

    private static readonly string[] IsolationLevels = ["serializable", "repeatable read", "read committed", "read uncommitted"];

    private readonly Dictionary<string, string> values = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> sessionDefaults = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> reported = new(StringComparer.Ordinal);
    /// <summary>Changes to <see cref="values"/> so far, and the last copy <see cref="Save"/> made with the count it was made at.</summary>
    private long changeCount;
    private long savedAtChange = -1;
    private Dictionary<string, string>? savedCopy;
    private PgTypeSettings typeSettings = PgTypeSettings.Default;
    private DateTimeSettings dateTimeSettings = DateTimeSettings.Default;

    /// <summary>The defaults, then the startup packet's options (which become what RESET goes back to, as in PostgreSQL).
    /// A bad value in the startup packet throws <see cref="SqlException"/> (the connection is refused).</summary>
    public SessionSettings(string user, IReadOnlyDictionary<string, string> startupParameters)
    {
        foreach ((string name, (string _, string defaultValue, bool _)) in Known)
        {
            SetValue(name, defaultValue);
        }
        SetValue("session_authorization", user);
        foreach ((string name, string value) in StartupSettings(startupParameters))
        {
            // The startup packet also carries user, database, replication and the like, which are not settings.
            if (Known.TryGetValue(name, out var known) && !known.ReadOnly)
            {
                Set(name, value);
            }
            else if (name.Contains('.', StringComparison.Ordinal))
            {
                SetValue(name, value);
            }
        }
        foreach ((string name, string value) in values)
        {
            sessionDefaults[name] = value;
        }
        Refresh();
    }

    /// <summary>The startup packet's parameters, with the "-c name=value" and "--name=value" switches of its options
    /// parameter (libpq's PGOPTIONS, Npgsql's Options) spread out, as PostgreSQL's process_startup_options does.</summary>
    private static IEnumerable<KeyValuePair<string, string>> StartupSettings(IReadOnlyDictionary<string, string> parameters)
    {
        foreach (var pair in parameters)
        {
            if (!pair.Key.Equals("options", StringComparison.OrdinalIgnoreCase))
            {
                yield return pair;
                continue;
            }
            var words = SplitOptions(pair.Value);
            for (int index = 0; index < words.Count; index++)
            {
                string word = words[index];
                string? setting = null;
                if (word == "-c" && index + 1 < words.Count) setting = words[++index];
                else if (word.StartsWith("-c", StringComparison.Ordinal)) setting = word[2..];
                else if (word.StartsWith("--", StringComparison.Ordinal)) setting = word[2..];
                int equals = setting?.IndexOf('=', StringComparison.Ordinal) ?? -1;
                if (setting is null || equals <= 0)
                {
                    throw new SqlException(SqlState.SyntaxError, $"invalid command-line argument for server process: {word}",
                        hint: "Try \"postgres --help\" for more information.");
                }
                yield return new(setting[..equals].Replace('-', '_'), setting[(equals + 1)..]);
            }
        }
    }

    /// <summary>pg_split_opts: words separated by spaces, a backslash keeps the next character.</summary>
    private static List<string> SplitOptions(string options)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        for (int index = 0; index < options.Length; index++)
        {
            char character = options[index];
            if (char.IsWhiteSpace(character))
            {
                if (word.Length > 0) words.Add(word.ToString());
                word.Clear();
            }
            else if (character == '\\' && index + 1 < options.Length)
            {
                word.Append(options[++index]);
            }
            else
            {
                word.Append(character);
            }
        }
        if (word.Length > 0) words.Add(word.ToString());
        return words;
    }

    /// <summary>What the session reports with ParameterStatus, by PostgreSQL's display names.</summary>
    public IReadOnlyDictionary<string, string> Reported => reported;

    /// <summary>Moves whenever <see cref="Reported"/> is rebuilt, so that the wire compares it only then.</summary>
    public long ReportedVersion { get; private set; }

    /// <summary>How the wire server writes values in text for this session.</summary>
    public PgTypeSettings TypeSettings => typeSettings;

    /// <summary>The TimeZone and DateStyle order the engine reads date/time input and writes timestamptz text with.</summary>
    public DateTimeSettings DateTimeSettings => dateTimeSettings;

    /// <summary>statement_timeout, or null when it is 0 (off).</summary>
    public TimeSpan? StatementTimeout =>
        ParseMilliseconds(values["statement_timeout"]) is var milliseconds and > 0 ? TimeSpan.FromMilliseconds(milliseconds) : null;

    /// <summary>log.copy_batch_rows: COPY FROM commits every this many rows (and sooner when the transaction's limits
    /// would be reached), instead of being one atomic statement bounded by them; 0 (the default) is off.</summary>
    public const string CopyBatchRowsName = "log.copy_batch_rows";

    /// <summary><see cref="CopyBatchRowsName"/>, 0 when off.</summary>
    public int CopyBatchRows => int.Parse(values[CopyBatchRowsName], CultureInfo.InvariantCulture);

    /// <summary>The current values, to put back when a transaction that changed them rolls back (PostgreSQL undoes SET then).
    /// Every transaction starts with one, and most change nothing: while no value has changed since the last copy, the
    /// same copy (never changed itself) is handed out again.</summary>
    public IReadOnlyDictionary<string, string> Save()
    {
        if (savedCopy is null || savedAtChange != changeCount)
        {
            savedCopy = new Dictionary<string, string>(values, StringComparer.OrdinalIgnoreCase);
            savedAtChange = changeCount;
        }
        return savedCopy;
    }

    /// <summary>The one way a value is set, so that <see cref="Save"/> knows whether its copy is still current.</summary>
    private void SetValue(string name, string value)
    {
        if (!values.TryGetValue(name, out string? current) || !string.Equals(current, value, StringComparison.Ordinal))
        {
            values[name] = value;
            changeCount++;
        }
    }

    private void RemoveValue(string name)
    {
        if (values.Remove(name))
        {
            changeCount++;
        }
    }

    public void Restore(IReadOnlyDictionary<string, string> saved)
    {
        if (ReferenceEquals(saved, savedCopy) && savedAtChange == changeCount)
        {
            // Nothing changed since the copy was taken (a ROLLBACK of a transaction without SET).
            return;
        }
        values.Clear();
        changeCount++;
        foreach ((string name, string value) in saved)
        {
            SetValue(name, value);
        }
        Refresh();
    }

    /// <summary>SHOW name: the current value, or 42704 for an unknown setting.</summary>
    public (string Name, string Value) Show(string name)
    {
        if (values.TryGetValue(name, out string? value))
        {
            return (Known.TryGetValue(name, out var known) ? known.Display : name, value);
        }
        throw new SqlException(SqlState.UndefinedObject, $"unrecognized configuration parameter \"{name}\"");
    }

    /// <summary>SHOW ALL: every setting, sorted by name as PostgreSQL sorts them.</summary>
    public IEnumerable<(string Name, string Value)> ShowAll() =>
        values.Select(pair => (Known.TryGetValue(pair.Key, out var known) ? known.Display : pair.Key, pair.Value))
            .OrderBy(pair => pair.Item1.ToLowerInvariant(), StringComparer.Ordinal);

    /// <summary>RESET name (value null) or SET name = value. Throws <see cref="SqlException"/> for an unknown setting,
    /// a read-only one, or a value we cannot honour; nothing changes then.</summary>
    public void Apply(string name, string? value)
    {
        if (name.Equals("all", StringComparison.OrdinalIgnoreCase) && value is null)
        {
            // RESET ALL keeps the session user, as PostgreSQL's does (DISCARD ALL resets it).
            string sessionUser = values[SessionAuthorizationName];
            ResetAll();
            SetValue(SessionAuthorizationName, sessionUser);
            Refresh();
            return;
        }
        if (name.Equals(SessionAuthorizationName, StringComparison.OrdinalIgnoreCase))
        {
            // SET SESSION AUTHORIZATION: the session user, and the current role with it (the engine checks both against
            // the catalog at the next statement); DEFAULT and RESET go back to the user the session logged in as.
            SetValue(SessionAuthorizationName, value is null || value.Equals("default", StringComparison.OrdinalIgnoreCase) ? LoginUser : value);
            SetValue("role", "none");
            Refresh();
            return;
        }
        if (value is null || value.Equals("default", StringComparison.OrdinalIgnoreCase))
        {
            if (!values.ContainsKey(name) && !name.Contains('.', StringComparison.Ordinal))
            {
                throw new SqlException(SqlState.UndefinedObject, $"unrecognized configuration parameter \"{name}\"");
            }
            if (Known.TryGetValue(name, out var known) && known.ReadOnly)
            {
                throw CannotBeChanged(known.Display);
            }
            if (sessionDefaults.TryGetValue(name, out string? defaultValue))
            {
                SetValue(name, defaultValue);
            }
            else
            {
                RemoveValue(name);
            }
            Refresh();
            return;
        }
        Set(name, value);
        Refresh();
    }

    private const string SessionAuthorizationName = "session_authorization";

    /// <summary>The user the session logged in as (SET SESSION AUTHORIZATION changes the session user, not this).</summary>
    public string LoginUser => sessionDefaults[SessionAuthorizationName];

    /// <summary>A transaction starts: transaction_read_only takes the session's default, as in PostgreSQL.</summary>
    public void StartTransaction()
    {
        SetValue("transaction_read_only", values["default_transaction_read_only"]);
    }

    /// <summary>transaction_read_only: writes are refused (25006).</summary>
    public bool TransactionReadOnly => values["transaction_read_only"] == "on";

    /// <summary>RESET ALL, also part of DISCARD ALL.</summary>
    public void ResetAll()
    {
        values.Clear();
        changeCount++;
        foreach ((string name, string value) in sessionDefaults)
        {
            SetValue(name, value);
        }
        Refresh();
    }

    private void Set(string name, string value)
    {
        if (!Known.TryGetValue(name, out var known))
        {
            // A qualified name is a custom setting (myapp.tenant), which PostgreSQL keeps as a placeholder.
            if (name.Contains('.', StringComparison.Ordinal))
            {
                SetValue(name, value);
                return;
            }
            throw new SqlException(SqlState.UndefinedObject, $"unrecognized configuration parameter \"{name}\"");
        }
        if (known.ReadOnly)
        {
            throw CannotBeChanged(known.Display);
        }
        SetValue(name, name.ToLowerInvariant() switch
        {
            "application_name" => TruncateToBytes(value, ApplicationNameBytesMax),
            "client_encoding" => CheckClientEncoding(value),
            "datestyle" => CheckDateStyle(value),
            "intervalstyle" => CheckIntervalStyle(value),
            "timezone" => CheckTimeZone(value),
            "extra_float_digits" => CheckExtraFloatDigits(value),
            "statement_timeout" => FormatMilliseconds(CheckMilliseconds(known.Display, value)),
            "lock_timeout" or "idle_in_transaction_session_timeout" => FormatMilliseconds(CheckMilliseconds(known.Display, value)),
            "standard_conforming_strings" => CheckOn(known.Display, value,
                "standard_conforming_strings = off is not supported: string literals always treat backslashes literally"),
            "transaction_isolation" or "default_transaction_isolation" => CheckIsolation(known.Display, value),
            "transaction_read_only" or "default_transaction_read_only" => ParseBoolean(known.Display, value) ? "on" : "off",
            "bytea_output" => value.Equals("hex", StringComparison.OrdinalIgnoreCase) ? "hex"
                : throw new SqlException(SqlState.FeatureNotSupported, "bytea_output other than hex is not supported"),
            "search_path" => Sql.Catalog.RelationResolver.Canonical(value),
            CopyBatchRowsName => CheckNonNegativeInteger(known.Display, value),
            _ => value,
        });
    }

    private void Refresh()
    {
        ReportedVersion++;
        reported.Clear();
        foreach (string display in ReportedNames)
        {
            reported[display] = values[display];
        }
        var zoneName = values["timezone"];
        var settings = new PgTypeSettings
        {
            TimeZone = FindTimeZone(zoneName) ?? TimeZoneInfo.Utc,
            ExtraFloatDigits = int.Parse(values["extra_float_digits"], CultureInfo.InvariantCulture),
            DateStyle = values["datestyle"],
            IntervalStyle = values["intervalstyle"],
        };
        // The wire server reads TypeSettings before each message: hand it the same instance while nothing changes.
        if (settings != typeSettings)
        {
            typeSettings = settings;
        }
        // The engine reads input and casts timestamptz to text in the same zone the wire writes output in.
        var dateTime = new DateTimeSettings(settings.TimeZone, DateTimeSettings.OrderOf(settings.DateStyle)) { ExtraFloatDigits = settings.ExtraFloatDigits };
        if (dateTime != dateTimeSettings)
        {
            dateTimeSettings = dateTime;
        }
    }

    private static SqlException CannotBeChanged(string display) =>
        new("55P02", $"parameter \"{display}\" cannot be changed");

    private static SqlException InvalidValue(string display, string value, string? detail = null) =>
        new(SqlState.InvalidParameterValue, $"invalid value for parameter \"{display}\": \"{value}\"", detail: detail);

    private static string CheckNonNegativeInteger(string display, string value)
    {
        if (!int.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int number))
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"invalid value for parameter \"{display}\": \"{value}\"");
        }
        if (number < 0)
        {
            throw new SqlException(SqlState.InvalidParameterValue,
                $"{number.ToString(CultureInfo.InvariantCulture)} is outside the valid range for parameter \"{display}\" (0 .. {int.MaxValue.ToString(CultureInfo.InvariantCulture)})");
        }
        return number.ToString(CultureInfo.InvariantCulture);
    }

    private static string CheckClientEncoding(string value)
    {
        // PostgreSQL's clean_encoding_name ignores every character but letters and digits ('utf-8', "'UTF8'").
        string name = new(value.Where(char.IsAsciiLetterOrDigit).ToArray());
        if (name.Equals("UTF8", StringComparison.OrdinalIgnoreCase) || name.Equals("UNICODE", StringComparison.OrdinalIgnoreCase))
        {
            return "UTF8";
        }
        if (OtherEncodings.Any(encoding => string.Equals(new string(encoding.Where(char.IsAsciiLetterOrDigit).ToArray()), name, StringComparison.OrdinalIgnoreCase)))
        {
            // What PostgreSQL says when it has no conversion between the two encodings.
            throw new SqlException(SqlState.FeatureNotSupported,
                $"conversion between {value.Trim().ToUpperInvariant()} and UTF8 is not supported");
        }
        throw InvalidValue("client_encoding", value);
    }

    /// <summary>Only the ISO output style is written by the wire codecs; the field order (MDY/DMY/YMD) only affects input.</summary>
    private static string CheckDateStyle(string value)
    {
        string output = "ISO";
        string order = "MDY";
        foreach (string part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (part.ToUpperInvariant())
            {
                case "ISO":
                    output = "ISO";
                    break;
                case "MDY" or "US" or "NONEURO" or "NONEUROPEAN":
                    order = "MDY";
                    break;
                case "DMY" or "EURO" or "EUROPEAN":
                    order = "DMY";
                    break;
                case "YMD":
                    order = "YMD";
                    break;
                case "SQL" or "POSTGRES" or "GERMAN":
                    throw new SqlException(SqlState.FeatureNotSupported, $"DateStyle \"{part}\" is not supported: only ISO output is");
                default:
                    throw InvalidValue("DateStyle", value, $"Unrecognized key word: \"{part}\".");
            }
        }
        return $"{output}, {order}";
    }

    private static string CheckIntervalStyle(string value)
    {
        string style = value.Trim().ToLowerInvariant();
        // Every style is accepted and reported, as PostgreSQL does; the wire codecs write intervals in the postgres
        // style whatever it says (see wire/README.md).
        return style switch
        {
            "postgres" or "postgres_verbose" or "sql_standard" or "iso_8601" => style,
            _ => throw new SqlException(SqlState.InvalidParameterValue, $"invalid value for parameter \"IntervalStyle\": \"{value}\"",
                hint: "Available values: postgres, postgres_verbose, sql_standard, iso_8601."),
        };
    }

    private static string CheckTimeZone(string value)
    {
        string zone = value.Trim();
        if (zone.Equals("local", StringComparison.OrdinalIgnoreCase))
        {
            return "UTC";
        }
        if (FindTimeZone(zone) is null)
        {
            throw InvalidValue("TimeZone", value);
        }
        return zone;
    }

    /// <summary>An IANA zone name, UTC/GMT/Z, or a number of hours east of Greenwich as SET TIME ZONE takes it.</summary>
    private static TimeZoneInfo? FindTimeZone(string name)
    {
        if (name.Equals("UTC", StringComparison.OrdinalIgnoreCase) || name.Equals("GMT", StringComparison.OrdinalIgnoreCase)
            || name.Equals("Z", StringComparison.OrdinalIgnoreCase) || name.Equals("Etc/UTC", StringComparison.OrdinalIgnoreCase))
        {
            return TimeZoneInfo.Utc;
        }
        if (double.TryParse(name, NumberStyles.Float, CultureInfo.InvariantCulture, out double hours) && Math.Abs(hours) <= 15)
        {
            var offset = TimeSpan.FromMinutes(Math.Round(hours * 60));
            return TimeZoneInfo.CreateCustomTimeZone(name, offset, name, name);
        }
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(name);
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            return null;
        }
    }

    private static string CheckExtraFloatDigits(string value)
    {
        if (!int.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int digits))
        {
            throw new SqlException(SqlState.InvalidParameterValue,
                $"invalid value for parameter \"extra_float_digits\": \"{value}\"");
        }
        if (digits < ExtraFloatDigitsMin || digits > ExtraFloatDigitsMax)
        {
            throw new SqlException(SqlState.InvalidParameterValue,
                $"{digits} is outside the valid range for parameter \"extra_float_digits\" ({ExtraFloatDigitsMin} .. {ExtraFloatDigitsMax})");
        }
        return digits.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A duration setting in milliseconds: a plain number is milliseconds; units us, ms, s, min, h, d as in PostgreSQL.</summary>
    private static long CheckMilliseconds(string display, string value)
    {
        long? milliseconds = TryParseMilliseconds(value);
        if (milliseconds is null)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"invalid value for parameter \"{display}\": \"{value}\"",
                hint: "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".");
        }
        if (milliseconds < 0 || milliseconds > StatementTimeoutMsMax)
        {
            throw new SqlException(SqlState.InvalidParameterValue,
                $"{value.Trim()} ms is outside the valid range for parameter \"{display}\" (0 .. {StatementTimeoutMsMax})");
        }
        return milliseconds.Value;
    }

    private static long ParseMilliseconds(string value) => TryParseMilliseconds(value) ?? 0;

    private static long? TryParseMilliseconds(string value)
    {
        string text = value.Trim();
        int unitStart = 0;
        while (unitStart < text.Length && (char.IsAsciiDigit(text[unitStart]) || text[unitStart] is '-' or '+' or '.'))
        {
            unitStart++;
        }
        if (!double.TryParse(text.AsSpan(0, unitStart), NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
        {
            return null;
        }
        double factor = text[unitStart..].Trim() switch
        {
            "" or "ms" => 1,
            "us" => 0.001,
            "s" => 1_000,
            "min" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => double.NaN,
        };
        if (double.IsNaN(factor))
        {
            return null;
        }
        return (long)Math.Round(number * factor);
    }

    /// <summary>PostgreSQL's SHOW of a duration: the largest unit that divides it exactly.</summary>
    private static string FormatMilliseconds(long milliseconds)
    {
        if (milliseconds == 0)
        {
            return "0";
        }
        foreach ((long size, string unit) in new[] { (86_400_000L, "d"), (3_600_000L, "h"), (60_000L, "min"), (1_000L, "s") })
        {
            if (milliseconds % size == 0)
            {
                return (milliseconds / size).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }
        return milliseconds.ToString(CultureInfo.InvariantCulture) + "ms";
    }

    private static string CheckOn(string display, string value, string unsupported)
    {
        return ParseBoolean(display, value) ? "on" : throw new SqlException(SqlState.FeatureNotSupported, unsupported);
    }

    private static bool ParseBoolean(string display, string value) => value.Trim().ToLowerInvariant() switch
    {
        "on" or "true" or "yes" or "1" or "t" or "y" => true,
        "off" or "false" or "no" or "0" or "f" or "n" => false,
        _ => throw new SqlException(SqlState.InvalidParameterValue, $"parameter \"{display}\" requires a Boolean value"),
    };

    /// <summary>Every level is accepted and every transaction runs at snapshot isolation (REPEATABLE READ), as in Aurora
    /// DSQL: READ COMMITTED and READ UNCOMMITTED get a stronger level than they asked for; SERIALIZABLE a weaker one
    /// (write skew is possible), which is why SHOW always answers "repeatable read".</summary>
    private static string CheckIsolation(string display, string value)
    {
        string level = string.Join(' ', value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
        if (!IsolationLevels.Contains(level))
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"invalid value for parameter \"{display}\": \"{value}\"",
                hint: "Available values: serializable, repeatable read, read committed, read uncommitted.");
        }
        return "repeatable read";
    }

    private static string TruncateToBytes(string value, int bytesMax)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(value) <= bytesMax)
        {
            return value;
        }
        var length = value.Length;
        while (System.Text.Encoding.UTF8.GetByteCount(value.AsSpan(0, length)) > bytesMax)
        {
            length--;
        }
        if (length > 0 && char.IsHighSurrogate(value[length - 1]))
        {
            length--;
        }
        return value[..length];
    }
}
