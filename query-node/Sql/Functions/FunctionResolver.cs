using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>The overload a call resolved to: the definition, the type each argument must be brought to (an "any"
/// argument keeps its own type) and the call's result type.</summary>
internal sealed record FunctionResolution(FunctionDefinition Definition, IReadOnlyList<SqlType> ArgumentTypes, SqlType ResultType);

/// <summary>Why no overload was chosen: none accepts the argument types (42883), several do equally well (42725), or
/// a polymorphic argument's type cannot be determined (42804).</summary>
internal enum ResolutionFailure : byte
{
    None,
    NotFound,
    NotUnique,
    PolymorphicUnknown,
    PolymorphicMismatch,
}

/// <summary>
/// PostgreSQL's func_get_detail and func_select_candidate (parse_func.c) for the types the engine has: an exact match
/// wins; otherwise the candidates every argument can reach by implicit casts; among several, those with the most
/// exact matches, then the most preferred types where a cast is needed, then an untyped literal takes the category
/// the candidates agree on (string wins, then the preferred type), and last, untyped literals are assumed to be of
/// the one type the typed arguments share.
/// </summary>
internal static class FunctionResolver
{
    public static (FunctionResolution? Resolution, ResolutionFailure Failure) Resolve(IReadOnlyList<FunctionDefinition> overloads, IReadOnlyList<SqlType> argumentTypes)
    {
        int count = argumentTypes.Count;
        var candidates = new List<FunctionDefinition>();
        foreach (FunctionDefinition definition in overloads)
        {
            if (definition.Accepts(count)) candidates.Add(definition);
        }
        if (candidates.Count == 0) return (null, ResolutionFailure.NotFound);

        foreach (FunctionDefinition candidate in candidates)
        {
            if (IsExactMatch(candidate, argumentTypes)) return Complete(candidate, argumentTypes);
        }
        candidates.RemoveAll(candidate => !CanCoerceAll(candidate, argumentTypes));
        if (candidates.Count == 0) return (null, ResolutionFailure.NotFound);
        if (candidates.Count == 1) return Complete(candidates[0], argumentTypes);
        FunctionDefinition? chosen = SelectCandidate(candidates, argumentTypes);
        return chosen is null ? (null, ResolutionFailure.NotUnique) : Complete(chosen, argumentTypes);
    }

    private static bool IsExactMatch(FunctionDefinition candidate, IReadOnlyList<SqlType> argumentTypes)
    {
        for (int index = 0; index < argumentTypes.Count; index++)
        {
            ParameterType parameter = candidate.ParameterAt(index);
            if (parameter.Pseudo != PseudoType.None || parameter.Type.Kind != argumentTypes[index].Kind) return false;
        }
        return true;
    }

    /// <summary>can_coerce_type with COERCION_IMPLICIT, argument by argument (polymorphic consistency is checked later).</summary>
    private static bool CanCoerceAll(FunctionDefinition candidate, IReadOnlyList<SqlType> argumentTypes)
    {
        bool takesArray = candidate.Parameters.Any(parameter => parameter.Pseudo == PseudoType.AnyArray);
        for (int index = 0; index < argumentTypes.Count; index++)
        {
            ParameterType parameter = candidate.ParameterAt(index);
            if (!CanCoerce(argumentTypes[index], parameter)) return false;
            // The element of an anyarray is not itself an array (arrays of arrays are more dimensions of one type).
            if (takesArray && parameter.Pseudo is PseudoType.AnyElement && argumentTypes[index].IsArray) return false;
        }
        return true;
    }

    private static bool CanCoerce(SqlType from, ParameterType to)
    {
        if (to.Pseudo == PseudoType.AnyArray) return from.Kind == TypeKind.Unknown || from.IsArray;
        if (to.Pseudo != PseudoType.None) return from.Kind != TypeKind.Void || to.Pseudo == PseudoType.Any;
        if (from.Kind == TypeKind.Unknown) return true;
        return ValueCast.CanCast(from, to.Type, ValueCast.Context.Implicit);
    }

    private static FunctionDefinition? SelectCandidate(List<FunctionDefinition> candidates, IReadOnlyList<SqlType> argumentTypes)
    {
        int count = argumentTypes.Count;

        // Most exact matches on the typed arguments.
        candidates = KeepBest(candidates, candidate =>
        {
            int matches = 0;
            for (int index = 0; index < count; index++)
            {
                if (argumentTypes[index].Kind != TypeKind.Unknown && DeclaredType(candidate, index).Kind == argumentTypes[index].Kind) matches++;
            }
            return matches;
        });
        if (candidates.Count == 1) return candidates[0];

        // Most exact-or-preferred types at the typed arguments.
        candidates = KeepBest(candidates, candidate =>
        {
            int matches = 0;
            for (int index = 0; index < count; index++)
            {
                SqlType argument = argumentTypes[index];
                if (argument.Kind == TypeKind.Unknown) continue;
                SqlType declared = DeclaredType(candidate, index);
                if (declared.Kind == argument.Kind || (declared.Category == argument.Category && declared.IsPreferred)) matches++;
            }
            return matches;
        });
        if (candidates.Count == 1) return candidates[0];

        int unknowns = argumentTypes.Count(type => type.Kind == TypeKind.Unknown);
        if (unknowns == 0) return null;

        // Untyped literals: the category the candidates agree on (string if any candidate takes a string there).
        var slotCategory = new char[count];
        var slotHasPreferred = new bool[count];
        bool resolved = false;
        for (int index = 0; index < count; index++)
        {
            if (argumentTypes[index].Kind != TypeKind.Unknown) continue;
            bool conflict = false;
            foreach (FunctionDefinition candidate in candidates)
            {
                SqlType declared = DeclaredType(candidate, index);
                char category = declared.Category;
                if (slotCategory[index] == '\0')
                {
                    slotCategory[index] = category;
                    slotHasPreferred[index] = declared.IsPreferred;
                }
                else if (category == slotCategory[index])
                {
                    slotHasPreferred[index] |= declared.IsPreferred;
                }
                else if (category == 'S')
                {
                    slotCategory[index] = 'S';
                    slotHasPreferred[index] = declared.IsPreferred;
                }
                else if (slotCategory[index] != 'S')
                {
                    conflict = true;
                }
            }
            if (conflict && slotCategory[index] != 'S')
            {
                resolved = false;
                break;
            }
            resolved = true;
        }
        if (resolved)
        {
            var kept = candidates.Where(candidate =>
            {
                for (int index = 0; index < count; index++)
                {
                    if (argumentTypes[index].Kind != TypeKind.Unknown) continue;
                    SqlType declared = DeclaredType(candidate, index);
                    if (declared.Category != slotCategory[index]) return false;
                    if (slotHasPreferred[index] && !declared.IsPreferred) return false;
                }
                return true;
            }).ToList();
            if (kept.Count == 1) return kept[0];
            if (kept.Count > 0) candidates = kept;
        }

        // Last gasp: untyped literals assumed to be of the one type all typed arguments share.
        if (unknowns < count)
        {
            SqlType? known = null;
            foreach (SqlType argument in argumentTypes)
            {
                if (argument.Kind == TypeKind.Unknown) continue;
                if (known is null) known = argument;
                else if (known.Value.Kind != argument.Kind)
                {
                    known = null;
                    break;
                }
            }
            if (known is not null)
            {
                var assumed = argumentTypes.Select(_ => known.Value).ToArray();
                var matching = candidates.Where(candidate => CanCoerceAll(candidate, assumed)).Take(2).ToList();
                if (matching.Count == 1) return matching[0];
            }
        }
        return null;
    }

    /// <summary>The declared type at a position; a pseudo-type counts as unknown (category X), which matches nothing.</summary>
    private static SqlType DeclaredType(FunctionDefinition candidate, int index)
    {
        ParameterType parameter = candidate.ParameterAt(index);
        return parameter.Pseudo == PseudoType.None ? parameter.Type : SqlType.Unknown;
    }

    /// <summary>anycompatible's common type of two: numbers in the higher of the promotion order, strings in text.</summary>
    private static SqlType? CompatibleType(SqlType left, SqlType right)
    {
        if (left.IsNumber && right.IsNumber) return left.NumericRank >= right.NumericRank ? left.WithoutModifier : right.WithoutModifier;
        if (left.IsString && right.IsString) return SqlType.Text;
        if (left.IsDateTime && right.IsDateTime) return left.DateTimeRank >= right.DateTimeRank ? left.WithoutModifier : right.WithoutModifier;
        return null;
    }

    private static List<FunctionDefinition> KeepBest(List<FunctionDefinition> candidates, Func<FunctionDefinition, int> score)
    {
        int best = -1;
        var kept = new List<FunctionDefinition>();
        foreach (FunctionDefinition candidate in candidates)
        {
            int value = score(candidate);
            if (value > best)
            {
                best = value;
                kept.Clear();
            }
            if (value == best) kept.Add(candidate);
        }
        return kept;
    }

    /// <summary>Target types for the chosen overload, with anyelement/anynonarray resolved to the one type their
    /// arguments share (untyped literals take it; all untyped is an error, as enforce_generic_type_consistency says).</summary>
    private static (FunctionResolution?, ResolutionFailure) Complete(FunctionDefinition definition, IReadOnlyList<SqlType> argumentTypes)
    {
        SqlType? polymorphic = null;
        bool hasPolymorphic = false;
        for (int index = 0; index < argumentTypes.Count; index++)
        {
            if (!definition.ParameterAt(index).IsPolymorphic) continue;
            hasPolymorphic = true;
            SqlType argument = argumentTypes[index];
            if (argument.Kind == TypeKind.Unknown) continue;
            if (definition.ParameterAt(index).Pseudo == PseudoType.AnyArray) argument = argument.ElementType;
            if (polymorphic is null) polymorphic = argument.WithoutModifier;
            else if (polymorphic.Value.Kind != argument.Kind)
            {
                if (!definition.Compatible) return (null, ResolutionFailure.PolymorphicMismatch);
                SqlType? common = CompatibleType(polymorphic.Value, argument);
                if (common is null) return (null, ResolutionFailure.PolymorphicMismatch);
                polymorphic = common;
            }
        }
        if (hasPolymorphic && polymorphic is null) return (null, ResolutionFailure.PolymorphicUnknown);
        var targets = new SqlType[argumentTypes.Count];
        for (int index = 0; index < targets.Length; index++)
        {
            ParameterType parameter = definition.ParameterAt(index);
            targets[index] = parameter.Pseudo switch
            {
                PseudoType.None => parameter.Type,
                PseudoType.Any => argumentTypes[index],
                PseudoType.AnyArray => SqlType.ArrayOf(polymorphic!.Value),
                _ => polymorphic!.Value,
            };
        }
        SqlType result = definition.ResultFromPolymorphic && polymorphic is not null
            ? definition.ResultIsArray ? SqlType.ArrayOf(polymorphic.Value) : polymorphic.Value
            : definition.ResultType;
        return (new FunctionResolution(definition, targets, result), ResolutionFailure.None);
    }
}
