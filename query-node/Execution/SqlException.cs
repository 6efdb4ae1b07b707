namespace Log.QueryNode.Execution;

/// <summary>
/// An expected SQL error: bad input, a constraint, a conflict. Carries what PostgreSQL's
/// ErrorResponse carries. Thrown inside the SQL pipeline and turned into an ErrorResponse at the
/// session; it never brings down a connection.
/// </summary>
public sealed class SqlException : Exception
{
    public SqlException(string sqlState, string message, int? position = null, string? detail = null, string? hint = null)
        : base(message)
    {
        SqlState = sqlState;
        Position = position;
        Detail = detail;
        Hint = hint;
    }

    /// <summary>Five-character SQLSTATE, see <see cref="SqlState"/>.</summary>
    public string SqlState { get; }

    /// <summary>1-based character position in the query text, as PostgreSQL reports it.</summary>
    public int? Position { get; }

    public string? Detail { get; }
    public string? Hint { get; }
}

/// <summary>SQLSTATE codes, with PostgreSQL's names (errcodes.txt).</summary>
public static class SqlState
{
    public const string SuccessfulCompletion = "00000";
    public const string FeatureNotSupported = "0A000";
    public const string InvalidTransactionState = "25000";
    public const string InFailedSqlTransaction = "25P02";
    public const string NoActiveSqlTransaction = "25P01";
    public const string ActiveSqlTransaction = "25001";
    public const string InvalidCursorName = "34000";
    public const string DuplicateCursor = "42P03";
    public const string InvalidSqlStatementName = "26000";
    public const string DuplicatePreparedStatement = "42P05";
    public const string SerializationFailure = "40001";
    public const string SyntaxError = "42601";
    public const string NameTooLong = "42622";
    public const string UndefinedTable = "42P01";
    public const string UndefinedColumn = "42703";
    public const string UndefinedFunction = "42883";
    public const string DuplicateTable = "42P07";
    public const string DuplicateColumn = "42701";
    public const string DuplicateObject = "42710";
    public const string AmbiguousColumn = "42702";
    public const string DatatypeMismatch = "42804";
    public const string GroupingError = "42803";
    public const string InvalidTableDefinition = "42P16";
    public const string InvalidColumnReference = "42P10";
    public const string UndefinedObject = "42704";
    public const string CannotCoerce = "42846";
    public const string UniqueViolation = "23505";
    public const string NotNullViolation = "23502";
    public const string CheckViolation = "23514";
    public const string ForeignKeyViolation = "23503";
    public const string InvalidForeignKey = "42830";
    public const string DependentObjectsStillExist = "2BP01";
    public const string NumericValueOutOfRange = "22003";
    public const string InvalidTextRepresentation = "22P02";
    public const string StringDataRightTruncation = "22001";
    public const string DivisionByZero = "22012";
    public const string InvalidParameterValue = "22023";
    public const string SequenceGeneratorLimitExceeded = "2200H";
    public const string WrongObjectType = "42809";
    public const string GeneratedAlways = "428C9";
    public const string InvalidNameSyntax = "42602";
    public const string CharacterNotInRepertoire = "22021";
    public const string ArraySubscriptError = "2202E";
    public const string ArrayElementError = "2202E";
    public const string IndeterminateDatatype = "42P18";
    public const string InvalidDatetimeFormat = "22007";
    public const string DatetimeFieldOverflow = "22008";
    public const string IntervalFieldOverflow = "22015";
    public const string InvalidEscapeSequence = "22025";
    public const string NullValueNotAllowed = "22004";
    public const string InvalidJsonText = "22032";
    public const string SqlJsonMemberNotFound = "2203A";
    public const string ObjectNotInPrerequisiteState = "55000";
    public const string CardinalityViolation = "21000";
    public const string BadCopyFileFormat = "22P04";
    public const string ProgramLimitExceeded = "54000";
    public const string TooManyConnections = "53300";
    public const string ProtocolViolation = "08P01";
    public const string QueryCanceled = "57014";
    public const string InternalError = "XX000";
    public const string AdminShutdown = "57P01";
    public const string ConnectionFailure = "08006";
    public const string TransactionResolutionUnknown = "08007";
    public const string CannotConnectNow = "57P03";
    public const string IoError = "58030";
    public const string InvalidAuthorizationSpecification = "28000";
    public const string InvalidPassword = "28P01";
    public const string InvalidCatalogName = "3D000";
    public const string InvalidSavepointSpecification = "3B001";
    public const string WithCheckOptionViolation = "44000";
    public const string InsufficientPrivilege = "42501";
    public const string ReservedName = "42939";
}
