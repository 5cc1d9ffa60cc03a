using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Runtime;
using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Library;

/// <summary>A test: <c>value is name(arguments)</c>.</summary>
internal delegate bool TestFunction(TemplateValue value, Arguments arguments);

/// <summary>jinja2's tests (<c>is defined</c>, <c>is string</c>, <c>is divisibleby 3</c>, ...), all of them.</summary>
internal static class TestLibrary
{
    private static readonly Dictionary<string, TestFunction> s_tests = new(StringComparer.Ordinal)
    {
        ["defined"] = (v, a) => NoArguments(a, "defined", v is not UndefinedValue),
        ["undefined"] = (v, a) => NoArguments(a, "undefined", v is UndefinedValue),
        ["none"] = (v, a) => NoArguments(a, "none", v is NoneValue),
        ["boolean"] = (v, a) => NoArguments(a, "boolean", v is BooleanValue),
        ["true"] = (v, a) => NoArguments(a, "true", v is BooleanValue { Value: true }),
        ["false"] = (v, a) => NoArguments(a, "false", v is BooleanValue { Value: false }),
        ["integer"] = (v, a) => NoArguments(a, "integer", v is IntegerValue),
        ["float"] = (v, a) => NoArguments(a, "float", v is FloatValue),
        ["number"] = (v, a) => NoArguments(a, "number", PythonObjects.IsNumber(v)),
        ["string"] = (v, a) => NoArguments(a, "string", v is StringValue),
        ["mapping"] = (v, a) => NoArguments(a, "mapping", v is DictValue),
        // jinja2: len() and __getitem__ work. Strings and dicts count, dict views and iterators do not.
        ["sequence"] = (v, a) => NoArguments(a, "sequence", v is StringValue or DictValue or UndefinedValue or ListValue { IsSubscriptable: true }),
        ["iterable"] = (v, a) => NoArguments(a, "iterable", PythonObjects.IsIterable(v)),
        ["callable"] = (v, a) => NoArguments(a, "callable", v is CallableValue),
        ["escaped"] = (v, a) => NoArguments(a, "escaped", v is StringValue { IsSafe: true }),
        ["lower"] = (v, a) => NoArguments(a, "lower", PythonText.IsLower(PythonRepr.Str(v))),
        ["upper"] = (v, a) => NoArguments(a, "upper", PythonText.IsUpper(PythonRepr.Str(v))),
        ["odd"] = (v, a) => NoArguments(a, "odd", IsRemainder(v, 2, 1)),
        ["even"] = (v, a) => NoArguments(a, "even", IsRemainder(v, 2, 0)),
        ["divisibleby"] = (v, a) => IsRemainder(v, a.Bind("divisibleby", 1, "num")[0]!, 0),
        ["sameas"] = (v, a) => IsSame(v, a.Bind("sameas", 1, "other")[0]!),
        ["in"] = (v, a) => PythonObjects.Contains(a.Bind("in", 1, "seq")[0]!, v),
        ["filter"] = (v, a) => NoArguments(a, "filter", v is StringValue s && FilterLibrary.IsKnownToJinja(s.Value)),
        ["test"] = (v, a) => NoArguments(a, "test", v is StringValue s && s_tests!.ContainsKey(s.Value)),
        ["=="] = Equal,
        ["eq"] = Equal,
        ["equalto"] = Equal,
        ["!="] = (v, a) => !Equal(v, a),
        ["ne"] = (v, a) => !Equal(v, a),
        [">"] = (v, a) => Order(v, a, ">", o => o > 0),
        ["gt"] = (v, a) => Order(v, a, ">", o => o > 0),
        ["greaterthan"] = (v, a) => Order(v, a, ">", o => o > 0),
        [">="] = (v, a) => Order(v, a, ">=", o => o >= 0),
        ["ge"] = (v, a) => Order(v, a, ">=", o => o >= 0),
        ["<"] = (v, a) => Order(v, a, "<", o => o < 0),
        ["lt"] = (v, a) => Order(v, a, "<", o => o < 0),
        ["lessthan"] = (v, a) => Order(v, a, "<", o => o < 0),
        ["<="] = (v, a) => Order(v, a, "<=", o => o <= 0),
        ["le"] = (v, a) => Order(v, a, "<=", o => o <= 0),
    };

    /// <summary>Whether jinja2 has a test of this name (all of them are implemented).</summary>
    public static bool IsKnownToJinja(string name) => s_tests.ContainsKey(name);

    public static bool Apply(string name, TemplateValue value, Arguments arguments) =>
        s_tests.TryGetValue(name, out var test)
            ? test(value, arguments)
            : throw TemplateError.Runtime($"No test named '{name}' found.");

    private static bool NoArguments(Arguments arguments, string name, bool result)
    {
        arguments.Bind(name);
        return result;
    }

    // value % divisor == remainder, with Python's modulo (so 3.0 is odd, and a str fails).
    private static bool IsRemainder(TemplateValue value, TemplateValue divisor, long remainder) =>
        PythonObjects.AreEqual(Arithmetic.Apply(Syntax.BinaryOperator.Modulo, value, divisor), IntegerValue.Of(remainder));

    private static bool IsRemainder(TemplateValue value, long divisor, long remainder) =>
        IsRemainder(value, IntegerValue.Of(divisor), remainder);

    // Python's "is": the same object. None, True and False are singletons; so are small ints in CPython.
    private static bool IsSame(TemplateValue value, TemplateValue other) =>
        ReferenceEquals(value, other)
        || (value is NoneValue && other is NoneValue)
        || (value is IntegerValue x && other is IntegerValue y && x.Value == y.Value && x.Value is >= -5 and <= 256);

    private static bool Equal(TemplateValue value, Arguments arguments) =>
        PythonObjects.AreEqual(value, arguments.Bind("eq", 1, "other")[0]!);

    private static bool Order(TemplateValue value, Arguments arguments, string op, Func<int, bool> holds) =>
        PythonObjects.Compare(value, arguments.Bind(op, 1, "other")[0]!, op) is { } order && holds(order);
}
