using System.Globalization;
using System.Text;
using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Types;
using Log.Wire.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>Array functions and operators (PostgreSQL's "Array Functions and Operators"), with pg_proc's polymorphic
/// signatures: anyarray where PostgreSQL 15 has it, anycompatible(array) where it has those (arguments meet in a
/// common type), and its strictness (array_append and friends take NULL arrays).</summary>
internal static partial class BuiltinFunctions
{
    private static readonly ParameterType AnyArray = ParameterType.AnyArray;
    private static readonly ParameterType AnyElement = ParameterType.AnyElement;

    static partial void AddArray(FunctionRegistry registry)
    {
        Add(registry, "array_length", [AnyArray, Int4], Int4, (a, _) => DimensionProperty((PgArray)a[0]!, (int)a[1]!, (length, _) => length));
        Add(registry, "array_lower", [AnyArray, Int4], Int4, (a, _) => DimensionProperty((PgArray)a[0]!, (int)a[1]!, (_, lower) => lower));
        Add(registry, "array_upper", [AnyArray, Int4], Int4, (a, _) => DimensionProperty((PgArray)a[0]!, (int)a[1]!, (length, lower) => lower + length - 1));
        Add(registry, "array_ndims", [AnyArray], Int4, (a, _) => ((PgArray)a[0]!).Dimensions is int dimensions && dimensions > 0 ? dimensions : null);
        Add(registry, "array_dims", [AnyArray], Text, (a, _) => Dims((PgArray)a[0]!));
        Add(registry, "cardinality", [AnyArray], Int4, (a, _) => ((PgArray)a[0]!).Count);
        AddCompatible(registry, "array_position", [AnyArray, AnyElement], Int4, (a, _) => Position((PgArray?)a[0], a[1], null), strict: false);
        AddCompatible(registry, "array_position", [AnyArray, AnyElement, Int4], Int4, (a, _) => a[2] is null ? null : Position((PgArray?)a[0], a[1], (int)a[2]!), strict: false);
        AddCompatible(registry, "array_positions", [AnyArray, AnyElement], SqlType.ArrayOf(Int4), (a, _) => Positions((PgArray?)a[0], a[1]), strict: false);
        AddCompatible(registry, "array_append", [AnyArray, AnyElement], null, (a, _) => Append((PgArray?)a[0], a[1]), strict: false);
        AddCompatible(registry, "array_prepend", [AnyElement, AnyArray], null, (a, _) => Prepend(a[0], (PgArray?)a[1]), strict: false);
        AddCompatible(registry, "array_cat", [AnyArray, AnyArray], null, (a, _) => Concatenate((PgArray?)a[0], (PgArray?)a[1]), strict: false);
        AddCompatible(registry, "array_remove", [AnyArray, AnyElement], null, (a, _) => Remove((PgArray?)a[0], a[1]), strict: false);
        AddCompatible(registry, "array_replace", [AnyArray, AnyElement, AnyElement], null,
            (a, _) => a[0] is PgArray array ? Replace(array, a[1], a[2]) : null, strict: false);
        registry.Add(new FunctionDefinition("array_fill", [AnyElement, SqlType.ArrayOf(Int4)], SqlType.Unknown, (a, _) => Fill(a[0], (PgArray?)a[1], null), strict: false)
            { ResultFromPolymorphic = true, ResultIsArray = true });
        registry.Add(new FunctionDefinition("array_fill", [AnyElement, SqlType.ArrayOf(Int4), SqlType.ArrayOf(Int4)], SqlType.Unknown,
            (a, _) => Fill(a[0], (PgArray?)a[1], (PgArray?)a[2]), strict: false) { ResultFromPolymorphic = true, ResultIsArray = true });
        Add(registry, "array_to_string", [AnyArray, Text], Text, (a, context) => ArrayToString((PgArray)a[0]!, (string)a[1]!, null, context), Volatility.Stable);
        Add(registry, "array_to_string", [AnyArray, Text, Text], Text,
            (a, context) => a[0] is null || a[1] is null ? null : ArrayToString((PgArray)a[0]!, (string)a[1]!, (string?)a[2], context), Volatility.Stable, strict: false);
        Add(registry, "string_to_array", [Text, Text], SqlType.ArrayOf(Text), (a, _) => StringToArray((string?)a[0], (string?)a[1], null), strict: false);
        Add(registry, "string_to_array", [Text, Text, Text], SqlType.ArrayOf(Text), (a, _) => StringToArray((string?)a[0], (string?)a[1], (string?)a[2]), strict: false);
        registry.Add(new FunctionDefinition("trim_array", [AnyArray, Int4], SqlType.Unknown, (a, _) => Trim((PgArray)a[0]!, (int)a[1]!))
            { ResultFromPolymorphic = true, ResultIsArray = true });
        SqlType textArray = SqlType.ArrayOf(Text);
        Add(registry, "regexp_match", [Text, Text], textArray, (a, _) => RegexMatch((string)a[0]!, (string)a[1]!, ""));
        Add(registry, "regexp_match", [Text, Text, Text], textArray, (a, _) => RegexMatch((string)a[0]!, (string)a[1]!, (string)a[2]!));
        Add(registry, "regexp_split_to_array", [Text, Text], textArray, (a, _) => PgArray.OneDimensional(RegexSplit((string)a[0]!, (string)a[1]!, "")));
        Add(registry, "regexp_split_to_array", [Text, Text, Text], textArray,
            (a, _) => PgArray.OneDimensional(RegexSplit((string)a[0]!, (string)a[1]!, (string)a[2]!)));
        Add(registry, "arraycontains", [AnyArray, AnyArray], Bool, (a, _) => Contains((PgArray)a[0]!, (PgArray)a[1]!));
        Add(registry, "arraycontained", [AnyArray, AnyArray], Bool, (a, _) => Contains((PgArray)a[1]!, (PgArray)a[0]!));
        Add(registry, "arrayoverlap", [AnyArray, AnyArray], Bool, (a, _) => Overlaps((PgArray)a[0]!, (PgArray)a[1]!));
    }

    /// <summary>A function over anycompatiblearray/anycompatible; a null <paramref name="result"/> means the array type the arguments resolve to.</summary>
    private static void AddCompatible(FunctionRegistry registry, string name, ParameterType[] parameters, SqlType? result, FunctionImplementation implementation, bool strict) =>
        registry.Add(new FunctionDefinition(name, parameters, result ?? SqlType.Unknown, implementation, strict: strict)
            { Compatible = true, ResultFromPolymorphic = result is null, ResultIsArray = result is null });

    private static object? DimensionProperty(PgArray array, int dimension, Func<int, int, int> property) =>
        dimension < 1 || dimension > array.Dimensions ? null : property(array.Lengths[dimension - 1], array.LowerBounds[dimension - 1]);

    private static string? Dims(PgArray array)
    {
        if (array.Dimensions == 0) return null;
        var builder = new StringBuilder();
        for (int dimension = 0; dimension < array.Dimensions; dimension++)
        {
            int lower = array.LowerBounds[dimension];
            builder.Append(CultureInfo.InvariantCulture, $"[{lower}:{lower + array.Lengths[dimension] - 1}]");
        }
        return builder.ToString();
    }

    /// <summary>Element equality as array_position and array_remove use it: IS NOT DISTINCT FROM.</summary>
    private static bool SameElement(object? element, object? value) =>
        element is null ? value is null : value is not null && ValueComparer.AreEqual(element, value);

    private static void RequireOneDimension(PgArray array, string what)
    {
        if (array.Dimensions > 1) throw new SqlException(SqlState.FeatureNotSupported, $"{what} in multidimensional arrays is not supported");
    }

    private static object? Position(PgArray? array, object? value, int? start)
    {
        if (array is null) return null;
        RequireOneDimension(array, "searching for elements");
        if (array.Count == 0) return null;
        int lower = array.LowerBounds[0];
        int first = start is int from ? Math.Max(from - lower, 0) : 0;
        for (int index = first; index < array.Count; index++)
        {
            if (SameElement(array[index], value)) return index + lower;
        }
        return null;
    }

    private static object? Positions(PgArray? array, object? value)
    {
        if (array is null) return null;
        RequireOneDimension(array, "searching for elements");
        var positions = new List<object?>();
        for (int index = 0; index < array.Count; index++)
        {
            if (SameElement(array[index], value)) positions.Add(index + array.LowerBounds[0]);
        }
        return PgArray.OneDimensional([.. positions]);
    }

    private static PgArray OneDimensionalFrom(IEnumerable<object?> elements, int lower)
    {
        object?[] values = [.. elements];
        return values.Length == 0 ? PgArray.Empty : new PgArray(values, [values.Length], [lower]);
    }

    private static void RequireAppendable(PgArray array)
    {
        if (array.Dimensions > 1) throw new SqlException(SqlState.DatatypeMismatch, "argument must be empty or one-dimensional array");
    }

    /// <summary>array_append keeps the array's lower bound.</summary>
    private static PgArray Append(PgArray? array, object? value)
    {
        if (array is null || array.Count == 0) return PgArray.OneDimensional([value]);
        RequireAppendable(array);
        return OneDimensionalFrom([.. array, value], array.LowerBounds[0]);
    }

    /// <summary>array_prepend keeps the array's lower bound too (the elements move up one subscript).</summary>
    private static PgArray Prepend(object? value, PgArray? array)
    {
        if (array is null || array.Count == 0) return PgArray.OneDimensional([value]);
        RequireAppendable(array);
        return OneDimensionalFrom([value, .. array], array.LowerBounds[0]);
    }

    /// <summary>array_cat: arrays of the same dimensionality join along the first dimension (the rest must match); one
    /// of one dimension fewer becomes a new first-dimension item; an empty or NULL side gives the other.</summary>
    private static PgArray? Concatenate(PgArray? left, PgArray? right)
    {
        if (left is null) return right;
        if (right is null) return left;
        if (left.Count == 0) return right;
        if (right.Count == 0) return left;
        int[] lengths;
        int[] lowers;
        if (left.Dimensions == right.Dimensions)
        {
            if (!left.Lengths.Skip(1).SequenceEqual(right.Lengths.Skip(1)))
            {
                throw IncompatibleArrays($"Arrays with differing element dimensions are not compatible for concatenation.");
            }
            lengths = [left.Lengths[0] + right.Lengths[0], .. left.Lengths.Skip(1)];
            lowers = [.. left.LowerBounds];
        }
        else if (left.Dimensions == right.Dimensions + 1 && left.Lengths.Skip(1).SequenceEqual(right.Lengths))
        {
            lengths = [left.Lengths[0] + 1, .. left.Lengths.Skip(1)];
            lowers = [.. left.LowerBounds];
        }
        else if (right.Dimensions == left.Dimensions + 1 && right.Lengths.Skip(1).SequenceEqual(left.Lengths))
        {
            lengths = [right.Lengths[0] + 1, .. right.Lengths.Skip(1)];
            lowers = [.. right.LowerBounds];
        }
        else
        {
            throw IncompatibleArrays($"Arrays of {left.Dimensions} and {right.Dimensions} dimensions are not compatible for concatenation.");
        }
        return new PgArray([.. left, .. right], lengths, lowers);
    }

    private static SqlException IncompatibleArrays(string detail) =>
        new(SqlState.ArraySubscriptError, "cannot concatenate incompatible arrays", detail: detail);

    private static PgArray? Remove(PgArray? array, object? value)
    {
        if (array is null) return null;
        RequireOneDimension(array, "removing elements");
        if (array.Count == 0) return array;
        return OneDimensionalFrom(array.Where(element => !SameElement(element, value)), array.LowerBounds[0]);
    }

    /// <summary>array_replace: every element not distinct from the search value (NULL included) becomes the replacement.</summary>
    private static PgArray Replace(PgArray array, object? search, object? replacement)
    {
        if (array.Count == 0) return array;
        var elements = new object?[array.Count];
        for (int index = 0; index < elements.Length; index++) elements[index] = SameElement(array[index], search) ? replacement : array[index];
        return new PgArray(elements, [.. array.Lengths], [.. array.LowerBounds]);
    }

    private static PgArray Fill(object? value, PgArray? dimensions, PgArray? lowers)
    {
        if (dimensions is null)
        {
            throw new SqlException(SqlState.NullValueNotAllowed, "dimension array or low bound array cannot be null");
        }
        if (dimensions.Any(length => length is null) || (lowers is not null && lowers.Any(lower => lower is null)))
        {
            throw new SqlException(SqlState.NullValueNotAllowed, "dimension values cannot be null");
        }
        if (dimensions.Dimensions > 1 || (lowers is not null && lowers.Dimensions > 1))
        {
            throw new SqlException(SqlState.ArraySubscriptError, "wrong number of array subscripts", detail: "Dimension array must be one dimensional.");
        }
        if (lowers is not null && lowers.Count != dimensions.Count)
        {
            throw new SqlException(SqlState.ArraySubscriptError, "wrong number of array subscripts", detail: "Low bound array has different size than dimensions array.");
        }
        int[] lengths = dimensions.Select(length => (int)length!).ToArray();
        if (lengths.Length == 0 || lengths.Any(length => length == 0)) return PgArray.Empty;
        if (lengths.Any(length => length < 0))
        {
            throw new SqlException(SqlState.ProgramLimitExceeded, "array size exceeds the maximum allowed (134217727)");
        }
        long count = lengths.Aggregate(1L, (product, length) => product * length);
        if (count > PgTypes.MaxArrayElements) throw new SqlException(SqlState.ProgramLimitExceeded, $"array size exceeds the maximum allowed ({PgTypes.MaxArrayElements})");
        int[] bounds = lowers is null ? lengths.Select(_ => 1).ToArray() : lowers.Select(lower => (int)lower!).ToArray();
        return new PgArray(Enumerable.Repeat(value, (int)count).ToArray(), lengths, bounds);
    }

    /// <summary>array_to_string: elements in their text output joined by the delimiter; NULLs are left out unless a
    /// text for them is given.</summary>
    private static string ArrayToString(PgArray array, string delimiter, string? nullText, EvaluationContext context)
    {
        var builder = new StringBuilder();
        bool first = true;
        foreach (object? element in array)
        {
            if (element is null && nullText is null) continue;
            if (!first) builder.Append(delimiter);
            first = false;
            builder.Append(element is null ? nullText : ValueFormatter.Format(element, context.DateTimeSettings));
        }
        return builder.ToString();
    }

    /// <summary>string_to_array: a NULL delimiter splits into characters, an empty one gives the whole string; an empty
    /// string gives an empty array; fields equal to the null text are NULL.</summary>
    internal static PgArray? StringToArray(string? text, string? delimiter, string? nullText)
    {
        if (text is null) return null;
        if (text.Length == 0) return PgArray.Empty;
        IEnumerable<string> fields = delimiter switch
        {
            null => text.EnumerateRunes().Select(rune => rune.ToString()),
            "" => [text],
            _ => text.Split(delimiter),
        };
        return PgArray.OneDimensional(fields.Select(field => nullText is not null && field == nullText ? null : (object?)field).ToArray());
    }

    private static PgArray Trim(PgArray array, int count)
    {
        int length = array.Dimensions == 0 ? 0 : array.Lengths[0];
        if (count < 0 || count > length)
        {
            throw new SqlException(SqlState.ArraySubscriptError, $"number of elements to trim must be between 0 and {length}");
        }
        if (count == length) return PgArray.Empty;
        int inner = array.Count / length;
        return new PgArray(array.Take((length - count) * inner).ToArray(), [length - count, .. array.Lengths.Skip(1)], [.. array.LowerBounds]);
    }

    /// <summary>regexp_match: the first match's capture groups (NULL for a group that took no part), or the whole
    /// match when the pattern has none; NULL when nothing matches.</summary>
    private static PgArray? RegexMatch(string source, string pattern, string flagText)
    {
        (PostgresRegex.RegexFlags flags, _) = PostgresRegex.ParseFlags(flagText, "regexp_match", globalAllowed: false);
        System.Text.RegularExpressions.Match match = PostgresRegex.Match(PostgresRegex.Get(pattern, flags), source);
        if (!match.Success) return null;
        if (match.Groups.Count == 1) return PgArray.OneDimensional([match.Value]);
        var groups = new object?[match.Groups.Count - 1];
        for (int index = 1; index < match.Groups.Count; index++) groups[index - 1] = match.Groups[index].Success ? match.Groups[index].Value : null;
        return PgArray.OneDimensional(groups);
    }

    /// <summary>regexp_matches: the capture groups of the first match, or of every match with the 'g' flag (after an
    /// empty match the search moves on one character, as PostgreSQL's setup_regexp_matches does).</summary>
    internal static IEnumerable<PgArray> RegexMatches(string source, string pattern, string flagText)
    {
        (PostgresRegex.RegexFlags flags, bool global) = PostgresRegex.ParseFlags(flagText, "regexp_matches", globalAllowed: true);
        System.Text.RegularExpressions.Regex regex = PostgresRegex.Get(pattern, flags);
        int position = 0;
        while (position <= source.Length)
        {
            System.Text.RegularExpressions.Match match = PostgresRegex.Match(regex, source, position);
            if (!match.Success) yield break;
            if (match.Groups.Count == 1)
            {
                yield return PgArray.OneDimensional([match.Value]);
            }
            else
            {
                var groups = new object?[match.Groups.Count - 1];
                for (int index = 1; index < match.Groups.Count; index++) groups[index - 1] = match.Groups[index].Success ? match.Groups[index].Value : null;
                yield return PgArray.OneDimensional(groups);
            }
            if (!global) yield break;
            position = match.Length == 0 ? match.Index + 1 : match.Index + match.Length;
        }
    }

    /// <summary>regexp_split_to_array/table: the text between matches, where a match counts only if it ends after the
    /// previous one and starts before the end of the text (PostgreSQL's ignore_degenerate), so empty matches at the
    /// ends or right after another match split nothing.</summary>
    internal static object?[] RegexSplit(string source, string pattern, string flagText)
    {
        (PostgresRegex.RegexFlags flags, _) = PostgresRegex.ParseFlags(flagText, "regexp_split_to_array", globalAllowed: false);
        System.Text.RegularExpressions.Regex regex = PostgresRegex.Get(pattern, flags);
        var fields = new List<object?>();
        int fieldStart = 0;
        int previousEnd = 0;
        int searchStart = 0;
        while (searchStart <= source.Length)
        {
            System.Text.RegularExpressions.Match match = PostgresRegex.Match(regex, source, searchStart);
            if (!match.Success) break;
            int end = match.Index + match.Length;
            if (match.Index < source.Length && end > previousEnd)
            {
                fields.Add(source[fieldStart..match.Index]);
                fieldStart = end;
            }
            previousEnd = end;
            searchStart = match.Length == 0 ? end + 1 : end;
        }
        fields.Add(source[fieldStart..]);
        return [.. fields];
    }

    /// <summary>@&gt;: every element of the right side equals some element of the left (a NULL element matches nothing).</summary>
    private static bool Contains(PgArray container, PgArray contained)
    {
        foreach (object? element in contained)
        {
            if (element is null || !container.Any(candidate => candidate is not null && ValueComparer.AreEqual(candidate, element))) return false;
        }
        return true;
    }

    private static bool Overlaps(PgArray left, PgArray right) =>
        left.Any(element => element is not null && right.Any(candidate => candidate is not null && ValueComparer.AreEqual(candidate, element)));
}

internal static partial class BuiltinOperators
{
    static partial void AddArrayOperators(OperatorRegistry operators, FunctionRegistry functions)
    {
        ParameterType anyArray = ParameterType.AnyArray;
        ParameterType anyElement = ParameterType.AnyElement;
        operators.AddInfix("||", functions.Get("array_cat", anyArray, anyArray));
        operators.AddInfix("||", functions.Get("array_append", anyArray, anyElement));
        operators.AddInfix("||", functions.Get("array_prepend", anyElement, anyArray));
        operators.AddInfix("@>", functions.Get("arraycontains", anyArray, anyArray));
        operators.AddInfix("<@", functions.Get("arraycontained", anyArray, anyArray));
        operators.AddInfix("&&", functions.Get("arrayoverlap", anyArray, anyArray));
    }
}
