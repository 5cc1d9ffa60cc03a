namespace MetalCore.Chat.Templates.Values;

/// <summary>The evaluated arguments of a call, a filter or a test: positional ones, then keyword ones.</summary>
internal sealed class Arguments(IReadOnlyList<TemplateValue> positional, IReadOnlyList<KeyValuePair<string, TemplateValue>> named)
{
    public static readonly Arguments Empty = new([], []);

    public IReadOnlyList<TemplateValue> Positional { get; } = positional;

    public IReadOnlyList<KeyValuePair<string, TemplateValue>> Named { get; } = named;

    public static Arguments Of(params TemplateValue[] positional) => new(positional, []);

    /// <summary>
    /// Binds the arguments to a Python signature whose parameters may all be passed by position or
    /// by name; an absent parameter is null. Raises Python's TypeError for surplus, unknown or
    /// duplicated arguments; the caller checks required ones.
    /// </summary>
    public TemplateValue?[] Bind(string function, params string[] parameters)
    {
        if (Positional.Count > parameters.Length)
        {
            throw TemplateError.Type(
                $"{function}() takes at most {parameters.Length} argument(s) ({Positional.Count} given)");
        }
        var bound = new TemplateValue?[parameters.Length];
        for (var i = 0; i < Positional.Count; i++)
        {
            bound[i] = Positional[i];
        }
        foreach (var (name, value) in Named)
        {
            var index = Array.IndexOf(parameters, name);
            if (index < 0)
            {
                throw TemplateError.Type($"{function}() got an unexpected keyword argument '{name}'");
            }
            if (bound[index] is not null)
            {
                throw TemplateError.Type($"{function}() got multiple values for argument '{name}'");
            }
            bound[index] = value;
        }
        return bound;
    }

    /// <summary>Binds like <see cref="Bind(string, string[])"/> and requires the first <paramref name="required"/> parameters.</summary>
    public TemplateValue?[] Bind(string function, int required, params string[] parameters)
    {
        var bound = Bind(function, parameters);
        for (var i = 0; i < required; i++)
        {
            if (bound[i] is null)
            {
                throw TemplateError.Type($"{function}() missing required argument: '{parameters[i]}'");
            }
        }
        return bound;
    }
}
