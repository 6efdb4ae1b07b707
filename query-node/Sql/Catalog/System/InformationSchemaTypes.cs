using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Catalog.System;

/// <summary>
/// What information_schema says about a type wherever it describes one (a column, an array element, a sequence, a
/// routine's result or parameter), as PostgreSQL's helper functions compute it: data_type is format_type without the
/// modifier, ARRAY for an array; the lengths, precisions and scales come from the modifier (_pg_char_max_length,
/// _pg_char_octet_length, _pg_numeric_precision, _pg_numeric_precision_radix, _pg_numeric_scale,
/// _pg_datetime_precision).
/// </summary>
internal sealed record DataTypeFacts(string DataType, string UdtName, int? CharacterMaximumLength, int? CharacterOctetLength, int? NumericPrecision,
    int? NumericPrecisionRadix, int? NumericScale, int? DatetimePrecision)
{
    /// <summary>The octet length of a character type without a length limit: PostgreSQL's 1 GB field limit.</summary>
    private const int UnlimitedCharacterOctetLength = 1 << 30;

    /// <summary>The most bytes one character takes in the database's encoding (UTF8's pg_encoding_max_length).</summary>
    private const int EncodingMaximumCharacterBytes = 4;

    /// <summary>The datetime precision of a time, timestamp or interval declared without one: microseconds.</summary>
    private const int DefaultDatetimePrecision = 6;

    /// <summary>interval's typmod keeps the precision in its low 16 bits, all ones when none was given.</summary>
    private const int IntervalPrecisionMask = 0xFFFF;

    public static DataTypeFacts Of(SqlType type)
    {
        long oid = type.Oid;
        string dataType = type.IsArray ? "ARRAY" : TypeNames.Format(oid, -1) ?? type.DisplayName;
        string udtName = BuiltinTypes.Find(oid)?.Name ?? type.DisplayName;
        int? maximumLength = type.Kind is TypeKind.Varchar or TypeKind.Bpchar && type.MaxLength >= 0 ? type.MaxLength : null;
        int? octetLength = type.Kind is TypeKind.Text or TypeKind.Varchar or TypeKind.Bpchar
            ? maximumLength is int length ? length * EncodingMaximumCharacterBytes : UnlimitedCharacterOctetLength
            : null;
        bool numericModifier = type.Kind == TypeKind.Numeric && type.Modifier >= 0;
        int? precision = type.Kind switch
        {
            TypeKind.Int2 => 16,
            TypeKind.Int4 => 32,
            TypeKind.Int8 => 64,
            TypeKind.Float4 => 24,
            TypeKind.Float8 => 53,
            TypeKind.Numeric => numericModifier ? type.NumericPrecision : null,
            _ => null,
        };
        int? radix = type.Kind switch
        {
            TypeKind.Int2 or TypeKind.Int4 or TypeKind.Int8 or TypeKind.Float4 or TypeKind.Float8 => 2,
            TypeKind.Numeric => 10,
            _ => null,
        };
        int? scale = type.Kind switch
        {
            TypeKind.Int2 or TypeKind.Int4 or TypeKind.Int8 => 0,
            TypeKind.Numeric => numericModifier ? type.NumericScale : null,
            _ => null,
        };
        int? datetimePrecision = type.Kind switch
        {
            TypeKind.Date => 0,
            TypeKind.Time or TypeKind.Timestamp or TypeKind.TimestampTz => type.Modifier < 0 ? DefaultDatetimePrecision : type.Modifier,
            TypeKind.Interval => type.Modifier < 0 || (type.Modifier & IntervalPrecisionMask) == IntervalPrecisionMask
                ? DefaultDatetimePrecision
                : type.Modifier & IntervalPrecisionMask,
            _ => null,
        };
        return new DataTypeFacts(dataType, udtName, maximumLength, octetLength, precision, radix, scale, datetimePrecision);
    }
}
