using System.Globalization;
using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Lexing;
using MetalCore.Chat.Templates.Syntax;
using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Parsing;

/// <summary>
/// Expressions, by jinja2's precedence, loosest first: conditional <c>x if c else y</c>, <c>or</c>,
/// <c>and</c>, <c>not</c>, comparisons (<c>== != &lt; &gt; &lt;= &gt;= in</c>, <c>not in</c>),
/// <c>+ -</c>, <c>~</c>, <c>* / // %</c>, <c>**</c>, unary <c>- +</c>, then a primary with its
/// postfixes (<c>.attr</c>, <c>[item]</c>, calls) followed by filters (<c>|f</c>) and tests
/// (<c>is t</c>). Filters thus bind tighter than arithmetic: <c>'a' + x|trim</c> trims x only.
/// </summary>
internal sealed partial class TemplateParser
{
    private Expression ParseExpression(bool withCondition = true)
    {
        StackGuard.Ensure(_tokens.Current.Location);
        return withCondition ? ParseConditional() : ParseOr();
    }

    private Expression ParseConditional()
    {
        var location = _tokens.Current.Location;
        var expression = ParseOr();
        while (_tokens.SkipIfName("if"))
        {
            var wasSoft = _soft;
            _soft = true;
            try
            {
                var test = ParseOr();
                var otherwise = _tokens.SkipIfName("else") ? ParseConditional() : null;
                expression = new ConditionalExpression(location, test, expression, otherwise);
            }
            finally
            {
                _soft = wasSoft;
            }
            location = _tokens.Current.Location;
        }
        return expression;
    }

    private Expression ParseOr()
    {
        var location = _tokens.Current.Location;
        var left = ParseAnd();
        while (_tokens.SkipIfName("or"))
        {
            left = new LogicalExpression(location, IsAnd: false, left, ParseAnd());
            location = _tokens.Current.Location;
        }
        return left;
    }

    private Expression ParseAnd()
    {
        var location = _tokens.Current.Location;
        var left = ParseNot();
        while (_tokens.SkipIfName("and"))
        {
            left = new LogicalExpression(location, IsAnd: true, left, ParseNot());
            location = _tokens.Current.Location;
        }
        return left;
    }

    private Expression ParseNot()
    {
        StackGuard.Ensure(_tokens.Current.Location);
        if (_tokens.Current.IsName("not"))
        {
            var location = _tokens.Next().Location;
            return new NotExpression(location, ParseNot());
        }
        return ParseCompare();
    }

    private Expression ParseCompare()
    {
        var location = _tokens.Current.Location;
        var first = ParseAdditive();
        var links = new List<KeyValuePair<CompareOperator, Expression>>();
        while (true)
        {
            var token = _tokens.Current;
            CompareOperator? op = token.Kind == TokenKind.Operator
                ? token.Text switch
                {
                    "==" => CompareOperator.Equal,
                    "!=" => CompareOperator.NotEqual,
                    "<" => CompareOperator.Less,
                    "<=" => CompareOperator.LessOrEqual,
                    ">" => CompareOperator.Greater,
                    ">=" => CompareOperator.GreaterOrEqual,
                    _ => null,
                }
                : null;
            if (op is not null)
            {
                _tokens.Next();
            }
            else if (_tokens.SkipIfName("in"))
            {
                op = CompareOperator.In;
            }
            else if (token.IsName("not") && _tokens.Peek.IsName("in"))
            {
                _tokens.Next();
                _tokens.Next();
                op = CompareOperator.NotIn;
            }
            else
            {
                break;
            }
            links.Add(new(op.Value, ParseAdditive()));
        }
        return links.Count == 0 ? first : new CompareExpression(location, first, links);
    }

    private Expression ParseAdditive()
    {
        var location = _tokens.Current.Location;
        var left = ParseConcat();
        while (_tokens.Current.IsOperator("+") || _tokens.Current.IsOperator("-"))
        {
            var op = _tokens.Next().Text == "+" ? BinaryOperator.Add : BinaryOperator.Subtract;
            left = new BinaryExpression(location, op, left, ParseConcat());
            location = _tokens.Current.Location;
        }
        return left;
    }

