namespace Log.Wire;

/// <summary>The SQLSTATE codes that the protocol layer itself raises (PostgreSQL's errcodes.txt names).</summary>
public static class PgSqlState
{
    public const string ProtocolViolation = "08P01";
    public const string FeatureNotSupported = "0A000";
    public const string InvalidAuthorizationSpecification = "28000";
    public const string InvalidPassword = "28P01";
    public const string TooManyConnections = "53300";
    /// <summary>Aurora DSQL's answer to a connection beyond its rate limit (PostgreSQL's configuration_limit_exceeded).</summary>
    public const string ConfiguredLimitExceeded = "53400";
    /// <summary>PostgreSQL's idle_session_timeout; used for a connection that reached its lifetime.</summary>
    public const string IdleSessionTimeout = "57P05";
    public const string AdminShutdown = "57P01";
    public const string CharacterNotInRepertoire = "22021";
    public const string InternalError = "XX000";
    public const string QueryCanceled = "57014";
}
