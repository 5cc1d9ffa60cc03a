using System.Text;
using MetalCore.Chat.Templates.Formatting;
using MetalCore.Chat.Templates.Syntax;
using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Runtime;

/// <summary>
/// Renders a parsed template: executes statements into the output (this file) and evaluates
/// expressions (<c>Interpreter.Expressions.cs</c>), with jinja2's scoping: loop iterations, macro
/// calls and blocks get their own scope; <c>if</c> does not.
/// </summary>
internal sealed partial class Interpreter
{
    // CPython stops runaway recursion at about 1000 frames; a jinja2 macro call costs several.
    private const int MaxMacroDepth = 200;

    private int _macroDepth;

    public static string Render(IReadOnlyList<Statement> template, Scope scope)
    {
        var output = new StringBuilder();
        new Interpreter().Execute(template, scope, output);
        return output.ToString();
    }

    private ControlFlow Execute(IReadOnlyList<Statement> statements, Scope scope, StringBuilder output)
    {
        foreach (var statement in statements)
        {
            var flow = Execute(statement, scope, output);
            if (flow != ControlFlow.Normal)
            {
                return flow;
            }
        }
        return ControlFlow.Normal;
    }

    private ControlFlow Execute(Statement statement, Scope scope, StringBuilder output)
    {
        try
        {
            StackGuard.Ensure();
            switch (statement)
            {
                case TextStatement text:
                    output.Append(text.Text);
                    break;
                case OutputStatement print:
                    output.Append(PythonRepr.Str(Evaluate(print.Expression, scope)));
                    break;
                case IfStatement conditional:
                    var branch = conditional.Branches.FirstOrDefault(b => Evaluate(b.Test, scope).IsTruthy);
                    return Execute(branch?.Body ?? conditional.Else, scope, output);
                case ForStatement loop:
                    ExecuteFor(loop, scope, output);
                    break;
                case BreakStatement:
                    return ControlFlow.Break;
                case ContinueStatement:
                    return ControlFlow.Continue;
                case SetStatement set:
                    Assign(set.Target, Evaluate(set.Value, scope), scope);
                    break;
                case SetBlockStatement setBlock:
                    var rendered = new StringValue(RenderBody(setBlock.Body, new Scope(scope)));
                    Assign(setBlock.Target, setBlock.Filter is null ? rendered : EvaluateFilter(setBlock.Filter, scope, rendered), scope);
                    break;
                case MacroStatement macro:
                    scope.Set(macro.Name, CreateMacro(macro.Name, macro.Parameters, macro.Body, scope));
                    break;
                case CallBlockStatement callBlock:
                    var caller = CreateMacro("caller", callBlock.Parameters, callBlock.Body, scope);
                    output.Append(PythonRepr.Str(EvaluateCall(callBlock.Call, scope, caller)));
                    break;
                case FilterBlockStatement filterBlock:
                    var body = new StringValue(RenderBody(filterBlock.Body, new Scope(scope)));
                    output.Append(PythonRepr.Str(EvaluateFilter(filterBlock.Filter, scope, body)));
                    break;
                case WithStatement with:
                    var inner = new Scope(scope);
                    foreach (var (target, value) in with.Assignments)
                    {
                        Assign(target, Evaluate(value, scope), inner);
                    }
                    return Execute(with.Body, inner, output);
                case GenerationStatement generation:
                    // HF's tag renders its body through a caller macro: a scope of its own.
                    output.Append(RenderBody(generation.Body, new Scope(scope)));
                    break;
                default:
                    throw new InvalidOperationException($"Unknown statement {statement.GetType().Name}.");
            }
            return ControlFlow.Normal;
        }
        catch (TemplateError error) when (error.Location is null)
        {
            error.Location = statement.Location;
            throw;
        }
    }

    private string RenderBody(IReadOnlyList<Statement> body, Scope scope)
    {
        var output = new StringBuilder();
        Execute(body, scope, output);
        return output.ToString();
    }

    private void ExecuteFor(ForStatement loop, Scope scope, StringBuilder output)
    {
        var items = PythonObjects.Iterate(Evaluate(loop.Iterable, scope));
        if (loop.Filter is { } filter)
        {
            items = items.Where(item =>
            {
                var filterScope = new Scope(scope);
                Assign(loop.Target, item, filterScope);
                return Evaluate(filter, filterScope).IsTruthy;
            });
        }
        var context = new LoopContext(items);
        var iterated = false;
        while (context.MoveNext())
        {
            iterated = true;
            var iteration = new Scope(scope);
            Assign(loop.Target, context.Current, iteration);
            iteration.Set("loop", context);
            if (Execute(loop.Body, iteration, output) == ControlFlow.Break)
            {
                break;
            }
        }
        if (!iterated)
        {
            Execute(loop.Else, new Scope(scope), output);
        }
    }

