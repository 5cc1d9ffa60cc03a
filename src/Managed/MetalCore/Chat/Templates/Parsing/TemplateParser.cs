using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Lexing;
using MetalCore.Chat.Templates.Library;
using MetalCore.Chat.Templates.Syntax;

namespace MetalCore.Chat.Templates.Parsing;

/// <summary>
/// Builds the syntax tree from the tokens, following jinja2's grammar and its compile-time checks.
/// This file parses statements (tags and text); <c>TemplateParser.Expressions.cs</c> parses expressions.
/// </summary>
internal sealed partial class TemplateParser
{
    // Tags jinja2 knows that this renderer does not implement: named in a clear error.
    private static readonly HashSet<string> s_unsupportedTags =
        ["block", "extends", "include", "import", "from", "autoescape"];

    private readonly TokenStream _tokens;

    // The end tags each open block is waiting for, innermost last, and the open tag names: for
    // jinja2's "unknown tag" messages.
    private readonly List<string[]> _endTagStack = [];
    private readonly List<string> _openTags = [];

    // Inside an if statement or conditional expression (jinja2's "soft frames") an unknown filter or
    // test fails only if evaluated; elsewhere it fails at parse time, as in jinja2.
    private bool _soft;

    private int _loopDepth;

    private TemplateParser(TemplateSource source)
    {
        var tokens = TemplateLexer.Tokenize(source);
        var end = source.LocationOf(source.Text.Length);
        _tokens = new TokenStream(tokens, new Token(TokenKind.EndOfFile, string.Empty, end));
    }

    public static IReadOnlyList<Statement> Parse(TemplateSource source)
    {
        var parser = new TemplateParser(source);
        return parser.ParseBody();
    }

    /// <summary>Parses statements until one of <paramref name="endTags"/> (left as the current token) or the end.</summary>
    private List<Statement> ParseBody(params string[] endTags)
    {
        var body = new List<Statement>();
        if (endTags.Length != 0)
        {
            _endTagStack.Add(endTags);
        }
        try
        {
            while (true)
            {
                var token = _tokens.Current;
                switch (token.Kind)
                {
                    case TokenKind.EndOfFile:
                        if (endTags.Length != 0)
                        {
                            throw UnknownOrEndError(null, token);
                        }
                        return body;
                    case TokenKind.Data:
                        body.Add(new TextStatement(token.Location, token.Text));
                        _tokens.Next();
                        break;
                    case TokenKind.VariableBegin:
                        _tokens.Next();
                        body.Add(new OutputStatement(token.Location, ParseTuple()));
                        _tokens.Expect(TokenKind.VariableEnd);
                        break;
                    case TokenKind.BlockBegin:
                        _tokens.Next();
                        if (endTags.Any(_tokens.Current.IsName))
                        {
                            return body;
                        }
                        body.AddRange(ParseStatement());
                        _tokens.Expect(TokenKind.BlockEnd);
                        break;
                    default:
                        throw _tokens.SyntaxError($"unexpected {PythonRepr.QuoteString(token.Description)}");
                }
            }
        }
        finally
        {
            if (endTags.Length != 0)
            {
                _endTagStack.RemoveAt(_endTagStack.Count - 1);
            }
        }
    }

    /// <summary>
    /// Parses a block body that ends with one of <paramref name="endTags"/>: skips the end of the
    /// opening tag, and leaves the end tag's name as the current token.
    /// </summary>
    private List<Statement> ParseBlockBody(params string[] endTags)
    {
        _tokens.Expect(TokenKind.BlockEnd);
        return ParseBody(endTags);
    }

    /// <summary>Parses a body ending with <paramref name="endTag"/> and consumes that tag's name.</summary>
    private List<Statement> ParseBlockBodyThrough(string endTag)
    {
        var body = ParseBlockBody(endTag);
        _tokens.Next();
        return body;
    }

