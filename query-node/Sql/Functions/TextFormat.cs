using System.Text;
using Log.QueryNode.Execution;

namespace Log.QueryNode.Sql.Functions;

/// <summary>
/// format(formatstr, args...) as PostgreSQL's text_format: %s (the value as text, NULL as nothing), %I (a quoted
/// identifier; NULL is an error), %L (a quoted literal, NULL unquoted) and %%; each may name its argument (%2$s), be
/// left-aligned (%-10s) and take a width, written or from an argument (%*s, %*2$s). An argument without a position
/// is the one after the previous one used.
/// </summary>
internal static class TextFormat
{
    private const string SingleQuoteHint = "For a single \"%\" use \"%%\".";

    public static string Format(string format, ReadOnlySpan<object?> arguments, EvaluationContext context)
    {
        var result = new StringBuilder(format.Length);
        int nextArgument = 0;
        int index = 0;
        while (index < format.Length)
        {
            char current = format[index++];
            if (current != '%')
            {
                result.Append(current);
                continue;
            }
            if (index >= format.Length) throw Unterminated();
            if (format[index] == '%')
            {
                result.Append('%');
                index++;
                continue;
            }
            int? position = ReadPosition(format, ref index);
            bool leftAlign = false;
            if (index < format.Length && format[index] == '-')
            {
                leftAlign = true;
                index++;
            }
            int width = 0;
            if (index < format.Length && format[index] == '*')
            {
                index++;
                int? widthPosition = ReadPosition(format, ref index);
                int widthArgument = widthPosition is { } named ? named - 1 : nextArgument;
                if (widthArgument >= arguments.Length) throw new SqlException(SqlState.InvalidParameterValue, "too few arguments for format()");
                nextArgument = widthArgument + 1;
                object? widthValue = arguments[widthArgument];
                width = widthValue is null ? 0 : Convert.ToInt32(widthValue, System.Globalization.CultureInfo.InvariantCulture);
                if (width < 0)
                {
                    leftAlign = true;
                    width = width == int.MinValue ? int.MaxValue : -width;
                }
            }
            else
            {
                width = ReadNumber(format, ref index) ?? 0;
            }
            if (index >= format.Length) throw Unterminated();
            char type = format[index++];
            if (type is not ('s' or 'I' or 'L'))
            {
                throw new SqlException(SqlState.InvalidParameterValue, $"unrecognized format() type specifier \"{type}\"", hint: SingleQuoteHint);
            }
            int argumentIndex = position is { } explicitPosition ? explicitPosition - 1 : nextArgument;
            if (argumentIndex >= arguments.Length) throw new SqlException(SqlState.InvalidParameterValue, "too few arguments for format()");
            nextArgument = argumentIndex + 1;
            object? value = arguments[argumentIndex];
            string text;
            switch (type)
            {
                case 's':
                    text = value is null ? "" : BuiltinFunctions.OutputText(value, context.ArgumentType(argumentIndex + 1), context);
                    break;
                case 'I':
                    if (value is null) throw new SqlException(EngineSqlState.NullValueNotAllowed, "null values cannot be formatted as an SQL identifier");
                    text = BuiltinFunctions.QuoteIdentifier(BuiltinFunctions.OutputText(value, context.ArgumentType(argumentIndex + 1), context));
                    break;
                default:
                    text = value is null ? "NULL" : BuiltinFunctions.QuoteLiteral(BuiltinFunctions.OutputText(value, context.ArgumentType(argumentIndex + 1), context));
                    break;
            }
            int padding = width - text.Length;
            if (padding > 0 && !leftAlign) result.Append(' ', padding);
            result.Append(text);
            if (padding > 0 && leftAlign) result.Append(' ', padding);
        }
        return result.ToString();
    }

    /// <summary>An argument position "n$"; leaves the index where it was when the digits are not followed by '$'.</summary>
    private static int? ReadPosition(string format, ref int index)
    {
        int start = index;
        int? number = ReadNumber(format, ref index);
        if (number is null) return null;
        if (index < format.Length && format[index] == '$')
        {
            index++;
            if (number == 0) throw new SqlException(SqlState.InvalidParameterValue, "format specifies argument 0, but arguments are numbered from 1");
            return number;
        }
        index = start;
        return null;
    }

    private static int? ReadNumber(string format, ref int index)
    {
        int start = index;
        long value = 0;
        while (index < format.Length && format[index] is >= '0' and <= '9')
        {
            value = value * 10 + (format[index] - '0');
            if (value > int.MaxValue) throw new SqlException(SqlState.InvalidParameterValue, "number is out of range");
            index++;
        }
        return index == start ? null : (int)value;
    }

    private static SqlException Unterminated() =>
        new(SqlState.InvalidParameterValue, "unterminated format() type specifier", hint: SingleQuoteHint);
}