    /// <summary>Assigns to a name, unpacks into a tuple of names, or sets a namespace attribute.</summary>
    private static void Assign(Expression target, TemplateValue value, Scope scope)
    {
        switch (target)
        {
            case NameExpression name:
                scope.Set(name.Name, value);
                break;
            case TupleExpression tuple:
                var items = Unpack(value, tuple.Items.Count);
                for (var i = 0; i < items.Count; i++)
                {
                    Assign(tuple.Items[i], items[i], scope);
                }
                break;
            case NamespaceAttributeExpression attribute:
                if (scope.Lookup(attribute.Namespace) is not NamespaceValue ns)
                {
                    throw TemplateError.Runtime("cannot assign attribute on non-namespace object");
                }
                ns.Set(attribute.Attribute, value);
                break;
            default:
                throw new InvalidOperationException($"Cannot assign to {target.GetType().Name}.");
        }
    }

    private static List<TemplateValue> Unpack(TemplateValue value, int count)
    {
        if (!PythonObjects.IsIterable(value))
        {
            throw TemplateError.Type($"cannot unpack non-iterable {value.TypeName} object");
        }
        var items = PythonObjects.Iterate(value).Take(count + 1).ToList();
        if (items.Count > count)
        {
            throw TemplateError.Runtime($"too many values to unpack (expected {count})");
        }
        if (items.Count < count)
        {
            throw TemplateError.Runtime($"not enough values to unpack (expected {count}, got {items.Count})");
        }
        return items;
    }

    /// <summary>
    /// A macro as jinja2 builds it: positional arguments first, then keywords by name, then
    /// defaults (evaluated in the macro's scope, so they may use earlier parameters); a missing
    /// parameter is undefined. It takes extra arguments only if its body reads <c>varargs</c> or
    /// <c>kwargs</c>, and a caller only if it reads <c>caller</c>.
    /// </summary>
    private CallableValue CreateMacro(string name, IReadOnlyList<Parameter> parameters, IReadOnlyList<Statement> body, Scope definingScope)
    {
        var reads = NameReferences.In(body);
        var catchVarargs = reads.Contains("varargs");
        var catchKwargs = reads.Contains("kwargs");
        var takesCaller = reads.Contains("caller") && parameters.All(p => p.Name != "caller");

        return new CallableValue("Macro", $"<Macro '{name}'>", arguments =>
        {
            var scope = new Scope(definingScope);
            var keywords = new Dictionary<string, TemplateValue>(StringComparer.Ordinal);
            foreach (var (key, value) in arguments.Named)
            {
                keywords[key] = value;
            }
            for (var i = 0; i < parameters.Count; i++)
            {
                var parameter = parameters[i];
                if (i < arguments.Positional.Count)
                {
                    scope.Set(parameter.Name, arguments.Positional[i]);
                }
                else if (keywords.Remove(parameter.Name, out var keyword))
                {
                    scope.Set(parameter.Name, keyword);
                }
                else
                {
                    scope.Set(parameter.Name, parameter.Default is null
                        ? UndefinedValue.WithHint($"parameter '{parameter.Name}' was not provided")
                        : Evaluate(parameter.Default, scope));
                }
            }
            if (takesCaller)
            {
                scope.Set("caller", keywords.Remove("caller", out var caller) ? caller : UndefinedValue.WithHint("No caller defined"));
            }
            if (catchKwargs)
            {
                var extra = new DictValue();
                foreach (var (key, value) in keywords)
                {
                    extra.Set(key, value);
                }
                scope.Set("kwargs", extra);
            }
            else if (keywords.Count != 0)
            {
                throw TemplateError.Type(keywords.ContainsKey("caller")
                    ? $"macro '{name}' was invoked with two values for the special caller argument. This is most likely a bug."
                    : $"macro '{name}' takes no keyword argument '{keywords.Keys.First()}'");
            }
            if (catchVarargs)
            {
                scope.Set("varargs", new ListValue([.. arguments.Positional.Skip(parameters.Count)], SequenceKind.Tuple));
            }
            else if (arguments.Positional.Count > parameters.Count)
            {
                throw TemplateError.Type($"macro '{name}' takes not more than {parameters.Count} argument(s)");
            }

            if (_macroDepth == MaxMacroDepth)
            {
                throw TemplateError.Runtime("maximum recursion depth exceeded");
            }
            _macroDepth++;
            try
            {
                return new StringValue(RenderBody(body, scope));
            }
            finally
            {
                _macroDepth--;
            }
        });
    }
}