    private Expression ParseConcat()
    {
        var location = _tokens.Current.Location;
        var operands = new List<Expression> { ParseMultiplicative() };
        while (_tokens.SkipIfOperator("~"))
        {
            operands.Add(ParseMultiplicative());
        }
        return operands.Count == 1 ? operands[0] : new ConcatExpression(location, operands);
    }

    private Expression ParseMultiplicative()
    {
        var location = _tokens.Current.Location;
        var left = ParsePower();
        while (true)
        {
            BinaryOperator? op = _tokens.Current.Kind != TokenKind.Operator ? null : _tokens.Current.Text switch
            {
                "*" => BinaryOperator.Multiply,
                "/" => BinaryOperator.Divide,
                "//" => BinaryOperator.FloorDivide,
                "%" => BinaryOperator.Modulo,
                _ => null,
            };
            if (op is null)
            {
                return left;
            }
            _tokens.Next();
            left = new BinaryExpression(location, op.Value, left, ParsePower());
            location = _tokens.Current.Location;
        }
    }

    private Expression ParsePower()
    {
        var location = _tokens.Current.Location;
        var left = ParseUnary();
        while (_tokens.SkipIfOperator("**"))
        {
            // Left-associative in jinja2 (2 ** 3 ** 2 == 64), unlike Python.
            left = new BinaryExpression(location, BinaryOperator.Power, left, ParseUnary());
            location = _tokens.Current.Location;
        }
        return left;
    }

    private Expression ParseUnary(bool withFilters = true)
    {
        StackGuard.Ensure(_tokens.Current.Location);
        var token = _tokens.Current;
        Expression expression;
        if (token.IsOperator("-") || token.IsOperator("+"))
        {
            _tokens.Next();
            expression = new SignExpression(token.Location, token.Text == "-", ParseUnary(withFilters: false));
        }
        else
        {
            expression = ParsePrimary();
        }
        expression = ParsePostfix(expression);
        return withFilters ? ParseFiltersAndTests(expression) : expression;
    }

    private Expression ParsePrimary(bool withNamespace = false)
    {
        var token = _tokens.Current;
        switch (token.Kind)
        {
            case TokenKind.Name:
                _tokens.Next();
                switch (token.Text)
                {
                    case "true" or "True":
                        return new LiteralExpression(token.Location, BooleanValue.True);
                    case "false" or "False":
                        return new LiteralExpression(token.Location, BooleanValue.False);
                    case "none" or "None":
                        return new LiteralExpression(token.Location, NoneValue.Instance);
                }
                if (withNamespace && _tokens.SkipIfOperator("."))
                {
                    return new NamespaceAttributeExpression(token.Location, token.Text, _tokens.Expect(TokenKind.Name).Text);
                }
                return new NameExpression(token.Location, token.Text);
            case TokenKind.String:
                // Adjacent string literals are one string, as in Python.
                var text = _tokens.Next().Text;
                while (_tokens.Current.Kind == TokenKind.String)
                {
                    text += _tokens.Next().Text;
                }
                return new LiteralExpression(token.Location, new StringValue(text));
            case TokenKind.Integer:
                _tokens.Next();
                return new LiteralExpression(token.Location, IntegerValue.Of(ParseInteger(token)));
            case TokenKind.Float:
                _tokens.Next();
                return new LiteralExpression(token.Location,
                    new FloatValue(double.Parse(token.Text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture)));
            case TokenKind.Operator when token.Text == "(":
                _tokens.Next();
                var inner = ParseTuple(explicitParentheses: true);
                _tokens.ExpectOperator(")");
                return inner;
            case TokenKind.Operator when token.Text == "[":
                return ParseList();
            case TokenKind.Operator when token.Text == "{":
                return ParseDict();
            default:
                throw _tokens.SyntaxError($"unexpected {PythonRepr.QuoteString(token.Description)}");
        }
    }

