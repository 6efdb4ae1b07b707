namespace Log.Wire;

/// <summary>The transaction status indicator of ReadyForQuery.</summary>
public enum PgTransactionStatus : byte
{
    Idle = (byte)'I',
    InTransaction = (byte)'T',
    Failed = (byte)'E',
}
