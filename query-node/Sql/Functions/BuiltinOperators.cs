using Log.QueryNode.Sql.Types;

namespace Log.QueryNode.Sql.Functions;

/// <summary>The built-in operators that map to functions, as PostgreSQL 15's pg_operator maps them.</summary>
internal static partial class BuiltinOperators
{
    public static OperatorRegistry Create(FunctionRegistry functions)
    {
        var operators = new OperatorRegistry();
        operators.AddInfix("~", functions.Get("textregexeq", SqlType.Text, SqlType.Text));
        operators.AddInfix("!~", functions.Get("textregexne", SqlType.Text, SqlType.Text));
        operators.AddInfix("~*", functions.Get("texticregexeq", SqlType.Text, SqlType.Text));
        operators.AddInfix("!~*", functions.Get("texticregexne", SqlType.Text, SqlType.Text));
        operators.AddInfix("~~", functions.Get("textlike", SqlType.Text, SqlType.Text));
        operators.AddInfix("!~~", functions.Get("textnlike", SqlType.Text, SqlType.Text));
        operators.AddInfix("~~*", functions.Get("texticlike", SqlType.Text, SqlType.Text));
        operators.AddInfix("!~~*", functions.Get("texticnlike", SqlType.Text, SqlType.Text));
        operators.AddInfix("^@", functions.Get("starts_with", SqlType.Text, SqlType.Text));
        operators.AddInfix("^", functions.Get("power", SqlType.Float8, SqlType.Float8));
        operators.AddInfix("^", functions.Get("power", SqlType.Numeric, SqlType.Numeric));
        operators.AddInfix("+", functions.Get("date_pli", SqlType.Date, SqlType.Int4));
        operators.AddInfix("+", functions.Get("integer_pl_date", SqlType.Int4, SqlType.Date));
        operators.AddInfix("-", functions.Get("date_mii", SqlType.Date, SqlType.Int4));
        operators.AddInfix("-", functions.Get("date_mi", SqlType.Date, SqlType.Date));
        operators.AddPrefix("|/", functions.Get("sqrt", SqlType.Float8));
        operators.AddPrefix("||/", functions.Get("cbrt", SqlType.Float8));
        foreach (SqlType type in new[] { SqlType.Int2, SqlType.Int4, SqlType.Int8, SqlType.Float8, SqlType.Numeric })
        {
            operators.AddPrefix("@", functions.Get("abs", type));
        }
        foreach (SqlType type in new[] { SqlType.Int2, SqlType.Int4, SqlType.Int8 })
        {
            string prefix = type.InternalName;
            operators.AddInfix("&", functions.Get(prefix + "and", type, type));
            operators.AddInfix("|", functions.Get(prefix + "or", type, type));
            operators.AddInfix("#", functions.Get(prefix + "xor", type, type));
            operators.AddPrefix("~", functions.Get(prefix + "not", type));
            operators.AddInfix("<<", functions.Get(prefix + "shl", type, SqlType.Int4));
            operators.AddInfix(">>", functions.Get(prefix + "shr", type, SqlType.Int4));
        }
        AddBinaryOperators(operators, functions);
        AddIntervalOperators(operators, functions);
        AddTimeTzOperators(operators, functions);
        AddArrayOperators(operators, functions);
        AddJsonOperators(operators, functions);
        return operators;
    }

    // One family per partial file, as the functions they call.
    static partial void AddBinaryOperators(OperatorRegistry operators, FunctionRegistry functions);

    static partial void AddIntervalOperators(OperatorRegistry operators, FunctionRegistry functions);

    static partial void AddTimeTzOperators(OperatorRegistry operators, FunctionRegistry functions);

    static partial void AddArrayOperators(OperatorRegistry operators, FunctionRegistry functions);

    static partial void AddJsonOperators(OperatorRegistry operators, FunctionRegistry functions);
}
