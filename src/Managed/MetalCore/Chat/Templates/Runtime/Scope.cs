using MetalCore.Chat.Templates.Values;

namespace MetalCore.Chat.Templates.Runtime;

/// <summary>
/// Variables visible at one point of a render, chained to the enclosing scope. The chain follows
/// jinja2's scoping: the globals, then the render variables (where top-level <c>set</c> writes),
/// then one scope per loop iteration, macro call or block whose assignments must not leak out.
/// <c>if</c> blocks share their enclosing scope.
/// </summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, TemplateValue> _variables = new(StringComparer.Ordinal);

    public bool TryLookup(string name, out TemplateValue value)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
        {
            if (scope._variables.TryGetValue(name, out value!))
            {
                return true;
            }
        }
        value = UndefinedValue.Variable(name);
        return false;
    }

    public TemplateValue Lookup(string name)
    {
        TryLookup(name, out var value);
        return value;
    }

    public Scope? Parent { get; } = parent;

    /// <summary>Assigns in this scope, shadowing any outer variable of that name.</summary>
    public void Set(string name, TemplateValue value) => _variables[name] = value;
}
