using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Log.QueryNode.Sql.Parser;
using Log.QueryNode.Sql.Parser.Ast;

namespace Log.QueryNode.Tests.Sql;

/// <summary>Parse trees as compact text for assertions: nodes print as Type(Property=value ...) without locations and
/// without properties that are null, false, empty or an enum's "nothing" value; the commonest expressions print
/// shortly: a column as its dotted name, a constant as 1 / 'a' / NULL / true, an operator as (left op right).</summary>
internal static class ParseTreeText
{
    public static Statement Parse(string sql) => Assert.Single(SqlParser.ParseAll(sql)).Statement;

    public static string Of(string sql) => Write(Parse(sql));

    public static string Write(object? value)
    {
        var builder = new StringBuilder();
        Append(builder, value);
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, object? value)
    {
        switch (value)
        {
            case null:
                builder.Append("null");
                return;
            case string text:
                builder.Append(text);
                return;
            case ColumnRef column:
                builder.Append(string.Join('.', column.Fields.Append(column.Star ? "*" : null).OfType<string>()));
                return;
            case A_Const constant:
                builder.Append(constant.Kind switch
                {
                    ConstantKind.Null => "NULL",
                    ConstantKind.String => "'" + constant.Text + "'",
                    _ => constant.Text,
                });
                return;
            case A_Expr expression:
                builder.Append('(');
                if (expression.Left is not null)
                {
                    Append(builder, expression.Left);
                    builder.Append(' ');
                }
                builder.Append(expression.Operator).Append(' ');
                Append(builder, expression.Right);
                builder.Append(')');
                return;
            case TypeName typeName:
                builder.Append(typeName.Name);
                if (typeName.Modifiers.Count > 0) builder.Append('(').Append(string.Join(',', typeName.Modifiers)).Append(')');
                return;
            case IDictionary dictionary:
                builder.Append('{').AppendJoin(", ", dictionary.Keys.Cast<object>().OrderBy(key => key.ToString(), StringComparer.Ordinal)
                    .Select(key => key + "=" + (dictionary[key] ?? "null"))).Append('}');
                return;
            case ITuple tuple:
                Append(builder, tuple[0]);
                return;
            case IEnumerable list:
                builder.Append('[');
                bool first = true;
                foreach (object? item in list)
                {
                    if (!first) builder.Append(", ");
                    first = false;
                    Append(builder, item);
                }
                builder.Append(']');
                return;
            case Enum or bool or int:
                builder.Append(value);
                return;
        }
        Type type = value.GetType();
        builder.Append(type.Name).Append('(');
        bool firstProperty = true;
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(property => property.MetadataToken))
        {
            if (property.Name is "Location" or "EqualityContract") continue;
            object? propertyValue = property.GetValue(value);
            // A nullable flag (CommonTableExpr.Materialized) says something when false.
            bool nullableFlag = Nullable.GetUnderlyingType(property.PropertyType) == typeof(bool);
            if (nullableFlag ? propertyValue is null : IsNothing(propertyValue)) continue;
            if (!firstProperty) builder.Append(' ');
            firstProperty = false;
            builder.Append(property.Name).Append('=');
            Append(builder, propertyValue);
        }
        builder.Append(')');
    }

    private static bool IsNothing(object? value) => value switch
    {
        null => true,
        false => true,
        string => false,
        ICollection collection => collection.Count == 0,
        SetOperation.None or SortByDirection.Default or SortByNulls.Default or WindowFrameExclusion.NoOthers or OverridingKind.NotSet => true,
        _ => false,
    };
}
