using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Sql.Binder;

/// <summary>PostgreSQL's FigureColname: the output name of a select-list item without an alias.</summary>
internal static class ColumnNaming
{
    public const string Unnamed = "?column?";

    public static string FigureName(Expression expression)
    {
        (string? name, _) = Figure(expression);
        return name ?? Unnamed;
    }

    /// <summary>The name and its strength: 2 for a real name (column, function), 1 for a fallback (a cast's type, CASE).</summary>
    private static (string? Name, int Strength) Figure(Expression expression)
    {
        switch (expression)
        {
            case ColumnRef columnRef:
                return columnRef.Fields.Count == 0 ? (null, 0) : (columnRef.Fields[^1], 2);
            case FuncCall call:
                return (call.Name, 2);
            case TypeCast cast:
                (string? inner, int strength) = Figure(cast.Argument);
                if (strength > 1) return (inner, strength);
                string typeName;
                try
                {
                    // A written array type (int2[]) is named after its element, the last name PostgreSQL's grammar keeps.
                    (Types.SqlType type, string internalName) = TypeResolver.Resolve(cast.TypeName);
                    typeName = cast.TypeName.Name.EndsWith(']') && type.Kind == Types.TypeKind.Array ? type.ElementType.InternalName : internalName;
                }
                catch (Execution.SqlException)
                {
                    typeName = cast.TypeName.Name;
                }
                return (typeName, 1);
            case FieldIndirection { Field: { } field }:
                return (field, 2);
            case A_Indirection indirection:
                // Subscripts keep the name of what they subscript (indkey[0] is "indkey").
                return Figure(indirection.Argument);
            case SubLink { Type: SubLinkType.Exists }:
                return ("exists", 2);
            case SubLink { Type: SubLinkType.Array }:
                return ("array", 2);
            case SubLink { Type: SubLinkType.Expr, Subselect: var subselect }:
            {
                // A scalar subquery is named after its one output column, as PostgreSQL's FigureColnameInternal does.
                SelectStmt leaf = subselect;
                while (leaf.Op != SetOperation.None && leaf.Larg is not null) leaf = leaf.Larg;
                if (leaf.TargetList.Count == 0) return (null, 0);
                ResTarget target = leaf.TargetList[0];
                return target.Name is not null ? (target.Name, 2) : Figure(target.Value);
            }
            case A_Const { Kind: ConstantKind.Boolean }:
                // TRUE and FALSE are parsed as 't'::bool in PostgreSQL.
                return ("bool", 1);
            case RowExpr:
                // ROW(...) and (a, b) alike: gram.y makes both a RowExpr, which FigureColnameInternal names "row".
                return ("row", 2);
            case CaseExpr caseExpression:
                (string? result, int resultStrength) = caseExpression.Else is null ? (null, 0) : Figure(caseExpression.Else);
                return resultStrength > 1 ? (result, resultStrength) : ("case", 1);
            default:
                return (null, 0);
        }
    }
}
