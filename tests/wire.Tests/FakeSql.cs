using System.Globalization;
using Log.Wire.Types;

namespace Log.Wire.Tests;

/// <summary>
/// Just enough SQL, spelled as PostgreSQL spells it, for the fake session to answer exactly as
/// PostgreSQL does, so that one script runs against both: "SELECT item, ..." where an item is
/// $n, $n::type, 'literal', 'literal'::type, NULL::type or an integer; and
/// "SELECT generate_series(1, N)".
/// </summary>
internal sealed record FakeStatement(int[] ParameterTypeOids, PgField[]? Fields, FakeItem[] Items, int SeriesCount)
{
    private static readonly Dictionary<string, int> TypeOids = new(StringComparer.OrdinalIgnoreCase)
    {
        ["int2"] = PgTypeOid.Int2, ["int4"] = PgTypeOid.Int4, ["int8"] = PgTypeOid.Int8,
        ["float4"] = PgTypeOid.Float4, ["float8"] = PgTypeOid.Float8, ["numeric"] = PgTypeOid.Numeric,
        ["bool"] = PgTypeOid.Bool, ["text"] = PgTypeOid.Text, ["varchar"] = PgTypeOid.Varchar,
        ["bpchar"] = PgTypeOid.Bpchar, ["bytea"] = PgTypeOid.Bytea, ["date"] = PgTypeOid.Date,
        ["time"] = PgTypeOid.Time, ["timestamp"] = PgTypeOid.Timestamp, ["timestamptz"] = PgTypeOid.Timestamptz,
        ["interval"] = PgTypeOid.Interval, ["uuid"] = PgTypeOid.Uuid, ["json"] = PgTypeOid.Json,
        ["jsonb"] = PgTypeOid.Jsonb, ["oid"] = PgTypeOid.Oid,
    };

    /// <summary>Null when the text is not in the grammar.</summary>
    public static FakeStatement? TryAnalyze(string text, IReadOnlyList<int> givenTypes)
    {
        string trimmed = text.Trim().TrimEnd(';').Trim();
        if (!trimmed.StartsWith("select ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        string list = trimmed[7..].Trim();
        if (list.StartsWith("generate_series(1,", StringComparison.OrdinalIgnoreCase) && list.EndsWith(')'))
        {
            int count = int.Parse(list[18..^1].Trim(), CultureInfo.InvariantCulture);
            return new FakeStatement([.. givenTypes], [Field("generate_series", PgTypeOid.Int4)], [], count);
        }
        var parameterTypes = new List<int>(givenTypes);
        var items = new List<FakeItem>();
        var fields = new List<PgField>();
        foreach (string raw in SplitItems(list))
        {
            string item = raw.Trim();
            string? typeName = null;
            int cast = item.LastIndexOf("::", StringComparison.Ordinal);
            if (cast > 0 && !item[cast..].Contains('\'', StringComparison.Ordinal))
            {
                typeName = item[(cast + 2)..].Trim();
                item = item[..cast].Trim();
            }
            int typeOid = typeName is null ? 0 : TypeOf(typeName);
            if (typeName is not null && typeOid == 0)
            {
                return null;
            }
            string name = typeName is null ? "?column?" : typeName.TrimEnd('[', ']');
            if (item.StartsWith('$'))
            {
                int number = int.Parse(item[1..], CultureInfo.InvariantCulture);
                while (parameterTypes.Count < number)
                {
                    parameterTypes.Add(0);
                }
                if (parameterTypes[number - 1] == 0)
                {
                    parameterTypes[number - 1] = typeOid == 0 ? PgTypeOid.Text : typeOid;
                }
                int resultType = typeOid == 0 ? parameterTypes[number - 1] : typeOid;
                items.Add(new FakeItem(number - 1, null, resultType));
                fields.Add(Field(name, resultType));
            }
            else if (item.StartsWith('\'') && item.EndsWith('\''))
            {
                int resultType = typeOid == 0 ? PgTypeOid.Text : typeOid;
                items.Add(new FakeItem(-1, item[1..^1].Replace("''", "'", StringComparison.Ordinal), resultType));
                fields.Add(Field(name, resultType));
            }
            else if (item.Equals("null", StringComparison.OrdinalIgnoreCase))
            {
                int resultType = typeOid == 0 ? PgTypeOid.Text : typeOid;
                items.Add(new FakeItem(-2, null, resultType));
                fields.Add(Field(name, resultType));
            }
            else if (long.TryParse(item, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long number))
            {
                int resultType = typeOid != 0 ? typeOid : number is >= int.MinValue and <= int.MaxValue ? PgTypeOid.Int4 : PgTypeOid.Int8;
                items.Add(new FakeItem(-1, item, resultType));
                fields.Add(Field(name, resultType));
            }
            else
            {
                return null;
            }
        }
        return new FakeStatement([.. parameterTypes], [.. fields], [.. items], -1);
    }

    private static int TypeOf(string name) =>
        name.EndsWith("[]", StringComparison.Ordinal)
            ? PgTypes.GetArrayTypeOid(TypeOids.GetValueOrDefault(name[..^2]))
            : TypeOids.GetValueOrDefault(name);

    private static PgField Field(string name, int typeOid) => new(name, 0, 0, typeOid, PgTypes.GetTypeSize(typeOid), -1);

    private static IEnumerable<string> SplitItems(string list)
    {
        int start = 0;
        bool quoted = false;
        for (int i = 0; i < list.Length; i++)
        {
            if (list[i] == '\'')
            {
                quoted = !quoted;
            }
            else if (list[i] == ',' && !quoted)
            {
                yield return list[start..i];
                start = i + 1;
            }
        }
        yield return list[start..];
    }

    /// <summary>The rows, with parameters and literals as CLR values.</summary>
    public List<object?[]> Rows(IReadOnlyList<object?> parameters, PgTypeSettings settings)
    {
        if (SeriesCount >= 0)
        {
            return Enumerable.Range(1, SeriesCount).Select(i => new object?[] { i }).ToList();
        }
        var row = new object?[Items.Length];
        for (int i = 0; i < Items.Length; i++)
        {
            FakeItem item = Items[i];
            row[i] = item.Parameter >= 0 ? parameters[item.Parameter]
                : item.Parameter == -2 ? null
                : PgTypes.DecodeText(item.Literal!, item.TypeOid, settings);
        }
        return [row];
    }
}

/// <summary>A select-list item: a parameter (its index), a literal (its text), or NULL (-2).</summary>
internal sealed record FakeItem(int Parameter, string? Literal, int TypeOid);