    private IEnumerable<Statement> ParseStatement()
    {
        StackGuard.Ensure(_tokens.Current.Location);
        var token = _tokens.Current;
        if (token.Kind != TokenKind.Name)
        {
            throw _tokens.SyntaxError("tag name expected");
        }
        if (s_unsupportedTags.Contains(token.Text))
        {
            throw new TemplateError(ChatTemplateErrorKind.Unsupported, $"the '{token.Text}' tag is not supported") { Location = token.Location };
        }
        if (token.Text is "break" or "continue")
        {
            _tokens.Next();
            if (_loopDepth == 0)
            {
                throw TokenStream.SyntaxError($"'{token.Text}' outside loop", token);
            }
            return [token.Text == "break" ? new BreakStatement(token.Location) : new ContinueStatement(token.Location)];
        }
        if (token.Text == "print")
        {
            return ParsePrint();
        }
        Func<Statement> parse = token.Text switch
        {
            "if" => ParseIf,
            "for" => ParseFor,
            "set" => ParseSet,
            "macro" => ParseMacro,
            "call" => ParseCallBlock,
            "filter" => ParseFilterBlock,
            "with" => ParseWith,
            "generation" => ParseGeneration,
            _ => throw UnknownOrEndError(token.Text, token),
        };
        // Only a known tag is open while its body parses: jinja2's "innermost block" in messages.
        _openTags.Add(token.Text);
        try
        {
            return [parse()];
        }
        finally
        {
            _openTags.RemoveAt(_openTags.Count - 1);
        }
    }

    /// <summary>jinja2's message for an unknown tag (<paramref name="tag"/>) or an early end of template (null).</summary>
    private TemplateError UnknownOrEndError(string? tag, Token at)
    {
        var message = new List<string> { tag is null ? "Unexpected end of template." : $"Encountered unknown tag '{tag}'." };
        if (_endTagStack.Count != 0)
        {
            var lookingFor = string.Join(" or ", _endTagStack[^1].Select(t => $"'{t}'"));
            message.Add(tag is not null && _endTagStack.Any(tags => tags.Contains(tag))
                ? $"You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for {lookingFor}."
                : $"Jinja was looking for the following tags: {lookingFor}.");
        }
        if (_openTags.Count != 0)
        {
            message.Add($"The innermost block that needs to be closed is '{_openTags[^1]}'.");
        }
        return TokenStream.SyntaxError(string.Join(" ", message), at);
    }

    private IEnumerable<Statement> ParsePrint()
    {
        _tokens.Next();
        var outputs = new List<Statement>();
        while (_tokens.Current.Kind != TokenKind.BlockEnd)
        {
            if (outputs.Count != 0)
            {
                _tokens.ExpectOperator(",");
            }
            var location = _tokens.Current.Location;
            outputs.Add(new OutputStatement(location, ParseExpression()));
        }
        return outputs;
    }

    private IfStatement ParseIf()
    {
        var location = _tokens.Next().Location;
        var wasSoft = _soft;
        _soft = true;
        try
        {
            var branches = new List<ConditionalBranch>();
            IReadOnlyList<Statement> otherwise = [];
            while (true)
            {
                var test = ParseTuple(withCondition: false);
                var body = ParseBlockBody("elif", "else", "endif");
                branches.Add(new ConditionalBranch(test, body));
                var tag = _tokens.Next().Text;
                if (tag == "elif")
                {
                    continue;
                }
                if (tag == "else")
                {
                    otherwise = ParseBlockBodyThrough("endif");
                }
                return new IfStatement(location, branches, otherwise);
            }
        }
        finally
        {
            _soft = wasSoft;
        }
    }

    private ForStatement ParseFor()
    {
        var location = _tokens.Next().Location;
        var target = ParseAssignTarget(extraEndName: "in");
        _tokens.ExpectName("in");
        var iterable = ParseTuple(withCondition: false, extraEndName: "recursive");
        return WithoutSoft(() =>
        {
            Expression? filter;
            List<Statement> body;
            _loopDepth++;
            try
            {
                filter = _tokens.SkipIfName("if") ? ParseExpression() : null;
                if (_tokens.Current.IsName("recursive"))
                {
                    throw new TemplateError(ChatTemplateErrorKind.Unsupported, "recursive for loops are not supported")
                    {
                        Location = _tokens.Current.Location,
                    };
                }
                body = ParseBlockBody("endfor", "else");
            }
            finally
            {
                _loopDepth--;
            }
            IReadOnlyList<Statement> otherwise = _tokens.Next().Text == "else" ? ParseBlockBodyThrough("endfor") : [];
            return new ForStatement(location, target, iterable, filter, body, otherwise);
        });
    }