    private static long ParseInteger(Token token)
    {
        var digits = token.Text.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        try
        {
            return digits.Length > 2 && digits[0] == '0' && digits[1] is 'b' or 'o' or 'x'
                ? Convert.ToInt64(digits[2..], digits[1] switch { 'b' => 2, 'o' => 8, _ => 16 })
                : long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch (OverflowException)
        {
            throw new TemplateError(ChatTemplateErrorKind.Unsupported, $"integer literal {token.Text} does not fit in 64 bits")
            {
                Location = token.Location,
            };
        }
    }

    /// <summary>
    /// An expression, or a tuple when commas separate several (<c>{{ a, b }}</c>, <c>for k, v in ...</c>).
    /// </summary>
    private Expression ParseTuple(bool withCondition = true, string? extraEndName = null, bool explicitParentheses = false) =>
        ParseTupleOf(() => ParseExpression(withCondition), extraEndName, explicitParentheses);

    private Expression ParseTupleOf(Func<Expression> parseItem, string? extraEndName = null, bool explicitParentheses = false)
    {
        var location = _tokens.Current.Location;
        var items = new List<Expression>();
        var isTuple = false;
        while (true)
        {
            if (items.Count != 0)
            {
                _tokens.ExpectOperator(",");
            }
            if (IsTupleEnd(extraEndName))
            {
                break;
            }
            items.Add(parseItem());
            if (!_tokens.Current.IsOperator(","))
            {
                break;
            }
            isTuple = true;
        }
        if (!isTuple)
        {
            if (items.Count != 0)
            {
                return items[0];
            }
            if (!explicitParentheses)
            {
                throw _tokens.SyntaxError($"Expected an expression, got {PythonRepr.QuoteString(_tokens.Current.Description)}");
            }
        }
        return new TupleExpression(location, items);
    }

    private bool IsTupleEnd(string? extraEndName)
    {
        var token = _tokens.Current;
        return token.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd
            || token.IsOperator(")")
            || (extraEndName is not null && token.IsName(extraEndName));
    }

    /// <summary>An assignment target: a name, a tuple of names or (for set) <c>ns.attr</c>.</summary>
    private Expression ParseAssignTarget(string? extraEndName = null, bool withNamespace = false)
    {
        var target = ParseTupleOf(() => ParsePrimary(withNamespace), extraEndName);
        var assignable = target switch
        {
            NameExpression or NamespaceAttributeExpression => true,
            TupleExpression tuple => tuple.Items.All(i => i is NameExpression),
            _ => false,
        };
        if (!assignable)
        {
            throw new TemplateError(ChatTemplateErrorKind.Syntax, $"can't assign to {PythonRepr.QuoteString(JinjaNodeName(target))}")
            {
                Location = target.Location,
            };
        }
        return target;
    }

    /// <summary>The lower-cased name of jinja2's node class for an expression, as its "can't assign" message names it.</summary>
    private static string JinjaNodeName(Expression expression) => expression switch
    {
        LiteralExpression => "const",
        NameExpression => "name",
        TupleExpression => "tuple",
        ListExpression => "list",
        DictExpression => "dict",
        AttributeExpression => "getattr",
        ItemExpression => "getitem",
        SliceExpression => "slice",
        CallExpression => "call",
        FilterExpression => "filter",
        TestExpression => "test",
        BinaryExpression binary => binary.Operator switch
        {
            BinaryOperator.Add => "add",
            BinaryOperator.Subtract => "sub",
            BinaryOperator.Multiply => "mul",
            BinaryOperator.Divide => "div",
            BinaryOperator.FloorDivide => "floordiv",
            BinaryOperator.Modulo => "mod",
            _ => "pow",
        },
        ConcatExpression => "concat",
        SignExpression sign => sign.Negate ? "neg" : "pos",
        NotExpression => "not",
        LogicalExpression logical => logical.IsAnd ? "and" : "or",
        CompareExpression => "compare",
        ConditionalExpression => "condexpr",
        _ => "nsref",
    };

    private ListExpression ParseList()
    {
        var location = _tokens.ExpectOperator("[").Location;
        var items = new List<Expression>();
        while (!_tokens.Current.IsOperator("]"))
        {
            if (items.Count != 0)
            {
                _tokens.ExpectOperator(",");
            }
            if (_tokens.Current.IsOperator("]"))
            {
                break;
            }
            items.Add(ParseExpression());
        }
        _tokens.ExpectOperator("]");
        return new ListExpression(location, items);
    }

    private DictExpression ParseDict()
    {
        var location = _tokens.ExpectOperator("{").Location;
        var entries = new List<KeyValuePair<Expression, Expression>>();
        while (!_tokens.Current.IsOperator("}"))
        {
            if (entries.Count != 0)
            {
                _tokens.ExpectOperator(",");
            }
            if (_tokens.Current.IsOperator("}"))
            {
                break;
            }
            var key = ParseExpression();
            _tokens.ExpectOperator(":");
            entries.Add(new(key, ParseExpression()));
        }
        _tokens.ExpectOperator("}");
        return new DictExpression(location, entries);
    }

    private Expression ParsePostfix(Expression expression)
    {
        while (true)
        {
            var token = _tokens.Current;
            if (token.IsOperator(".") || token.IsOperator("["))
            {
                expression = ParseSubscript(expression);
            }
            else if (token.IsOperator("("))
            {
                expression = new CallExpression(token.Location, expression, ParseCallArguments());
            }
            else
            {
                return expression;
            }
        }
    }

    private Expression ParseFiltersAndTests(Expression expression)
    {
        while (true)
        {
            var token = _tokens.Current;
            if (token.IsOperator("|"))
            {
                expression = ParseFilterChain(expression)!;
            }
            else if (token.IsName("is"))
            {
                expression = ParseTest(expression);
            }
            else if (token.IsOperator("("))
            {
                expression = new CallExpression(token.Location, expression, ParseCallArguments());
            }
            else
            {
                return expression;
            }
        }
    }

    private Expression ParseSubscript(Expression target)
    {
        var token = _tokens.Next();
        if (token.Text == ".")
        {
            var attribute = _tokens.Next();
            return attribute.Kind switch
            {
                TokenKind.Name => new AttributeExpression(token.Location, target, attribute.Text),
                // x.0 is x[0].
                TokenKind.Integer => new ItemExpression(token.Location, target,
                    new LiteralExpression(attribute.Location, IntegerValue.Of(ParseInteger(attribute)))),
                _ => throw TokenStream.SyntaxError("expected name or number", attribute),
            };
        }
        var indices = new List<Expression>();
        while (!_tokens.Current.IsOperator("]"))
        {
            if (indices.Count != 0)
            {
                _tokens.ExpectOperator(",");
            }
            indices.Add(ParseSubscribed());
        }
        _tokens.ExpectOperator("]");
        var index = indices.Count == 1 ? indices[0] : new TupleExpression(token.Location, indices);
        return new ItemExpression(token.Location, target, index);
    }

    /// <summary>What goes between brackets: an expression or a slice <c>start:stop:step</c>.</summary>
    private Expression ParseSubscribed()
    {
        var location = _tokens.Current.Location;
        Expression? start = null;
        if (!_tokens.Current.IsOperator(":"))
        {
            start = ParseExpression();
            if (!_tokens.Current.IsOperator(":"))
            {
                return start;
            }
        }
        _tokens.Next();
        bool AtPartEnd() => _tokens.Current.IsOperator(":") || _tokens.Current.IsOperator("]") || _tokens.Current.IsOperator(",");
        var stop = AtPartEnd() ? null : ParseExpression();
        Expression? step = null;
        if (_tokens.SkipIfOperator(":") && !AtPartEnd())
        {
            step = ParseExpression();
        }
        return new SliceExpression(location, start, stop, step);
    }

    private CallArguments ParseCallArguments()
    {
        var open = _tokens.ExpectOperator("(");
        var positional = new List<Expression>();
        var keyword = new List<KeyValuePair<string, Expression>>();
        Expression? extraPositional = null;
        Expression? extraKeyword = null;
        void Ensure(bool valid)
        {
            if (!valid)
            {
                throw TokenStream.SyntaxError("invalid syntax for function call expression", open);
            }
        }

        var requireComma = false;
        while (!_tokens.Current.IsOperator(")"))
        {
            if (requireComma)
            {
                _tokens.ExpectOperator(",");
                if (_tokens.Current.IsOperator(")"))
                {
                    break;
                }
            }
            if (_tokens.SkipIfOperator("*"))
            {
                Ensure(extraPositional is null && extraKeyword is null);
                extraPositional = ParseExpression();
            }
            else if (_tokens.SkipIfOperator("**"))
            {
                Ensure(extraKeyword is null);
                extraKeyword = ParseExpression();
            }
            else if (_tokens.Current.Kind == TokenKind.Name && _tokens.Peek.IsOperator("="))
            {
                Ensure(extraKeyword is null);
                var name = _tokens.Next().Text;
                _tokens.Next();
                keyword.Add(new(name, ParseExpression()));
            }
            else
            {
                Ensure(extraPositional is null && extraKeyword is null && keyword.Count == 0);
                positional.Add(ParseExpression());
            }
            requireComma = true;
        }
        _tokens.ExpectOperator(")");
        return new CallArguments(positional, keyword, extraPositional, extraKeyword);
    }

    /// <summary>
    /// <c>| name(args) | name2 ...</c> applied to <paramref name="target"/>; with
    /// <paramref name="startInline"/> the first filter has no leading pipe (<c>{% filter upper %}</c>).
    /// </summary>
    private FilterExpression? ParseFilterChain(Expression? target, bool startInline = false)
    {
        FilterExpression? filter = null;
        while (_tokens.Current.IsOperator("|") || startInline)
        {
            if (!startInline)
            {
                _tokens.Next();
            }
            startInline = false;
            var nameToken = _tokens.Expect(TokenKind.Name);
            var name = ParseDottedName(nameToken.Text);
            CheckKnown(isFilter: true, name, nameToken);
            var arguments = _tokens.Current.IsOperator("(") ? ParseCallArguments() : CallArguments.None;
            filter = new FilterExpression(nameToken.Location, filter ?? target, name, arguments);
        }
        return filter;
    }

    private Expression ParseTest(Expression target)
    {
        var isToken = _tokens.Next();
        var negated = _tokens.SkipIfName("not");
        var nameToken = _tokens.Expect(TokenKind.Name);
        var name = ParseDottedName(nameToken.Text);
        CheckKnown(isFilter: false, name, nameToken);
        CallArguments arguments;
        var next = _tokens.Current;
        if (next.IsOperator("("))
        {
            arguments = ParseCallArguments();
        }
        else if ((next.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                || next.IsOperator("[") || next.IsOperator("{"))
            && !next.IsName("else") && !next.IsName("or") && !next.IsName("and"))
        {
            // A test takes one argument without parentheses: "x is divisibleby 3".
            if (next.IsName("is"))
            {
                throw _tokens.SyntaxError("You cannot chain multiple tests with is");
            }
            arguments = new CallArguments([ParsePostfix(ParsePrimary())], [], null, null);
        }
        else
        {
            arguments = CallArguments.None;
        }
        Expression test = new TestExpression(isToken.Location, target, name, arguments);
        return negated ? new NotExpression(isToken.Location, test) : test;
    }

    private string ParseDottedName(string first)
    {
        var name = first;
        while (_tokens.SkipIfOperator("."))
        {
            name += "." + _tokens.Expect(TokenKind.Name).Text;
        }
        return name;
    }
}
