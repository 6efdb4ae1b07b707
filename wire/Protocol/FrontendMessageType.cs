namespace Log.Wire.Protocol;

/// <summary>The type bytes of frontend (client to server) messages after startup.</summary>
internal static class FrontendMessageType
{
    public const byte Bind = (byte)'B';
    public const byte Close = (byte)'C';
    public const byte CopyData = (byte)'d';
    public const byte CopyDone = (byte)'c';
    public const byte CopyFail = (byte)'f';
    public const byte Describe = (byte)'D';
    public const byte Execute = (byte)'E';
    public const byte Flush = (byte)'H';
    public const byte FunctionCall = (byte)'F';
    public const byte Parse = (byte)'P';
    /// <summary>PasswordMessage, and also SASLInitialResponse, SASLResponse and GSSResponse.</summary>
    public const byte PasswordMessage = (byte)'p';
    public const byte Query = (byte)'Q';
    public const byte Sync = (byte)'S';
    public const byte Terminate = (byte)'X';

    public static bool IsKnown(byte type) => type switch
    {
        Bind or Close or CopyData or CopyDone or CopyFail or Describe or Execute or Flush
            or FunctionCall or Parse or PasswordMessage or Query or Sync or Terminate => true,
        _ => false,
    };

    /// <summary>The messages of the extended query protocol, after an error in which the server skips until Sync.</summary>
    public static bool IsExtendedQuery(byte type) => type switch
    {
        Bind or Close or Describe or Execute or Flush or Parse or Sync => true,
        _ => false,
    };

    /// <summary>For error messages: the type byte as PostgreSQL prints it.</summary>
    public static string Display(byte type) =>
        type is >= 0x20 and < 0x7f ? $"'{(char)type}' ({type})" : type.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
