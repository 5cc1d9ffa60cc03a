using MetalCore.Chat.Templates.Lexing;
using MetalCore.Chat.Templates.Library;
using MetalCore.Chat.Templates.Parsing;
using MetalCore.Chat.Templates.Runtime;
using MetalCore.Chat.Templates.Syntax;
using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates;

/// <summary>
/// A model's chat template (the Jinja text of GGUF <c>tokenizer.chat_template</c> or
/// <c>tokenizer_config.json</c>), parsed once and rendered into a prompt the way Hugging Face
/// transformers' <c>apply_chat_template</c> renders it with jinja2: <c>trim_blocks</c>,
/// <c>lstrip_blocks</c>, loop controls, the <c>raise_exception</c> and <c>strftime_now</c> globals
/// and HF's <c>tojson</c>, inside jinja2's immutable sandbox.
/// </summary>
/// <remarks>
/// The interpreter implements the Jinja subset chat templates use. A construct it does not
/// implement (the <c>extends</c>/<c>include</c>/<c>import</c> tags, recursive loops) fails in
/// <see cref="Parse"/>; a jinja2 filter, test or global it does not implement (e.g. <c>urlize</c>)
/// fails when a render reaches it, as an unknown filter inside an <c>if</c> does in jinja2. Both
/// are a <see cref="ChatTemplateException"/> of kind <see cref="ChatTemplateErrorKind.Unsupported"/>
/// naming the construct and its position. Known differences from Python: integers are 64-bit
/// (overflow is an unsupported-construct error), case changes use simple one-to-one mappings
/// (<c>'ß'.upper()</c> stays <c>ß</c>, Python gives <c>SS</c>), and <c>str.format</c> is not
/// implemented (the <c>format</c> filter and <c>%</c> are). Instances are immutable:
/// <see cref="Render"/> may be called from several threads at once.
/// </remarks>
public sealed class ChatTemplate
{
    private readonly IReadOnlyList<Statement> _body;

    private ChatTemplate(string source, IReadOnlyList<Statement> body)
    {
        Source = source;
        _body = body;
    }

    /// <summary>The template text as given to <see cref="Parse"/>.</summary>
    public string Source { get; }

    /// <summary>Parses a chat template.</summary>
    /// <param name="source">The Jinja template text.</param>
    /// <returns>The parsed template, ready to render any number of times.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ChatTemplateException">The template is not valid Jinja (<see cref="ChatTemplateErrorKind.Syntax"/>)
    /// or uses a construct this interpreter does not implement (<see cref="ChatTemplateErrorKind.Unsupported"/>).</exception>
    public static ChatTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            return new ChatTemplate(source, TemplateParser.Parse(new TemplateSource(source)));
        }
        catch (TemplateError error)
        {
            throw error.ToPublic();
        }
    }

    /// <summary>
    /// Renders a conversation into a prompt. The template sees <c>messages</c> (a list of
    /// <c>{"role", "content"}</c> dictionaries), <c>add_generation_prompt</c>, <c>tools</c> and
    /// <c>documents</c> (<c>None</c> unless given in <paramref name="extraVariables"/>), and
    /// <c>bos_token</c> / <c>eos_token</c> when given (undefined otherwise, as for a model without them).
    /// </summary>
    /// <param name="messages">The conversation, oldest first.</param>
    /// <param name="addGenerationPrompt">Whether to end with the header that opens the assistant's reply.</param>
    /// <param name="bosToken">The model's beginning-of-sequence token text, or null when it has none.</param>
    /// <param name="eosToken">The model's end-of-sequence token text, or null when it has none.</param>
    /// <param name="extraVariables">More template variables, such as <c>tools</c>, <c>enable_thinking</c> or
    /// <c>date_string</c>. Values may be null, strings, booleans, numbers, lists (any
    /// <see cref="System.Collections.IEnumerable"/>), dictionaries with string keys, or JSON
    /// (<see cref="System.Text.Json.JsonElement"/>, <see cref="System.Text.Json.Nodes.JsonNode"/>).</param>
    /// <returns>The rendered prompt.</returns>
    /// <exception cref="ArgumentException">A message or extra variable cannot be given to a template, or
    /// <paramref name="extraVariables"/> repeats a variable set by another parameter.</exception>
    /// <exception cref="ChatTemplateException">The template failed: it called <c>raise_exception</c>
    /// (<see cref="ChatTemplateErrorKind.RaisedByTemplate"/>), used an undefined value, reached an unsupported
    /// filter, or hit a Python runtime error.</exception>
    public string Render(
        IReadOnlyList<ChatTemplateMessage> messages,
        bool addGenerationPrompt,
        string? bosToken = null,
        string? eosToken = null,
        IReadOnlyDictionary<string, object?>? extraVariables = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = messages.Select((message, index) => MessageAsDictionary(message, index)).ToList(),
            ["add_generation_prompt"] = addGenerationPrompt,
            ["tools"] = null,
            ["documents"] = null,
        };
        AddToken(variables, "bos_token", bosToken);
        AddToken(variables, "eos_token", eosToken);
        foreach (var (name, value) in extraVariables ?? new Dictionary<string, object?>())
        {
            if (name is "messages" or "add_generation_prompt"
                || (name == "bos_token" && bosToken is not null)
                || (name == "eos_token" && eosToken is not null))
            {
                throw new ArgumentException(
                    $"Extra variable '{name}' is already set by a parameter of Render.", nameof(extraVariables));
            }
            variables[name] = value;
        }
        return RenderVariables(variables, TimeProvider.System);
    }

    /// <summary>
    /// Renders with exactly these variables (converted from .NET values), reading
    /// <paramref name="clock"/> for <c>strftime_now</c>. Tests replay reference renders through it,
    /// including messages the public overload cannot express (tool calls, content parts).
    /// </summary>
    internal string RenderVariables(IReadOnlyDictionary<string, object?> variables, TimeProvider clock)
    {
        var globals = new Scope(null);
        foreach (var (name, value) in GlobalFunctions.Create(clock))
        {
            globals.Set(name, value);
        }
        var scope = new Scope(globals);
        foreach (var (name, value) in variables)
        {
            scope.Set(name, ClrValues.Convert(value, name));
        }
        try
        {
            return Interpreter.Render(_body, scope);
        }
        catch (TemplateError error)
        {
            throw error.ToPublic();
        }
    }

    private static Dictionary<string, object?> MessageAsDictionary(ChatTemplateMessage message, int index)
    {
        if (message is null)
        {
            throw new ArgumentException($"messages[{index}] is null.", "messages");
        }
        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["role"] = message.Role,
            ["content"] = message.Content,
        };
    }

    private static void AddToken(Dictionary<string, object?> variables, string name, string? token)
    {
        if (token is not null)
        {
            variables[name] = token;
        }
    }
}
