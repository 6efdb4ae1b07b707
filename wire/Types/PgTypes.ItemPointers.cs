using System.Globalization;

namespace Log.Wire.Types;

/// <summary>tid, a row's (block, offset): held as one long, the block in bits 16 to 47 and the offset in the low 16.</summary>
public static partial class PgTypes
{
    /// <summary>A tid value from its block and offset.</summary>
    public static long Tid(uint block, ushort offset) => (long)block << 16 | offset;

    private static string FormatTid(long tid) =>
        string.Create(CultureInfo.InvariantCulture, $"({(uint)(tid >> 16)},{(ushort)tid})");

    /// <summary>tidin: "(block,offset)"; whatever precedes the parenthesis or follows the closing one is ignored, each
    /// number may have leading spaces, the block is an unsigned 32-bit number (or a negative 32-bit one, taken as its
    /// two's complement) and the offset 0 to 65535.</summary>
    private static long ParseTid(string text) => TryParseTid(text, out long tid) ? tid : throw InvalidSyntax(PgTypeOid.Tid, text);

    /// <summary>Reads tid's text format (see <see cref="ParseTid"/>); false for text tidin refuses.</summary>
    public static bool TryParseTid(string text, out long tid)
    {
        ArgumentNullException.ThrowIfNull(text);
        tid = 0;
        int open = text.IndexOf('(', StringComparison.Ordinal);
        int comma = open < 0 ? -1 : text.IndexOf(',', open + 1);
        int close = comma < 0 ? -1 : text.IndexOf(')', comma + 1);
        if (close < 0) return false;
        string blockText = text[(open + 1)..comma].TrimStart();
        string offsetText = text[(comma + 1)..close].TrimStart();
        if (!long.TryParse(blockText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long block) || block < int.MinValue || block > uint.MaxValue
            || !int.TryParse(offsetText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int offset) || offset < 0 || offset > ushort.MaxValue)
        {
            return false;
        }
        tid = Tid(unchecked((uint)block), (ushort)offset);
        return true;
    }
}
