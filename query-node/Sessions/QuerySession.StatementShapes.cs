using Log.QueryNode.Execution;
using Log.QueryNode.Sql;
using Log.QueryNode.Sql.Binder;
using Log.QueryNode.Sql.Lexer;
using Log.QueryNode.Sql.Types;
using Log.StorageNode;

namespace Log.QueryNode.Sessions;

public sealed partial class QuerySession
{
    private readonly StatementShapes shapes = new();

    /// <summary>The INSERT and SELECT shapes the session keeps (see <see cref="StatementShapes"/>), for tests.</summary>
    internal int ShapeCount => shapes.Count;

    /// <summary>Statements run from a shape's plan, for tests.</summary>
    internal int StatementsRunByShape { get; private set; }

    /// <summary>Every INSERT and SELECT parsed, bound and planned anew (tests compare the two ways).</summary>
    internal bool WithoutShapes { get; init; }

    /// <summary>A simple query's INSERT or SELECT shape: found prepared (Statement, Values and Plan set), or to be recorded once
    /// the text is parsed the ordinary way (IsNew), or neither.</summary>
    private readonly record struct ShapeMatch(bool IsNew, ParsedStatement? Statement, object?[]? Values, CachedPlan? Plan);

    /// <summary>Finds a simple query's INSERT or SELECT among the session's shapes; the second time a shape is seen, and again after
    /// any DDL, it is prepared here (its parameterised text parsed and its parameter types fixed, in the session's transaction, which this may
    /// begin as the statement would). A match's values are read by its parameters' types first: a literal they do not
    /// read goes the ordinary way, which reports the literal's own error.</summary>
    private async ValueTask<ShapeMatch> MatchShapeAsync(string queryText, CancellationToken cancellationToken)
    {
        if (failed || WithoutShapes || !StatementShapes.MayBeShaped(queryText)) return default;
        if (!shapes.TryRead(queryText, settings.Show("search_path").Value)) return default;
        if (!shapes.TryGet(out StatementShape shape)) return new ShapeMatch(IsNew: true, null, null, null);
        List<Token> literals = shapes.Literals;
        if (shape.IsIgnoredAt(engine.CatalogVersion) || shape.ValuesOf(literals) is not { } values) return default;
        try
        {
            if ((shape.Plan is null || shape.PreparedAtCatalogVersion != engine.CatalogVersion) && !await PrepareShapeAsync(shape, queryText, literals, cancellationToken)) return default;
            ParameterContext.ConvertValues(shape.Plan!.ParameterTypes, values, settings.DateTimeSettings);
        }
        catch (SqlException)
        {
            return default;
        }
        catch (StorageUnavailableException)
        {
            return default;
        }
        StatementsRunByShape++;
        return new ShapeMatch(IsNew: false, shape.Statement, values, shape.Plan);
    }

    /// <summary>Parses the shape's parameterised text and prepares it; false when the parse puts its parameters elsewhere
    /// or the prepare leaves one untyped (the shape is then ignored from now on) or fails (until the catalog changes).</summary>
    private async ValueTask<bool> PrepareShapeAsync(StatementShape shape, string queryText, List<Token> literals, CancellationToken cancellationToken)
    {
        IReadOnlyList<ParsedStatement> parsed;
        try
        {
            parsed = engine.Parse(shape.ParameterisedText(queryText, literals));
        }
        catch (SqlException)
        {
            shape.Ignore();
            return false;
        }
        if (parsed is not [var statement] || !shape.HasParametersAt(statement, literals))
        {
            shape.Ignore();
            return false;
        }
        long catalogVersion = engine.CatalogVersion;
        try
        {
            var (_, plan) = await engine.PrepareAsync(statement, shape.ParameterTypeOids(literals), new CatalogReader(this), settings.DateTimeSettings,
                cancellationToken, Environment);
            if (plan is null || plan.ParameterTypes.Any(type => type.Kind == TypeKind.Unknown))
            {
                shape.Ignore();
                return false;
            }
            shape.Keep(statement, plan, catalogVersion);
            return true;
        }
        catch (SqlException)
        {
            shape.FailedAt(catalogVersion);
            return false;
        }
    }
}
