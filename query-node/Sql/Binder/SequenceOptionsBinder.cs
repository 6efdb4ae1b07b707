using Log.QueryNode.Execution;
using Log.QueryNode.Sql.Catalog;
using Log.QueryNode.Sql.Parser.Ast;
using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Binder;

/// <summary>PostgreSQL's init_params (sequence.c): applies CREATE/ALTER SEQUENCE options over a sequence's current
/// options (or the defaults), checks them with PostgreSQL's messages, and says whether and where RESTART moves it.</summary>
internal static class SequenceOptionsBinder
{
    public sealed record Result(SequenceDescriptor Sequence, long? RestartValue, (string Table, string Column)? OwnedBy, bool OwnedByNone);

    public static Result Bind(string name, IReadOnlyList<SequenceOption> options, SequenceDescriptor? existing, SqlType? defaultType = null)
    {
        var seen = new Dictionary<string, SequenceOption>(StringComparer.Ordinal);
        foreach (SequenceOption option in options)
        {
            if (!seen.TryAdd(option.Name, option))
            {
                throw new SqlException(SqlState.SyntaxError, "conflicting or redundant options", option.Location + 1);
            }
        }
        SqlType type = existing?.Type ?? defaultType ?? SqlType.Int8;
        bool typeChanged = false;
        if (seen.TryGetValue("as", out SequenceOption? asOption))
        {
            (type, _) = TypeResolver.Resolve((TypeName)asOption.Value!);
            if (type.Kind is not (TypeKind.Int2 or TypeKind.Int4 or TypeKind.Int8))
            {
                throw new SqlException(SqlState.InvalidParameterValue, "sequence type must be smallint, integer, or bigint", asOption.Location + 1);
            }
            typeChanged = existing is not null && existing.Type != type;
        }
        (long typeMin, long typeMax) = type.Kind switch
        {
            TypeKind.Int2 => ((long)short.MinValue, (long)short.MaxValue),
            TypeKind.Int4 => ((long)int.MinValue, (long)int.MaxValue),
            _ => (long.MinValue, long.MaxValue),
        };
        long increment = existing?.Increment ?? 1;
        if (seen.TryGetValue("increment", out SequenceOption? incrementOption))
        {
            increment = (long)incrementOption.Value!;
            if (increment == 0) throw new SqlException(SqlState.InvalidParameterValue, "INCREMENT must not be zero");
        }
        bool cycle = seen.TryGetValue("cycle", out SequenceOption? cycleOption) ? (bool)cycleOption.Value! : existing?.Cycle ?? false;
        long maxValue = seen.TryGetValue("maxvalue", out SequenceOption? maxOption) && maxOption.Value is long max
            ? max
            : maxOption is not null || existing is null || (typeChanged && existing.MaxValue == TypeMax(existing.Type))
                ? (increment > 0 ? typeMax : -1)
                : existing.MaxValue;
        long minValue = seen.TryGetValue("minvalue", out SequenceOption? minOption) && minOption.Value is long min
            ? min
            : minOption is not null || existing is null || (typeChanged && existing.MinValue == TypeMin(existing.Type))
                ? (increment > 0 ? 1 : typeMin)
                : existing.MinValue;
        if (maxValue < typeMin || maxValue > typeMax)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"MAXVALUE ({maxValue}) is out of range for sequence data type {type.DisplayName}");
        }
        if (minValue < typeMin || minValue > typeMax)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"MINVALUE ({minValue}) is out of range for sequence data type {type.DisplayName}");
        }
        if (minValue >= maxValue)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"MINVALUE ({minValue}) must be less than MAXVALUE ({maxValue})");
        }
        long start = seen.TryGetValue("start", out SequenceOption? startOption) ? (long)startOption.Value!
            : existing is not null ? existing.Start
            : increment > 0 ? minValue : maxValue;
        CheckWithinBounds("START", start, minValue, maxValue);
        long? restart = null;
        if (seen.TryGetValue("restart", out SequenceOption? restartOption))
        {
            restart = restartOption.Value as long? ?? start;
            CheckWithinBounds("RESTART", restart.Value, minValue, maxValue);
        }
        long cache = existing?.Cache ?? 1;
        if (seen.TryGetValue("cache", out SequenceOption? cacheOption))
        {
            cache = (long)cacheOption.Value!;
            if (cache <= 0) throw new SqlException(SqlState.InvalidParameterValue, $"CACHE ({cache}) must be greater than zero");
        }
        (string, string)? ownedBy = null;
        bool ownedByNone = false;
        if (seen.TryGetValue("owned_by", out SequenceOption? ownedOption))
        {
            if (ownedOption.Value is not List<string> names) ownedByNone = true;
            else if (names.Count < 2) throw new SqlException(SqlState.SyntaxError, "invalid OWNED BY option", ownedOption.Location + 1,
                hint: "Specify OWNED BY table.column or OWNED BY NONE.");
            else ownedBy = (names[^2], names[^1]);
        }
        var sequence = new SequenceDescriptor(existing?.Id ?? 0, name, (existing?.Version ?? 0) + 1, type, start, increment, minValue, maxValue, cache,
            cycle, ownedByNone ? null : ownedBy?.Item1 ?? existing?.OwnedByTable, ownedByNone ? null : ownedBy?.Item2 ?? existing?.OwnedByColumn,
            existing?.IsIdentity ?? false);
        return new Result(sequence, restart, ownedBy, ownedByNone);
    }

    private static void CheckWithinBounds(string what, long value, long minValue, long maxValue)
    {
        if (value < minValue)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"{what} value ({value}) cannot be less than MINVALUE ({minValue})");
        }
        if (value > maxValue)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"{what} value ({value}) cannot be greater than MAXVALUE ({maxValue})");
        }
    }

    private static long TypeMax(SqlType type) => type.Kind switch { TypeKind.Int2 => short.MaxValue, TypeKind.Int4 => int.MaxValue, _ => long.MaxValue };

    private static long TypeMin(SqlType type) => type.Kind switch { TypeKind.Int2 => short.MinValue, TypeKind.Int4 => int.MinValue, _ => long.MinValue };
}
