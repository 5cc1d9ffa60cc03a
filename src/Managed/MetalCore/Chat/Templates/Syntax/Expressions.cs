using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Syntax;

/// <summary>An expression, with the position of its first token.</summary>
internal abstract record Expression(SourceLocation Location);

/// <summary>A literal: string, number, <c>true</c>/<c>false</c>/<c>none</c>.</summary>
internal sealed record LiteralExpression(SourceLocation Location, TemplateValue Value) : Expression(Location);

/// <summary>A variable reference.</summary>
internal sealed record NameExpression(SourceLocation Location, string Name) : Expression(Location);

/// <summary><c>ns.attr</c> as an assignment target (<c>{% set ns.attr = ... %}</c>).</summary>
internal sealed record NamespaceAttributeExpression(SourceLocation Location, string Namespace, string Attribute) : Expression(Location);

/// <summary><c>[a, b]</c>.</summary>
internal sealed record ListExpression(SourceLocation Location, IReadOnlyList<Expression> Items) : Expression(Location);

/// <summary><c>(a, b)</c> or a bare <c>a, b</c>; also tuple assignment targets.</summary>
internal sealed record TupleExpression(SourceLocation Location, IReadOnlyList<Expression> Items) : Expression(Location);

/// <summary><c>{k: v, ...}</c>.</summary>
internal sealed record DictExpression(SourceLocation Location, IReadOnlyList<KeyValuePair<Expression, Expression>> Entries) : Expression(Location);

/// <summary><c>target.name</c>: attribute first, then item, as jinja2's sandbox resolves it.</summary>
internal sealed record AttributeExpression(SourceLocation Location, Expression Target, string Name) : Expression(Location);

/// <summary><c>target[index]</c>: item first, then attribute.</summary>
internal sealed record ItemExpression(SourceLocation Location, Expression Target, Expression Index) : Expression(Location);

/// <summary><c>start:stop:step</c> inside brackets; any part may be absent.</summary>
internal sealed record SliceExpression(SourceLocation Location, Expression? Start, Expression? Stop, Expression? Step) : Expression(Location);

/// <summary>The arguments written in a call, filter or test: positional, keyword, <c>*args</c> and <c>**kwargs</c>.</summary>
internal sealed record CallArguments(
    IReadOnlyList<Expression> Positional,
    IReadOnlyList<KeyValuePair<string, Expression>> Keyword,
    Expression? ExtraPositional,
    Expression? ExtraKeyword)
{
    public static readonly CallArguments None = new([], [], null, null);
}

/// <summary><c>callee(arguments)</c>.</summary>
internal sealed record CallExpression(SourceLocation Location, Expression Callee, CallArguments Arguments) : Expression(Location);

/// <summary>
/// <c>target | name(arguments)</c>. <see cref="Target"/> is null for the filter of a
/// <c>{% filter %}</c> block or a block <c>set</c>, which apply to the rendered body.
/// </summary>
internal sealed record FilterExpression(SourceLocation Location, Expression? Target, string Name, CallArguments Arguments) : Expression(Location);

/// <summary><c>target is name(arguments)</c> (negation is a <see cref="NotExpression"/> around it).</summary>
internal sealed record TestExpression(SourceLocation Location, Expression Target, string Name, CallArguments Arguments) : Expression(Location);

/// <summary>The arithmetic operators and <c>~</c>.</summary>
internal enum BinaryOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
    FloorDivide,
    Modulo,
    Power,
}

/// <summary><c>left op right</c> for arithmetic.</summary>
internal sealed record BinaryExpression(SourceLocation Location, BinaryOperator Operator, Expression Left, Expression Right) : Expression(Location);

/// <summary><c>a ~ b ~ c</c>: string concatenation of each operand's <c>str()</c>.</summary>
internal sealed record ConcatExpression(SourceLocation Location, IReadOnlyList<Expression> Operands) : Expression(Location);

/// <summary>Unary <c>-x</c> (<see cref="Negate"/> true) or <c>+x</c>.</summary>
internal sealed record SignExpression(SourceLocation Location, bool Negate, Expression Operand) : Expression(Location);

/// <summary><c>not x</c>.</summary>
internal sealed record NotExpression(SourceLocation Location, Expression Operand) : Expression(Location);

/// <summary><c>a and b</c> (<see cref="IsAnd"/>) or <c>a or b</c>: Python's short-circuit returning an operand.</summary>
internal sealed record LogicalExpression(SourceLocation Location, bool IsAnd, Expression Left, Expression Right) : Expression(Location);

/// <summary>The comparison operators.</summary>
internal enum CompareOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    In,
    NotIn,
}

/// <summary><c>a &lt; b &lt;= c</c>: a chain of comparisons, true when every link holds.</summary>
internal sealed record CompareExpression(
    SourceLocation Location,
    Expression First,
    IReadOnlyList<KeyValuePair<CompareOperator, Expression>> Links) : Expression(Location);

/// <summary><c>then if test else otherwise</c>; without <c>else</c> the false case is undefined.</summary>
internal sealed record ConditionalExpression(SourceLocation Location, Expression Test, Expression Then, Expression? Otherwise) : Expression(Location);
