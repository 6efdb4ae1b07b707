namespace Log.QueryNode.Sql.Functions;

/// <summary>
/// Operators that are calls of registered functions (pg_operator with its oprcode): the symbol and its operand types
/// lead to a <see cref="FunctionDefinition"/>, chosen with the same overload resolution as function calls
/// (oper_select_candidate). Comparison, arithmetic and || keep their own bound nodes; this holds the others.
/// </summary>
internal sealed class OperatorRegistry
{
    private readonly Dictionary<string, List<FunctionDefinition>> _infix = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<FunctionDefinition>> _prefix = new(StringComparer.Ordinal);

    public static OperatorRegistry Builtins { get; } = BuiltinOperators.Create(FunctionRegistry.Builtins);

    public void AddInfix(string symbol, FunctionDefinition function) => Add(_infix, symbol, function, 2);

    public void AddPrefix(string symbol, FunctionDefinition function) => Add(_prefix, symbol, function, 1);

    private static void Add(Dictionary<string, List<FunctionDefinition>> operators, string symbol, FunctionDefinition function, int operands)
    {
        if (function.Parameters.Count != operands || function.VariadicAny)
        {
            throw new InvalidOperationException($"operator {symbol} needs a function of {operands} arguments, not {function}");
        }
        if (!operators.TryGetValue(symbol, out List<FunctionDefinition>? overloads))
        {
            overloads = [];
            operators.Add(symbol, overloads);
        }
        overloads.Add(function);
    }

    public IReadOnlyList<FunctionDefinition> Infix(string symbol) => _infix.TryGetValue(symbol, out List<FunctionDefinition>? overloads) ? overloads : [];

    public IReadOnlyList<FunctionDefinition> Prefix(string symbol) => _prefix.TryGetValue(symbol, out List<FunctionDefinition>? overloads) ? overloads : [];
}
