namespace MetalCore.Chat.Templates.Syntax;

/// <summary>A template statement, with the position of its tag.</summary>
internal abstract record Statement(SourceLocation Location);

/// <summary>Template text outside tags.</summary>
internal sealed record TextStatement(SourceLocation Location, string Text) : Statement(Location);

/// <summary><c>{{ expression }}</c> (and <c>{% print expression %}</c>).</summary>
internal sealed record OutputStatement(SourceLocation Location, Expression Expression) : Statement(Location);

/// <summary>One <c>if</c> or <c>elif</c> test with its body.</summary>
internal sealed record ConditionalBranch(Expression Test, IReadOnlyList<Statement> Body);

/// <summary><c>{% if %}...{% elif %}...{% else %}...{% endif %}</c>.</summary>
internal sealed record IfStatement(SourceLocation Location, IReadOnlyList<ConditionalBranch> Branches, IReadOnlyList<Statement> Else) : Statement(Location);

/// <summary><c>{% for target in iterable if filter %}...{% else %}...{% endfor %}</c>.</summary>
internal sealed record ForStatement(
    SourceLocation Location,
    Expression Target,
    Expression Iterable,
    Expression? Filter,
    IReadOnlyList<Statement> Body,
    IReadOnlyList<Statement> Else) : Statement(Location);

/// <summary><c>{% break %}</c>.</summary>
internal sealed record BreakStatement(SourceLocation Location) : Statement(Location);

/// <summary><c>{% continue %}</c>.</summary>
internal sealed record ContinueStatement(SourceLocation Location) : Statement(Location);

/// <summary><c>{% set target = value %}</c>.</summary>
internal sealed record SetStatement(SourceLocation Location, Expression Target, Expression Value) : Statement(Location);

/// <summary><c>{% set target | filter %}body{% endset %}</c>: assigns the rendered body.</summary>
internal sealed record SetBlockStatement(SourceLocation Location, Expression Target, FilterExpression? Filter, IReadOnlyList<Statement> Body) : Statement(Location);

/// <summary>A macro or call-block parameter with its optional default.</summary>
internal sealed record Parameter(string Name, Expression? Default);

/// <summary><c>{% macro name(parameters) %}body{% endmacro %}</c>.</summary>
internal sealed record MacroStatement(
    SourceLocation Location,
    string Name,
    IReadOnlyList<Parameter> Parameters,
    IReadOnlyList<Statement> Body) : Statement(Location);

/// <summary><c>{% call(parameters) macro(arguments) %}body{% endcall %}</c>: the body becomes the macro's <c>caller()</c>.</summary>
internal sealed record CallBlockStatement(
    SourceLocation Location,
    IReadOnlyList<Parameter> Parameters,
    CallExpression Call,
    IReadOnlyList<Statement> Body) : Statement(Location);

/// <summary><c>{% filter name %}body{% endfilter %}</c>: prints the filtered rendered body.</summary>
internal sealed record FilterBlockStatement(SourceLocation Location, FilterExpression Filter, IReadOnlyList<Statement> Body) : Statement(Location);

/// <summary><c>{% with a = x, b = y %}body{% endwith %}</c>: the body in a scope with those variables.</summary>
internal sealed record WithStatement(
    SourceLocation Location,
    IReadOnlyList<KeyValuePair<Expression, Expression>> Assignments,
    IReadOnlyList<Statement> Body) : Statement(Location);

/// <summary>
/// Hugging Face's <c>{% generation %}body{% endgeneration %}</c>, which marks assistant tokens for
/// training masks; rendering prints the body as is.
/// </summary>
internal sealed record GenerationStatement(SourceLocation Location, IReadOnlyList<Statement> Body) : Statement(Location);