    private Statement ParseSet()
    {
        var location = _tokens.Next().Location;
        var target = ParseAssignTarget(withNamespace: true);
        if (_tokens.SkipIfOperator("="))
        {
            return new SetStatement(location, target, ParseTuple());
        }
        return WithoutSoft(() =>
        {
            var filter = _tokens.Current.IsOperator("|") ? ParseFilterChain(null) : null;
            return new SetBlockStatement(location, target, filter, ParseBlockBodyThrough("endset"));
        });
    }

    private MacroStatement ParseMacro()
    {
        var location = _tokens.Next().Location;
        var name = _tokens.Expect(TokenKind.Name).Text;
        return WithoutSoftOrLoop(() =>
        {
            var parameters = ParseSignature();
            return new MacroStatement(location, name, parameters, ParseBlockBodyThrough("endmacro"));
        });
    }

    private CallBlockStatement ParseCallBlock()
    {
        var location = _tokens.Next().Location;
        return WithoutSoftOrLoop(() =>
        {
            IReadOnlyList<Parameter> parameters = _tokens.Current.IsOperator("(") ? ParseSignature() : [];
            var call = ParseExpression() as CallExpression
                ?? throw new TemplateError(ChatTemplateErrorKind.Syntax, "expected call") { Location = location };
            return new CallBlockStatement(location, parameters, call, ParseBlockBodyThrough("endcall"));
        });
    }

    private FilterBlockStatement ParseFilterBlock()
    {
        var location = _tokens.Next().Location;
        return WithoutSoft(() =>
        {
            var filter = ParseFilterChain(null, startInline: true)!;
            return new FilterBlockStatement(location, filter, ParseBlockBodyThrough("endfilter"));
        });
    }

    private WithStatement ParseWith()
    {
        var location = _tokens.Next().Location;
        var assignments = new List<KeyValuePair<Expression, Expression>>();
        while (_tokens.Current.Kind != TokenKind.BlockEnd)
        {
            if (assignments.Count != 0)
            {
                _tokens.ExpectOperator(",");
            }
            var target = ParseAssignTarget();
            _tokens.ExpectOperator("=");
            assignments.Add(new(target, ParseExpression()));
        }
        return WithoutSoft(() => new WithStatement(location, assignments, ParseBlockBodyThrough("endwith")));
    }

    private GenerationStatement ParseGeneration()
    {
        var location = _tokens.Next().Location;
        return WithoutSoftOrLoop(() => new GenerationStatement(location, ParseBlockBodyThrough("endgeneration")));
    }

    /// <summary>A macro or call-block signature: <c>(a, b=default)</c>.</summary>
    private List<Parameter> ParseSignature()
    {
        var parameters = new List<Parameter>();
        _tokens.ExpectOperator("(");
        while (!_tokens.Current.IsOperator(")"))
        {
            if (parameters.Count != 0)
            {
                _tokens.ExpectOperator(",");
            }
            var name = _tokens.Expect(TokenKind.Name).Text;
            Expression? defaultValue = null;
            if (_tokens.SkipIfOperator("="))
            {
                defaultValue = ParseExpression();
            }
            else if (parameters.Count != 0 && parameters[^1].Default is not null)
            {
                throw _tokens.SyntaxError("non-default argument follows default argument");
            }
            parameters.Add(new Parameter(name, defaultValue));
        }
        _tokens.ExpectOperator(")");
        return parameters;
    }

    // Macros and call blocks are functions of their own in jinja2: neither soft nor inside the
    // enclosing loop.
    private T WithoutSoftOrLoop<T>(Func<T> parse)
    {
        var loopDepth = _loopDepth;
        _loopDepth = 0;
        try
        {
            return WithoutSoft(parse);
        }
        finally
        {
            _loopDepth = loopDepth;
        }
    }

    private T WithoutSoft<T>(Func<T> parse)
    {
        var wasSoft = _soft;
        _soft = false;
        try
        {
            return parse();
        }
        finally
        {
            _soft = wasSoft;
        }
    }

    /// <summary>Fails at parse time for a filter or test jinja2 does not know, unless inside a soft frame.</summary>
    private void CheckKnown(bool isFilter, string name, Token at)
    {
        var known = isFilter ? FilterLibrary.IsKnownToJinja(name) : TestLibrary.IsKnownToJinja(name);
        if (!known && !_soft)
        {
            throw TokenStream.SyntaxError($"No {(isFilter ? "filter" : "test")} named '{name}'.", at);
        }
    }
}
